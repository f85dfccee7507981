"""Rules over runs of absence: continuous absence and the CME step (the CME clock), the
10-day attendance return, the 15-day sickness return, and the 20-day deletion ground.

The CME clock counts the pupil's absence episode in sessions (attendance/episodes.py, the
definition the calling list and the escalation ladder share; docs/absence-episodes.md), and
the deletion ground counts its own codes (G, N, O) the same way. The 10-day and sickness
returns still count whole school days, as below:

A school day is counted when every session held that day has the code class (day bits:
batch.SiteBatch.day_bits). Days are the site's school days (schools.calendar: weekends,
holidays, bank holidays, INSET and closure days are not school days; statutory.md §9 [U]
"count N school days in days on which the school meets"). A run is broken by any school day
that is not wholly of the class: so a present afternoon, an L, or an authorised code inside
the run ends it. Statutory.md §9 [U]: whether a single L or an authorised code breaks
"continuous" absence for the 10-day return is not settled in what we read; we treat it as
breaking (the pupil was seen, or a reason was given), and say so in the evidence.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from safewell.attendance import episodes
from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine import kernels
from safewell.policy.engine.batch import RuleResult, SiteBatch

SOURCE_CONTINUOUS = (
    "Continuous unexplained absence with whereabouts unknown: seed 000 §5 (DSL informed when no contact "
    "and a concern) and seed 004 'Continuous missing days'; school days per statutory.md §9 [U]."
)
SOURCE_CME = (
    "10 school days of absence, whereabouts unknown: the LA is told (s436A Education Act 1996, CME "
    "statutory guidance 2024 [S] statutory.md §0/§3.5; seed 000 §7) and a safe-and-well check is made "
    "(seed 004). School days per statutory.md §9 [U]."
)
SOURCE_RETURN = (
    "Attendance (10-day) return: 10 continuous school days recorded G, N, O and/or U, reported to the LA "
    "at least monthly (2024 Regulations via WTTISA, statutory.md §3.2 [S]); one return per episode "
    "(Stockport practice [S]). Whether an L or an authorised code breaks 'continuous' is [U] (§9)."
)
SOURCE_SICKNESS = (
    "Sickness return: code I for 15 school days, consecutive or cumulative, in the school year; one return "
    "per continuous period of sickness in a year (CME guidance 2024 p.11, statutory.md §3.3 [S])."
)
SOURCE_DELETION = (
    "Deletion ground reg 9(1)(i), 2024 Regulations: continuously absent at least 20 school days, G/N/O "
    "for the whole period, and the school and LA have failed after jointly making reasonable enquiries "
    "to find the pupil (Browne Jacobson, statutory.md §3.4 [S])."
)


# How recent a contact's word on where the child is must be to stop the CME clock [U: product
# default: the 5 school days an N may stand before the reason must be known, reg 10(7)-(9),
# statutory.md §1 [S]].
WHEREABOUTS_FRESH_SCHOOL_DAYS = 5


def _day_before(batch: SiteBatch, first_day: int):
    """The school day before a run: from the timeline, or the calendar when the run starts
    at the timeline's first day."""
    if first_day > 0:
        return batch.day_date(first_day - 1)
    from safewell.schools.calendar import OutsideCalendar

    try:
        return batch.timeline.calendar.nth_school_day_before(batch.day_date(first_day), 1)
    except OutsideCalendar:
        return None


def _session_due(batch: SiteBatch, row: int, columns: list[int], needed: int):
    """The date of the `needed`-th qualifying session of a row's episode (`columns`, its
    qualifying columns so far): when it has them, the date of that session; otherwise, if
    every session still to be marked from today on qualifies, the date it will be reached
    (the calendar counts on past today)."""
    from safewell.schools.calendar import OutsideCalendar

    t = batch.timeline
    if len(columns) >= needed:
        return batch.timeline.dates[columns[needed - 1]].astype(dt.date)
    remaining = needed - len(columns)
    ahead = [t.dates[c].astype(dt.date) for c in range(columns[-1] + 1, t.columns) if batch.marks[row, c] == F.PENDING]
    if len(ahead) >= remaining:
        return ahead[remaining - 1]
    try:
        later = t.calendar.sessions_between(t.today + dt.timedelta(days=1), t.calendar.end)
    except OutsideCalendar:
        return None
    left = remaining - len(ahead)
    return later[left - 1][0] if len(later) >= left else None


