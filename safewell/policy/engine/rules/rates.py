"""Rates: persistent and severe absence over the year to date, and a sharp drop against the
pupil's own earlier weeks.

Persistent and severe absence are counted exactly as attendance/summaries.py counts them:
possible sessions and absences from the summaries' own byte vectors (flags.POSSIBLE and
flags.ABSENT are built from summaries.IS_POSSIBLE_BYTE and CATEGORY_OF_BYTE), over the year
to date from the pupil's admission (Monitor your school attendance, statutory.md §2 [C]),
compared in whole numbers (100 × absent ≥ 10 × possible), with the period in the evidence
(summaries.Period and its label).
"""

from __future__ import annotations

import numpy as np

from safewell.attendance import summaries
from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine import kernels
from safewell.policy.engine.batch import RuleResult, SiteBatch
from safewell.policy.engine.timeline import to_date

SOURCE_PA = (
    "Persistent absence: overall absence of at least 10% of the enrolment's own possible sessions, over a "
    "stated period (DfE guide para 3.2.2 via The Key, statutory.md §2 [S]); year to date from admission "
    "as Monitor your school attendance counts it (§2 [C])."
)
SOURCE_SA = (
    "Severe absence: overall absence of at least 50% of possible sessions (egfl; DfE methodology names it, "
    "statutory.md §2 [S]); year to date from admission (§2 [C])."
)
SOURCE_DROP = (
    "A sharp drop in attendance against the pupil's own earlier weeks: seed 004 (staff 'aware of any "
    "patterns of absence'; regular analysis of attendance data); thresholds are a product default [U]."
)


def _period_start(batch: SiteBatch, period: str) -> tuple[int, object, str, str]:
    """(first column, first date, mode, label prefix) of "year_to_date" or "term_to_date"."""
    t = batch.timeline
    start_date = t.year.starts_on
    prefix = batch.year_name
    if period == "term_to_date":
        terms = [term for term in t.calendar.terms_of(batch.year_name) if term.starts_on <= batch.today]
        if terms:
            term = max(terms, key=lambda term: term.starts_on)
            start_date, prefix = term.starts_on, f"{batch.year_name} {term.name}"
    column = int(np.searchsorted(t.dates, np.datetime64(start_date, "D")))
    mode = summaries.YEAR_TO_DATE if period == "year_to_date" else summaries.PERIOD
    return column, start_date, mode, prefix


def absence_rates(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if t.columns == 0:
        return result
    for rule_id, percent, period_name, source, word in (
        (R.SEVERE_ABSENCE, th.severe_percent, th.severe_period, SOURCE_SA, "Severely"),
        (R.PERSISTENT_ABSENCE, th.persistent_percent, th.persistent_period, SOURCE_PA, "Persistently"),
    ):
        if not th.runs(rule_id):
            continue
        start, start_date, mode, prefix = _period_start(batch, period_name)
        flags = batch.flags[:, start:]
        possible = np.count_nonzero(flags & F.POSSIBLE, axis=1)
        absent = np.count_nonzero(flags & F.ABSENT, axis=1)
        unauthorised = np.count_nonzero(flags & F.UNAUTHORISED, axis=1)
        met = (possible >= max(1, th.absence_rate_minimum_sessions)) & (100 * absent >= percent * possible)
        rows = np.flatnonzero(met)
        first_on_roll = _first_on_roll(batch, start, rows)
        periods: dict = {}
        for row in rows:
            counted_from = max(start_date, first_on_roll[row])
            if counted_from not in periods:  # one label per first day, not per pupil
                period = summaries.Period(counted_from, batch.today, mode, batch.year_name)
                periods[counted_from] = (period, period.label if mode == summaries.YEAR_TO_DATE
                                         else f"{prefix} to date, {period.label}")
            period, label = periods[counted_from]
            rate = 100 * int(absent[row]) / int(possible[row])
            result.candidates.append(batch.candidate(
                rule_id, int(row), prefix if mode == summaries.YEAR_TO_DATE else f"{prefix}",
                {"period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": label,
                            "kind": period_name},
                 "possible_sessions": int(possible[row]), "absent_sessions": int(absent[row]),
                 "unauthorised_sessions": int(unauthorised[row]),
                 "authorised_sessions": int(absent[row] - unauthorised[row]),
                 "overall_absence_percent": round(rate, 1), "threshold_percent": percent},
                f"{word} absent: missed {int(absent[row])} of {int(possible[row])} possible sessions "
                f"({rate:.1f}%) in {label}.", source,
            ))
    return result


