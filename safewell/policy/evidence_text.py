"""An alert's evidence in words, for people: the alert page, the case that copies it, the
CME notification letter. The engine keeps evidence as plain JSON with field names, ISO dates
and codes (so it can be compared and re-evaluated); nobody should read it that way
(issue 11 §7: "no raw field names, codes without meanings, Python values or ISO
timestamps on any page, PDF, email or text").

`evidence_rows(evidence)` returns (label, text) pairs: each known key has a label in words,
internal ids and keys shown elsewhere on the page are left out, dates read "Monday 9
November 2026", times are London's, codes carry their meaning, yes/no reads yes or no.
An unknown key still reads as words ("other_missed" → "Other missed"), never as JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# Keys that are ids for the software, or shown in their own table wherever evidence is
# shown (the sessions, the lessons, the group's members, who to tell).
HIDDEN_KEYS = frozenset({
    "rule", "case", "notification", "episode", "episodes", "plan", "concern", "subject_id", "teacher_id",
    "notify_roles", "routed_to_role", "notify", "members", "sessions", "lessons_missed", "tell",
})

LABELS: dict[str, str] = {
    "absent_sessions": "Sessions absent",
    "absent_sessions_by_weekday": "Sessions absent by weekday",
    "after_register_closed": "Arrived after the register closed",
    "attempts_to_family": "Attempts to reach the family",
    "authorised_sessions": "Authorised absence (sessions)",
    "baseline": "Before (baseline)",
    "breaks": "What ends the run",
    "categories": "Kind of concern",
    "cme_due_on": "Local authority to be told by",
    "codes": "Codes",
    "date": "Date",
    "dates": "Dates",
    "days_overdue": "Days overdue",
    "drop_percentage_points": "Drop (percentage points)",
    "due": "Next step due",
    "due_by": "Due by",
    "due_on": "Due by",
    "first_day": "First day absent",
    "first_met_on": "First reached on",
    "how": "Counted",
    "hours": "Hours allowed",
    "la_notification_due_on": "Local authority to be told by",
    "ladder": "Escalation steps",
    "last_day": "Last day absent",
    "last_school_day_before": "Last school day present",
    "late_sessions": "Late sessions",
    "lessons": "Lessons held",
    "lessons_missed_together": "Lessons missed together",
    "lessons_missed_while_registered_present": "Lessons missed while marked present",
    "met_on": "Reached on",
    "minimum_shared": "Lessons shared at least",
    "missed": "Lessons missed",
    "next_review_on": "Review was due",
    "next_to_weekend_or_holiday": "Next to a weekend or holiday",
    "note": "Note",
    "ongoing": "Still going on",
    "other_lessons": "Other lessons held",
    "other_missed": "Other lessons missed",
    "overall_absence_percent": "Absence",
    # The deadline of the thing the alert is about (the interview, the notification), not the
    # alert's own acknowledgement, which the page tags separately.
    "overdue": "Its deadline has passed",
    "pairs": "Pairs who missed lessons together",
    "period": "Period",
    "police": "Police",
    "possible_sessions": "Possible sessions",
    "profile": "Policy",
    "profile_version": "Policy version",
    "raised_at": "Raised",
    "raised_by": "Raised by",
    "reached_on": "Reached on",
    "reasonable_enquiries_made": "Reasonable enquiries made",
    "recent": "Recently",
    "reminder_from": "Reminders from",
    "returned_at": "Came back",
    "review_was_due": "Review was due",
    "reviewed_on": "Last reviewed",
    "safe_and_well_check": "Safe-and-well check",
    "school_days": "School days",
    "school_weeks": "School weeks",
    "sessions_by_code": "Sessions by code",
    "sessions_in_window": "Unauthorised sessions in the window",
    "sessions_of_illness": "Sessions of illness",
    "since_week_of": "Since the week of",
    "started_at": "Started",
    "steps": "Next steps",
    "subject": "Subject",
    "subjects": "Subjects",
    "teacher": "Teacher",
    "tell_by": "Tell by",
    "threshold": "Threshold (sessions)",
    "threshold_percent": "Threshold",
    "unauthorised_sessions": "Unauthorised absence (sessions)",
    "vulnerability": "Why the child is vulnerable",
    "weekday": "Weekday",
    "weekdays": "Weekdays",
    "what": "What",
    "whereabouts": "Whereabouts",
    "why": "Why",
    "window_days": "Window (days)",
    "window_from": "From",
    "window_to": "To",
    "year": "School year",
    "young_carer_recorded": "Recorded as a young carer",
}

PERCENT_KEYS = frozenset({"overall_absence_percent", "threshold_percent", "attendance_percent"})

# The vulnerability markers of pupils/vulnerability.py and the characteristics, as words
# (glossary.md's terms).
VULNERABILITY_WORDS: dict[str, str] = {
    "child_protection_plan": "on a child protection plan (s47)",
    "child_in_need": "a child in need (s17)",
    "looked_after": "looked after",
    "previously_looked_after": "previously looked after",
    "social_worker": "has a social worker",
    "open_case": "has an open safeguarding case",
    "previous_missing_episode": "has gone missing before",
    "ehc_plan": "has an EHC plan",
    "young_carer": "a young carer",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def label(key: str) -> str:
    return LABELS.get(key) or str(key).replace("_", " ").capitalize()


def long_date(day: dt.date) -> str:
    """'Monday 9 November 2026' (issue 11 §7: British dates in words)."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def moment(value: dt.datetime) -> str:
    """'Monday 7 December 2026 at 01:40', London time."""
    local = value.astimezone(LONDON) if value.tzinfo else value
    return f"{long_date(local.date())} at {local:%H:%M}"