def continuous_absence(batch: SiteBatch) -> RuleResult:
    """continuous_absence and cme_ten_days, the CME clock: the pupil's current absence
    episode (attendance/episodes.py: N and O sessions, counted in sessions, 20 = 10 school
    days whichever session it starts on), while no contact attempt has established where the
    child is in its last WHEREABOUTS_FRESH_SCHOOL_DAYS."""
    th = batch.thresholds
    result = RuleResult()
    runs_continuous, runs_cme = th.runs(R.CONTINUOUS_ABSENCE), th.runs(R.CME_TEN_DAYS)
    t = batch.timeline
    if not (runs_continuous or runs_cme) or t.day_count == 0:
        return result
    count, first, last, last_break = batch.episodes
    year_start = int(t.day_starts[t.first_year_day]) if t.first_year_day < t.day_count else t.columns
    # No break since the year began: the episode may reach back into last year.
    result.needs_tail = (count > 0) & (last_break < year_start) & batch.can_use_tail
    minimum = min(th.continuous_absence_days if runs_continuous else th.cme_days,
                  th.cme_days if runs_cme else th.continuous_absence_days)
    rows = np.flatnonzero(count >= episodes.SESSIONS_PER_SCHOOL_DAY * minimum)
    # Whereabouts established within the run's last WHEREABOUTS_FRESH_SCHOOL_DAYS school days
    # stop the clock (seed 000 §7: "absent ... for 10 school days or more, and their
    # whereabouts are unknown"): what a parent said on the first day of a long absence is not
    # knowledge of where the child is on the tenth.
    first_day, last_day = t.day_of_column[first[rows]], t.day_of_column[last[rows]]
    fresh_from = np.maximum(first_day, last_day - (WHEREABOUTS_FRESH_SCHOOL_DAYS - 1))
    known = batch.whereabouts_known_on[rows]
    rows = rows[np.isnat(known) | (known < t.days[fresh_from])]
    for row in rows.tolist():
        columns = batch.episode_columns(row)
        sessions = len(columns)
        days = episodes.school_days_text(sessions)
        start_day, end_day = int(t.day_of_column[columns[0]]), int(t.day_of_column[columns[-1]])
        day_before = _day_before(batch, start_day)
        cme_due = _session_due(batch, row, columns, episodes.SESSIONS_PER_SCHOOL_DAY * th.cme_days)
        starts = ("the afternoon of " if t.session_texts[columns[0]] == "PM" else "") + f"{batch.day_date(start_day):%-d %B %Y}"
        evidence = {
            "school_days": sessions / episodes.SESSIONS_PER_SCHOOL_DAY,
            "sessions": sessions,
            "first_day": batch.day_date(start_day).isoformat(),
            "first_session": t.session_texts[columns[0]],
            "last_day": batch.day_date(end_day).isoformat(),
            "last_school_day_before": day_before.isoformat() if day_before else None,
            "whereabouts": "unknown",
            "cme_due_on": cme_due.isoformat() if cme_due else None,
            **batch.run_evidence(row, start_day, end_day),
        }
        key = batch.day_date(start_day).isoformat()
        if runs_continuous and sessions >= episodes.SESSIONS_PER_SCHOOL_DAY * th.continuous_absence_days:
            result.candidates.append(batch.candidate(
                R.CONTINUOUS_ABSENCE, row, key, evidence,
                f"Absent without explanation for {days} school days ({sessions} sessions) in a row since "
                f"{starts}, and no one has said where the child is."
                + (f" If this goes on, the local authority must be told by {cme_due:%A %-d %B %Y}."
                   if cme_due and sessions < episodes.SESSIONS_PER_SCHOOL_DAY * th.cme_days else ""),
                SOURCE_CONTINUOUS,
            ))
        if runs_cme and sessions >= episodes.SESSIONS_PER_SCHOOL_DAY * th.cme_days:
            result.candidates.append(batch.candidate(
                R.CME_TEN_DAYS, row, key,
                {**evidence, "la_notification_due_on": cme_due.isoformat() if cme_due else None,
                 "safe_and_well_check": "needed", "steps": ["notify the local authority (CME)", "safe-and-well check"]},
                f"{days} school days ({sessions} sessions) of continuous absence with whereabouts unknown: tell the "
                f"local authority (children missing education) by {cme_due:%A %-d %B %Y} and arrange a safe-and-well "
                "check." if cme_due else
                f"{days} school days ({sessions} sessions) of continuous absence with whereabouts unknown: tell the "
                "local authority (children missing education) and arrange a safe-and-well check.",
                SOURCE_CME,
            ))
    return result