def _first_on_roll(batch: SiteBatch, start: int, rows: np.ndarray) -> dict:
    """{row: the admission date} (a period is counted from the admission date when later,
    as attendance/summaries.py counts it)."""
    return {row: to_date(batch.admitted[row]) for row in rows}


def drop_from_baseline(batch: SiteBatch) -> RuleResult:
    """pattern_drop_from_baseline: attendance over the last `drop_recent_school_weeks`
    school weeks at least `drop_percentage_points` below the `drop_baseline_school_weeks`
    before them. Met week by week; the episode is the week the current drop began."""
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.PATTERN_DROP_FROM_BASELINE) or t.week_count == 0:
        return result
    recent_w, base_w = th.drop_recent_school_weeks, th.drop_baseline_school_weeks
    possible = batch.sessions_per_week(F.POSSIBLE)
    attended = batch.attended_per_week
    weeks = t.week_count
    index = np.arange(weeks)
    recent_lo, base_lo = np.maximum(index - recent_w + 1, 0), np.maximum(index - recent_w - base_w + 1, 0)
    recent_hi, base_hi = index + 1, np.maximum(index - recent_w + 1, 0)
    rp, ra = kernels.window_sums(possible, recent_lo, recent_hi), kernels.window_sums(attended, recent_lo, recent_hi)
    bp, ba = kernels.window_sums(possible, base_lo, base_hi), kernels.window_sums(attended, base_lo, base_hi)
    rp64, ra64, bp64, ba64 = (a.astype(np.int64) for a in (rp, ra, bp, ba))
    met = (
        (bp64 >= th.drop_min_baseline_sessions) & (rp64 >= th.drop_min_recent_sessions)
        & (100 * (ba64 * rp64 - ra64 * bp64) >= th.drop_points * bp64 * rp64)
    )
    start = kernels.streak_start(met)
    result.needs_tail = batch.week_window_truncated(start, recent_w + base_w)
    for row in np.flatnonzero(met[:, -1]):
        week = int(start[row])
        base_rate = 100 * ba64[row, -1] / bp64[row, -1]
        recent_rate = 100 * ra64[row, -1] / rp64[row, -1]
        first_recent = int(t.week_starts[max(0, weeks - recent_w)])
        absent_recent = batch.bit(F.ABSENT)[row]
        result.candidates.append(batch.candidate(
            R.PATTERN_DROP_FROM_BASELINE, int(row), t.monday_of_week(week).isoformat(),
            {"recent": {"school_weeks": recent_w, "from": t.monday_of_week(max(0, weeks - recent_w)).isoformat(),
                        "possible_sessions": int(rp64[row, -1]), "attended_sessions": int(ra64[row, -1]),
                        "attendance_percent": round(recent_rate, 1)},
             "baseline": {"school_weeks": base_w, "possible_sessions": int(bp64[row, -1]),
                          "attended_sessions": int(ba64[row, -1]), "attendance_percent": round(base_rate, 1)},
             "drop_percentage_points": round(base_rate - recent_rate, 1),
             "since_week_of": t.monday_of_week(week).isoformat(),
             "sessions": batch.sessions_of(int(row), first_recent, t.columns, absent_recent)},
            f"Attendance fell from {base_rate:.0f}% over the {base_w} school weeks before to {recent_rate:.0f}% "
            f"over the last {recent_w} school weeks.", SOURCE_DROP,
        ))
    return result