def code_words(code: str) -> str:
    """'O (absent in other or unknown circumstances)': a code always with its meaning."""
    from safewell.attendance.codes import InvalidCode, by_code

    try:
        meaning = by_code(code).meaning
    except InvalidCode:
        return code
    short = re.split(r"[;(]", meaning)[0].strip().rstrip(",")
    return f"{code} ({short[0].lower()}{short[1:]})"


def date_ranges(days: Iterable[dt.date]) -> str:
    """Consecutive school days as ranges: 'Monday 19 October to Friday 23 October 2026 and
    Tuesday 3 November to Wednesday 11 November 2026'. A gap of up to three days (a weekend)
    continues a range; a longer one (a holiday) starts a new one."""
    ordered = sorted(set(days))
    if not ordered:
        return "none"
    runs: list[list[dt.date]] = [[ordered[0]]]
    for day in ordered[1:]:
        if (day - runs[-1][-1]).days <= 3:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        first, last = run[0], run[-1]
        if first == last:
            parts.append(long_date(first))
        elif first.year == last.year:
            parts.append(f"{first:%A} {first.day} {first:%B} to {long_date(last)}")
        else:
            parts.append(f"{long_date(first)} to {long_date(last)}")
    return _and(parts)


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def as_date(value) -> dt.date | None:
    """A date written "2026-11-09" (as evidence and episode keys keep them), else None."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _as_moment(value) -> dt.datetime | None:
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def text(value, *, key: str = "") -> str:
    """One evidence value in words."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None or value == "" or value == []:
        return "none"
    if key in PERCENT_KEYS and isinstance(value, int | float):
        return f"{value}%"
    if key == "vulnerability" and isinstance(value, list):
        return _and([VULNERABILITY_WORDS.get(str(v), str(v).replace("_", " ")) for v in value])
    if key in ("sessions_by_code", "codes"):
        return _codes(value)
    if key == "ladder" and isinstance(value, list):
        return "; ".join(_ladder_step(step) for step in value if isinstance(step, dict))
    if key in ("baseline", "recent") and isinstance(value, dict):
        return _attendance_window(value)
    if key == "period" and isinstance(value, dict):
        return str(value.get("label") or f"{text(value.get('start'))} to {text(value.get('end'))}")
    if key == "school_weeks" and isinstance(value, list):
        return f"{len(value)}, from the week of {text(value[0])}" if value else "none"
    day = as_date(value)
    if day is not None:
        return long_date(day)
    when = _as_moment(value)
    if when is not None:
        return moment(when)
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        dates = [as_date(v) for v in value]
        if value and all(dates):
            return date_ranges(dates)
        return _and([text(v) for v in value])
    if isinstance(value, dict):
        return "; ".join(f"{label(str(k)) if '_' in str(k) else str(k)}: {text(v, key=str(k))}" for k, v in value.items())
    return str(value)


def _codes(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{n} session{'s' if n != 1 else ''} of {code_words(str(c))}" for c, n in value.items())
    if isinstance(value, list):
        return _and([code_words(str(c)) for c in value])
    return code_words(str(value))


def _ladder_step(step: dict) -> str:
    words = str(step.get("label") or label(str(step.get("step", ""))))
    due = _as_moment(step.get("due_by"))
    if due is not None:
        words += f", by {moment(due)}"
    if step.get("done"):
        words += " (done)"
    return words


def _attendance_window(value: dict) -> str:
    parts = []
    if value.get("attendance_percent") is not None:
        parts.append(f"{value['attendance_percent']}% attendance")
    if value.get("attended_sessions") is not None and value.get("possible_sessions") is not None:
        parts.append(f"{value['attended_sessions']} of {value['possible_sessions']} sessions")
    if value.get("school_weeks"):
        parts.append(f"over {value['school_weeks']} school weeks")
    if value.get("from"):
        parts.append(f"from {text(value['from'])}")
    return ", ".join(parts)


def evidence_rows(evidence: dict, *, skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The evidence as (label, words) rows, in the engine's order, without internal ids,
    keys the page shows in its own tables, and anything in `skip`."""
    hidden = HIDDEN_KEYS | set(skip)
    rows = []
    for key, value in (evidence or {}).items():
        if key in hidden or value in ("", None):
            continue
        row = (label(str(key)), text(value, key=str(key)))
        # Two keys may say the same thing (the engine's `cme_due_on` and `la_notification_due_on`).
        if row not in rows:
            rows.append(row)
    return rows