def attendance_return(batch: SiteBatch) -> RuleResult:
    """attendance_return_10_day: every run of 10+ whole school days of G/N/O/U that ends in
    the current school year (one per episode), ongoing or over: the return is still owed."""
    th = batch.thresholds
    result = RuleResult()
    if not th.runs(R.ATTENDANCE_RETURN_10_DAY) or batch.timeline.day_count == 0:
        return result
    x, length, end = batch.day_run(F.UNAUTHORISED)
    if batch.timeline.today_day is not None:
        x = x.copy()
        x[batch.pending_today, -1] = False
    first_year_day = batch.timeline.first_year_day
    result.needs_tail = batch.can_use_tail & x[:, first_year_day] if first_year_day < x.shape[1] else None
    rows, starts, lengths = kernels.runs_at_least(x, th.attendance_return_days)
    for row, first_day, days in zip(rows, starts, lengths):
        last_day = int(first_day + days - 1)
        if last_day < first_year_day:
            continue
        ongoing = last_day >= int(end[row])
        run = batch.run_evidence(int(row), int(first_day), last_day)
        codes = sorted(run["sessions_by_code"])
        tenth = batch.day_date(int(first_day) + th.attendance_return_days - 1)
        result.candidates.append(batch.candidate(
            R.ATTENDANCE_RETURN_10_DAY, int(row), batch.day_date(int(first_day)).isoformat(),
            {"school_days": int(days), "first_day": batch.day_date(int(first_day)).isoformat(),
             "last_day": batch.day_date(last_day).isoformat(), "ongoing": bool(ongoing),
             "met_on": tenth.isoformat(), "codes": codes, **run,
             "breaks": "a session present (incl. L), at an approved activity, or with an authorised or not-possible code"},
            f"{int(days)} continuous school days of unauthorised absence ({', '.join(codes)}) from "
            f"{batch.day_date(int(first_day)):%-d %B %Y}{' and continuing' if ongoing else ''}: "
            "include the pupil in the next attendance return to the local authority.",
            SOURCE_RETURN,
        ))
    return result


