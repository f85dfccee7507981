"""The penalty-notice threshold: 10 sessions of unauthorised absence (G, N, O, U in any
mix, consecutive or not) within a rolling 10 school weeks, which may span terms and
school years; a school week is any week with at least one session (statutory.md §4 [S],
WTTISA ch. 6 paras 174-200). Meeting it means a penalty notice must be *considered*, after
support first: an attendance-officer alert, never a DSL one (issue 5).

For each school day d the window is the 10 school weeks ending with d's week, counted up to
the end of d (later sessions have not happened). The count for every day comes from one
cumulative sum per pupil; the episode is the day the current spell of being over the
threshold began, so one alert per spell, not one a day.
"""

from __future__ import annotations

import numpy as np

from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine import kernels
from safewell.policy.engine.batch import RuleResult, SiteBatch

SOURCE_PENALTY = (
    "Penalty notice must be considered: 10 sessions of unauthorised absence (G, N, O, U) within a rolling "
    "10 school weeks, which may span terms or school years; a school week has at least one session "
    "(national framework, WTTISA ch. 6 paras 174-200, statutory.md §4 [S]). Support first; routed to "
    "attendance officers."
)


def penalty_notice(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.PENALTY_NOTICE_THRESHOLD) or t.day_count == 0:
        return result
    weeks = th.penalty_school_weeks
    first_week = np.maximum(t.week_of_day - weeks + 1, 0)
    lo = t.week_starts[first_week]
    hi = t.day_ends
    counts = kernels.window_sums(batch.bit(F.UNAUTHORISED), lo, hi)
    met = counts >= th.penalty_sessions
    start = kernels.streak_start(met)
    start_week = np.where(start >= 0, t.week_of_day[np.maximum(start, 0)], -1)
    result.needs_tail = batch.week_window_truncated(start_week, weeks)
    unauthorised = batch.bit(F.UNAUTHORISED)
    for row in np.flatnonzero(met[:, -1]):
        first_met = int(start[row])
        window_from = int(lo[-1])
        sessions = batch.sessions_of(int(row), window_from, t.columns, unauthorised[row])
        week_list = [t.monday_of_week(w).isoformat() for w in range(int(first_week[-1]), int(t.week_of_day[-1]) + 1)]
        result.candidates.append(batch.candidate(
            R.PENALTY_NOTICE_THRESHOLD, int(row), batch.day_date(first_met).isoformat(),
            {"sessions_in_window": int(counts[row, -1]), "threshold": th.penalty_sessions,
             "school_weeks": week_list, "window_from": week_list[0] if week_list else None,
             "window_to": batch.day_date(t.day_count - 1).isoformat(),
             "first_met_on": batch.day_date(first_met).isoformat(), "sessions": sessions,
             "routed_to_role": "attendance_officer",
             "note": "consider a penalty notice only after support (support first); not a DSL alert"},
            f"{int(counts[row, -1])} sessions of unauthorised absence in the last {weeks} school weeks "
            f"(threshold {th.penalty_sessions}, met since {batch.day_date(first_met):%-d %B %Y}): consider the next "
            "step under the local code of conduct, support first.",
            SOURCE_PENALTY,
        ))
    return result
