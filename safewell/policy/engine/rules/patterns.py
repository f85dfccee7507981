"""Session patterns over a rolling window of school weeks (seed 004, "Single missing days"):
- pattern_day_of_week: absences concentrated on one weekday ("is there a pattern in the day
  missed?");
- pattern_adjacent_to_weekend: absences on the school days next to a weekend or holiday
  ("is it before or after the weekend, suggesting the child is away from the area?");
- pattern_lateness: repeated L/U ("are they late because of a caring responsibility?").

Each is judged week by week over the window of school weeks ending with that week, from
per-day and per-week counts (a few segment sums per site, no loop per pupil); an alert is
the spell of weeks it has been met, keyed by the Monday the spell began. The thresholds are
product defaults [U] (thresholds.py).
"""

from __future__ import annotations

import numpy as np

from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine import kernels
from safewell.policy.engine.batch import RuleResult, SiteBatch
from safewell.policy.engine.timeline import WEEKDAY_NAMES

SOURCE_DAY_OF_WEEK = "Seed 004, 'Single missing days': 'Is there a pattern in the day missed?' Thresholds [U]."
SOURCE_ADJACENT = (
    "Seed 004, 'Single missing days': 'Is it before or after the weekend suggesting the child/student is "
    "away from the area?' Thresholds [U]."
)
SOURCE_LATENESS = "Seed 004: 'Are they late because of a caring responsibility?' Thresholds [U]."


def _weekly_window(per_week: np.ndarray, width: int) -> np.ndarray:
    """Per row and week k, the sum over weeks k-width+1 … k."""
    weeks = per_week.shape[1]
    index = np.arange(weeks)
    return kernels.window_sums(per_week, np.maximum(index - width + 1, 0), index + 1)


def _per_week_of_days(batch: SiteBatch, per_day: np.ndarray, day_mask: np.ndarray) -> np.ndarray:
    """(pupils × weeks) sums of per-day values over the days where `day_mask` holds."""
    t = batch.timeline
    first_day_of_week = np.searchsorted(t.week_of_day, np.arange(t.week_count))
    return kernels.segment_sums(per_day * day_mask, first_day_of_week)


def day_of_week(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.PATTERN_DAY_OF_WEEK) or t.week_count == 0:
        return result
    width = th.day_of_week_school_weeks
    absent_day = batch.sessions_per_day(F.ABSENT)
    total = _weekly_window(batch.sessions_per_week(F.ABSENT), width).astype(np.int64)
    by_weekday = np.stack([
        _weekly_window(_per_week_of_days(batch, absent_day, t.weekday == w), width) for w in range(5)
    ]).astype(np.int64)  # (5 × pupils × weeks)
    best = by_weekday.max(axis=0)
    met = (best >= th.day_of_week_min_absences) & (best >= th.day_of_week_min_share * total)
    start = kernels.streak_start(met)
    result.needs_tail = batch.week_window_truncated(start, width)
    absent = batch.bit(F.ABSENT)
    window_from = int(t.week_starts[max(0, t.week_count - width)])
    for row in np.flatnonzero(met[:, -1]):
        weekday = int(by_weekday[:, row, -1].argmax())
        counts = {WEEKDAY_NAMES[w]: int(by_weekday[w, row, -1]) for w in range(5)}
        sessions = batch.sessions_of(int(row), window_from, t.columns, absent[row])
        result.candidates.append(batch.candidate(
            R.PATTERN_DAY_OF_WEEK, int(row), t.monday_of_week(int(start[row])).isoformat(),
            {"weekday": WEEKDAY_NAMES[weekday], "absent_sessions_by_weekday": counts,
             "absent_sessions": int(total[row, -1]), "school_weeks": width,
             "window_from": t.monday_of_week(max(0, t.week_count - width)).isoformat(), "sessions": sessions},
            f"{counts[WEEKDAY_NAMES[weekday]]} of {int(total[row, -1])} absent sessions in the last {width} school "
            f"weeks were on a {WEEKDAY_NAMES[weekday]}.", SOURCE_DAY_OF_WEEK,
        ))
    return result


def adjacent_to_weekend(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.PATTERN_ADJACENT_TO_WEEKEND) or t.week_count == 0:
        return result
    width = th.adjacent_school_weeks
    absent_day = batch.sessions_per_day(F.ABSENT)
    total = _weekly_window(batch.sessions_per_week(F.ABSENT), width).astype(np.int64)
    adjacent = _weekly_window(_per_week_of_days(batch, absent_day, t.adjacent), width).astype(np.int64)
    met = (adjacent >= th.adjacent_min_absences) & (adjacent >= th.adjacent_min_share * total)
    start = kernels.streak_start(met)
    result.needs_tail = batch.week_window_truncated(start, width)
    absent = batch.bit(F.ABSENT)
    window_from = int(t.week_starts[max(0, t.week_count - width)])
    adjacent_column = t.adjacent[t.day_of_column]
    for row in np.flatnonzero(met[:, -1]):
        sessions = batch.sessions_of(int(row), window_from, t.columns, absent[row] & adjacent_column)
        weekdays = sorted({WEEKDAY_NAMES[int(t.weekday[t.day_of_column[c]])] for c in range(window_from, t.columns)
                           if absent[row, c] and adjacent_column[c]}, key=WEEKDAY_NAMES.index)
        result.candidates.append(batch.candidate(
            R.PATTERN_ADJACENT_TO_WEEKEND, int(row), t.monday_of_week(int(start[row])).isoformat(),
            {"absent_sessions": int(total[row, -1]), "next_to_weekend_or_holiday": int(adjacent[row, -1]),
             "weekdays": weekdays, "school_weeks": width,
             "window_from": t.monday_of_week(max(0, t.week_count - width)).isoformat(), "sessions": sessions},
            f"{int(adjacent[row, -1])} of {int(total[row, -1])} absent sessions in the last {width} school weeks "
            f"were on days next to a weekend or holiday ({', '.join(weekdays)}).", SOURCE_ADJACENT,
        ))
    return result


def lateness(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.PATTERN_LATENESS) or t.week_count == 0:
        return result
    width = th.lateness_school_weeks
    late = _weekly_window(batch.sessions_per_week(F.LATE), width)
    met = late >= th.lateness_sessions
    start = kernels.streak_start(met)
    result.needs_tail = batch.week_window_truncated(start, width)
    late_bit = batch.bit(F.LATE)
    window_from = int(t.week_starts[max(0, t.week_count - width)])
    for row in np.flatnonzero(met[:, -1]):
        sessions = batch.sessions_of(int(row), window_from, t.columns, late_bit[row])
        young_carer = int(batch.pupil_ids[row]) in batch.young_carers
        result.candidates.append(batch.candidate(
            R.PATTERN_LATENESS, int(row), t.monday_of_week(int(start[row])).isoformat(),
            {"late_sessions": int(late[row, -1]), "school_weeks": width,
             "after_register_closed": sum(1 for s in sessions if s["code"] == "U"),
             "young_carer_recorded": young_carer,
             "window_from": t.monday_of_week(max(0, t.week_count - width)).isoformat(), "sessions": sessions},
            f"Late {int(late[row, -1])} times in the last {width} school weeks"
            + (" (recorded as a young carer)." if young_carer else ": ask whether caring responsibilities are the reason."),
            SOURCE_LATENESS,
        ))
    return result