def sickness_return(batch: SiteBatch) -> RuleResult:
    """sickness_return_15_day: 15 whole school days of I in a row (each such period once),
    or 15 school days of I counted across the year (30 sessions; half days count half),
    reported once for the period in which the count reached 15."""
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.SICKNESS_RETURN_15_DAY) or t.day_count == 0:
        return result
    x, _, _ = batch.day_run(F.ILLNESS)
    if t.today_day is not None:
        x = x.copy()
        x[batch.pending_today, -1] = False
    first_year_day = t.first_year_day
    year_start_column = int(t.day_starts[first_year_day]) if first_year_day < t.day_count else t.columns
    result.needs_tail = batch.can_use_tail & x[:, first_year_day] if first_year_day < x.shape[1] else None
    rows, starts, lengths = kernels.runs_at_least(x, th.sickness_return_days)
    reported: dict[int, list[tuple[int, int]]] = {}
    for row, first_day, days in zip(rows, starts, lengths):
        last_day = int(first_day + days - 1)
        if last_day < first_year_day:
            continue
        reported.setdefault(int(row), []).append((int(first_day), last_day))
        result.candidates.append(batch.candidate(
            R.SICKNESS_RETURN_15_DAY, int(row), batch.day_date(int(first_day)).isoformat(),
            {"how": "consecutive", "school_days": int(days), "first_day": batch.day_date(int(first_day)).isoformat(),
             "last_day": batch.day_date(last_day).isoformat(), **batch.run_evidence(int(row), int(first_day), last_day)},
            f"Off sick (I) for {int(days)} school days in a row from {batch.day_date(int(first_day)):%-d %B %Y}: "
            "send the local authority a sickness return.",
            SOURCE_SICKNESS,
        ))
    ill = batch.bit(F.ILLNESS)[:, year_start_column:]
    total = ill.sum(axis=1)
    needed = 2 * th.sickness_return_days
    rows = np.flatnonzero(total >= needed)
    if len(rows):
        crossing = year_start_column + np.argmax(np.cumsum(ill[rows], axis=1, dtype=np.int32) >= needed, axis=1)
        ill_days = batch.sessions_per_day(F.ILLNESS)
    for row, column in zip(rows.tolist(), crossing.tolist() if len(rows) else []):
        crossing_day = int(t.day_of_column[column])
        if any(a <= crossing_day <= b for a, b in reported.get(row, [])):
            continue  # the period in which the count reached 15 is already reported
        days_ill = np.flatnonzero(ill_days[row, first_year_day:]) + first_year_day
        result.candidates.append(batch.candidate(
            R.SICKNESS_RETURN_15_DAY, row, f"{batch.year_name} cumulative",
            {"how": "cumulative", "school_days": float(int(total[row]) / 2), "sessions_of_illness": int(total[row]),
             "reached_on": t.day_texts[crossing_day], "year": batch.year_name,
             "dates": [t.day_texts[d] for d in days_ill.tolist()]},
            f"Off sick (I) for {int(total[row]) / 2:g} school days this school year, reaching 15 on "
            f"{batch.day_date(crossing_day):%-d %B %Y}: send the local authority a sickness return.",
            SOURCE_SICKNESS,
        ))
    return result


def deletion_ground(batch: SiteBatch) -> RuleResult:
    """deletion_ground_20_day: the current run of G, N or O sessions (any other code blocks
    the ground, §3.4), counted in sessions by attendance/episodes.py (no mark neither ends nor
    counts; 40 sessions = 20 school days), warned at 15 days and met at 20."""
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.DELETION_GROUND_20_DAY) or t.day_count == 0:
        return result
    count, first, last, last_break = batch.current_runs(F.DELETION_CODES)
    year_start = int(t.day_starts[t.first_year_day]) if t.first_year_day < t.day_count else t.columns
    result.needs_tail = (count > 0) & (last_break < year_start) & batch.can_use_tail
    per_day = episodes.SESSIONS_PER_SCHOOL_DAY
    for row in np.flatnonzero(count >= per_day * th.deletion_warn_days).tolist():
        columns = [int(first[row]) + i for i in
                   np.flatnonzero(F.DELETION_CODES[batch.marks[row, first[row]:last[row] + 1]]).tolist()]
        sessions = len(columns)
        days = sessions / per_day
        met = sessions >= per_day * th.deletion_days
        start_day, end_day = int(t.day_of_column[columns[0]]), int(t.day_of_column[columns[-1]])
        met_on = _session_due(batch, row, columns, per_day * th.deletion_days)
        result.candidates.append(batch.candidate(
            R.DELETION_GROUND_20_DAY, row, batch.day_date(start_day).isoformat(),
            {"school_days": days, "sessions": sessions, "first_day": batch.day_date(start_day).isoformat(),
             "last_day": batch.day_date(end_day).isoformat(), "ground_met": met,
             "twentieth_school_day": met_on.isoformat() if met_on else None,
             **batch.run_evidence(row, start_day, end_day),
             "next_step": "joint reasonable enquiries with the local authority"},
            (f"Absent {days:g} school days in a row with G, N or O only: the 20-school-day deletion ground "
             + ("is met. " if met else f"will be met on {met_on:%A %-d %B %Y} if this continues. " if met_on else "is near. ")
             + "The school and the local authority must jointly make reasonable enquiries to find the child; "
               "the name may be deleted only if those enquiries fail."),
            SOURCE_DELETION,
            severity=th.severity_of(R.DELETION_GROUND_20_DAY) if met else "medium",
        ))
    return result
