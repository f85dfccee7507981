"""Reading term-date files (CSV and iCalendar) into rows, collecting every problem.

This module only parses: it knows the two file formats of docs/calendar-import.md and
nothing about the database. `services.term_dates_import_*` checks the rows against the
organisation's sites and stored terms, then stores them all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

import icalendar

from safewell.core.import_problems import ImportProblem
from safewell.schools.calendar import AM, INSET_DAY, PARTIAL, PLANNED, PM, UNEXPECTED

TERM = "term"
CLOSURE_KINDS = (INSET_DAY, PLANNED, UNEXPECTED, PARTIAL)
ROW_KINDS = (TERM, *CLOSURE_KINDS)
SESSION_CHOICES = {"": (AM, PM), "both": (AM, PM), "am": (AM,), "pm": (PM,)}

CSV_REQUIRED_COLUMNS = ("kind", "name", "starts_on")
CSV_COLUMNS = ("kind", "name", "starts_on", "ends_on", "site", "sessions", "reason", "part")

MISSING_COLUMN = "the header has no {column} column (columns: " + ",".join(CSV_COLUMNS) + ")"
UNKNOWN_COLUMN = "unknown column {column!r} (columns: " + ",".join(CSV_COLUMNS) + ")"
UNKNOWN_KIND = (
    "unknown kind {value!r}: use one of " + ", ".join(ROW_KINDS)
    + " (holidays are the gaps between terms and need no line)"
)
INVALID_DATE = "{value!r} is not a valid date: write it as YYYY-MM-DD (or DD/MM/YYYY)"
MISSING_VALUE = "a {kind} needs a {column}"
ENDS_BEFORE_START = "ends on {ends_on} before it starts on {starts_on}"
INVALID_SESSIONS = "{value!r} is not a session: use AM, PM or both (blank means both)"
TERM_HAS_SITE = "a term applies to every site of the organisation: leave {column} blank"
TERM_HAS_SESSIONS = "a term is whole days: leave sessions blank"
PARTIAL_NEEDS_PART = "a partial closure must say which part of the site is out of use"
NOT_A_CALENDAR = "this is not an iCalendar file: {error}"
NOT_UTF8 = "the file is not UTF-8 text"
EMPTY_FILE = "the file has no terms or closures"
UNKNOWN_EVENT = (
    "{value!r} is neither a term nor a closure: name terms like 'Autumn 1' … 'Summer 2' and "
    "closures 'INSET day', 'Planned closure', 'Unexpected closure' or 'Partial closure', "
    "optionally with ' (AM)'/' (PM)' and ': reason'"
)
RECURRING_EVENT = "recurring events are not supported: give each term or closure its own event"
MISSING_DTSTART = "the event has no DTSTART"


@dataclass(frozen=True)
class TermDatesRow:
    """One term or one closure (possibly over several days) read from a file."""

    line: int
    kind: str
    name: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    site_code: str = ""
    sessions: tuple[str, ...] = (AM, PM)
    reason: str = ""
    part: str = ""
    # Which file field holds each value, for problems found later ("site" or "LOCATION").
    fields: dict[str, str] = field(default_factory=dict, compare=False)
    # The line of each value, when it differs from `line` (an iCalendar property's line).
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    # False when the row itself has problems: it is kept only so that its site can still be
    # checked (every problem of a file is reported at once), and is never stored.
    complete: bool = True

    def field_name(self, key: str) -> str:
        return self.fields.get(key, key)

    def problem(self, key: str, message: str) -> ImportProblem:
        """A problem with this row's value `key` ("starts_on", "site_code", …)."""
        return ImportProblem(self.lines.get(key, self.line), self.field_name(key), message)


def read_text(data: bytes) -> str:
    return data.decode("utf-8-sig")


# -- CSV ---------------------------------------------------------------------------------


def parse_date(value: str) -> dt.date | None:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def parse_csv(data: bytes) -> tuple[list[TermDatesRow], list[ImportProblem]]:
    try:
        text = read_text(data)
    except UnicodeDecodeError:
        return [], [ImportProblem(1, "file", NOT_UTF8)]
    reader = csv.reader(io.StringIO(text))
    header, header_line = _csv_header(reader)
    if header is None:
        return [], [ImportProblem(1, "file", EMPTY_FILE)]
    problems = _csv_header_problems(header, header_line)
    if problems:
        return [], problems
    rows: list[TermDatesRow] = []
    for cells in reader:
        if _is_blank_or_comment(cells):
            continue
        record = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        row = _csv_row(record, reader.line_num, problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append(ImportProblem(header_line, "file", EMPTY_FILE))
    return rows, problems


def _is_blank_or_comment(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#")


def _csv_header(reader) -> tuple[list[str] | None, int]:
    for cells in reader:
        if not _is_blank_or_comment(cells):
            return [c.strip().lower() for c in cells], reader.line_num
    return None, 0


def _csv_header_problems(header: list[str], line: int) -> list[ImportProblem]:
    problems = [
        ImportProblem(line, column, MISSING_COLUMN.format(column=column))
        for column in CSV_REQUIRED_COLUMNS
        if column not in header
    ]
    problems += [
        ImportProblem(line, column or "(blank)", UNKNOWN_COLUMN.format(column=column))
        for column in header
        if column not in CSV_COLUMNS
    ]
    return problems


def _csv_row(record: dict[str, str], line: int, problems: list[ImportProblem]) -> TermDatesRow:
    found: list[ImportProblem] = []
    kind = record.get("kind", "").lower()
    if kind not in ROW_KINDS:
        found.append(ImportProblem(line, "kind", UNKNOWN_KIND.format(value=record.get("kind", ""))))
    starts_on = _required_date(record, "starts_on", line, kind, found)
    ends_on = starts_on
    if record.get("ends_on"):
        ends_on = _required_date(record, "ends_on", line, kind, found)
    elif kind == TERM:
        found.append(ImportProblem(line, "ends_on", MISSING_VALUE.format(kind=kind, column="ends_on")))
    name = record.get("name", "")
    sessions = SESSION_CHOICES.get(record.get("sessions", "").lower())
    if sessions is None:
        found.append(ImportProblem(line, "sessions", INVALID_SESSIONS.format(value=record["sessions"])))
    fields = {"site_code": "site"}
    row_values = dict(
        line=line, kind=kind, name=name, site_code=record.get("site", ""),
        sessions=sessions or (AM, PM), reason=record.get("reason", "") or ("" if kind == TERM else name),
        part=record.get("part", ""), fields=fields,
    )
    found += _row_rules(row_values, starts_on, ends_on, raw_sessions=record.get("sessions", ""))
    problems += found
    complete = not found and starts_on is not None and ends_on is not None
    return TermDatesRow(starts_on=starts_on, ends_on=ends_on, complete=complete, **row_values)


def _required_date(
    record: dict[str, str], column: str, line: int, kind: str, found: list[ImportProblem]
) -> dt.date | None:
    value = record.get(column, "")
    if not value:
        found.append(ImportProblem(line, column, MISSING_VALUE.format(kind=kind or "line", column=column)))
        return None
    parsed = parse_date(value)
    if parsed is None:
        found.append(ImportProblem(line, column, INVALID_DATE.format(value=value)))
    return parsed


def _row_rules(
    values: dict, starts_on: dt.date | None, ends_on: dt.date | None, *, raw_sessions: str
) -> list[ImportProblem]:
    """The checks every row gets, whichever file it came from."""
    line, kind, fields = values["line"], values["kind"], values["fields"]
    found: list[ImportProblem] = []
    if starts_on and ends_on and ends_on < starts_on:
        found.append(ImportProblem(
            line, fields.get("ends_on", "ends_on"),
            ENDS_BEFORE_START.format(ends_on=ends_on, starts_on=starts_on),
        ))
    if kind == TERM:
        if not values["name"]:
            found.append(ImportProblem(line, fields.get("name", "name"), MISSING_VALUE.format(kind=kind, column="name")))
        if values["site_code"]:
            column = fields.get("site_code", "site")
            found.append(ImportProblem(line, column, TERM_HAS_SITE.format(column=column)))
        if raw_sessions:
            found.append(ImportProblem(line, fields.get("sessions", "sessions"), TERM_HAS_SESSIONS))
    if kind == PARTIAL and not values["part"]:
        found.append(ImportProblem(line, fields.get("part", "part"), PARTIAL_NEEDS_PART))
    return found


# -- iCalendar ---------------------------------------------------------------------------

_TERM_SUMMARY = re.compile(r"^(autumn|spring|summer)(?: term)? ([12])(?: term)?$", re.IGNORECASE)
_CLOSURE_SUMMARY = re.compile(
    r"^(?P<label>inset day|planned closure|closure|unexpected closure|partial closure)"
    r"(?:\s*\((?P<session>am|pm)\))?"
    r"(?:\s*:\s*(?P<reason>.*))?$",
    re.IGNORECASE,
)
_CLOSURE_LABELS = {
    "inset day": INSET_DAY,
    "planned closure": PLANNED,
    "closure": PLANNED,
    "unexpected closure": UNEXPECTED,
    "partial closure": PARTIAL,
}
# Events about holidays are welcome in a calendar people also read; we skip them.
_HOLIDAY_SUMMARY = re.compile(r"holiday|half[ -]term", re.IGNORECASE)
_ICAL_FIELDS = {
    "name": "SUMMARY", "starts_on": "DTSTART", "ends_on": "DTEND", "site_code": "LOCATION",
    "sessions": "SUMMARY", "part": "DESCRIPTION",
}


def parse_ical(data: bytes) -> tuple[list[TermDatesRow], list[ImportProblem]]:
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as error:
        return [], [ImportProblem(1, "file", NOT_A_CALENDAR.format(error=error))]
    try:
        event_lines = _vevent_property_lines(read_text(data))
    except UnicodeDecodeError:
        return [], [ImportProblem(1, "file", NOT_UTF8)]
    rows: list[TermDatesRow] = []
    problems: list[ImportProblem] = []
    for number, event in enumerate(calendar.walk("VEVENT")):
        lines = event_lines[number] if number < len(event_lines) else {}
        row = _ical_row(event, lines, problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append(ImportProblem(1, "file", EMPTY_FILE))
    return rows, problems


def _vevent_property_lines(text: str) -> list[dict[str, int]]:
    """For each VEVENT in order, the physical line on which each property starts.

    icalendar does not keep line numbers, and every problem must name its line.
    """
    events: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line[:1] in (" ", "\t"):
            continue  # a folded continuation line (RFC 5545 §3.1)
        name = re.split(r"[;:]", line, maxsplit=1)[0].upper()
        if name == "BEGIN" and line.upper().startswith("BEGIN:VEVENT"):
            current = {"BEGIN": number}
        elif name == "END" and line.upper().startswith("END:VEVENT") and current is not None:
            events.append(current)
            current = None
        elif current is not None:
            current.setdefault(name, number)
    return events


def _ical_row(event, lines: dict[str, int], problems: list[ImportProblem]) -> TermDatesRow | None:
    begin = lines.get("BEGIN", 1)

    def at(prop: str) -> int:
        return lines.get(prop, begin)

    found: list[ImportProblem] = []
    summary = str(event.get("SUMMARY", "")).strip()
    if _HOLIDAY_SUMMARY.search(summary) and not _CLOSURE_SUMMARY.match(summary):
        return None
    kind, name, sessions, reason = _classify_summary(summary)
    if kind is None:
        found.append(ImportProblem(at("SUMMARY"), "SUMMARY", UNKNOWN_EVENT.format(value=summary)))
    if event.get("RRULE") is not None:
        found.append(ImportProblem(at("RRULE"), "RRULE", RECURRING_EVENT))
    broken = {prop.upper(): message for prop, message in getattr(event, "errors", [])}
    starts_on = _ical_start(event, broken, at, found)
    ends_on = _ical_end(event, broken, starts_on, at, found)
    values = dict(
        line=begin, kind=kind or "", name=name, site_code=str(event.get("LOCATION", "")).strip(),
        sessions=sessions, reason=reason, part=str(event.get("DESCRIPTION", "")).strip() if kind == PARTIAL else "",
        fields=_ICAL_FIELDS,
        lines={key: at(prop) for key, prop in _ICAL_FIELDS.items()},
    )
    for problem in _row_rules(values, starts_on, ends_on, raw_sessions=""):
        prop = problem.field
        found.append(ImportProblem(at(prop), prop, problem.message))
    problems += found
    complete = not found and kind is not None and starts_on is not None and ends_on is not None
    return TermDatesRow(starts_on=starts_on, ends_on=ends_on, complete=complete, **values)


def _classify_summary(summary: str) -> tuple[str | None, str, tuple[str, ...], str]:
    """(kind, name, sessions, reason) from an event's SUMMARY, kind None if unrecognised."""
    term = _TERM_SUMMARY.match(summary)
    if term:
        return TERM, f"{term.group(1).capitalize()} {term.group(2)}", (AM, PM), ""
    closure = _CLOSURE_SUMMARY.match(summary)
    if closure:
        session = (closure.group("session") or "").upper()
        sessions = (session,) if session else (AM, PM)
        label = closure.group("label")
        reason = (closure.group("reason") or "").strip() or label[0].upper() + label[1:]
        return _CLOSURE_LABELS[label.lower()], summary, sessions, reason
    return None, summary, (AM, PM), ""


def _ical_start(event, broken: dict[str, str], at, found: list[ImportProblem]) -> dt.date | None:
    if "DTSTART" in broken:
        found.append(ImportProblem(at("DTSTART"), "DTSTART", INVALID_DATE.format(value=str(event.get("DTSTART")))))
        return None
    if event.get("DTSTART") is None:
        found.append(ImportProblem(at("BEGIN"), "DTSTART", MISSING_DTSTART))
        return None
    value = event.decoded("DTSTART")
    return value.date() if isinstance(value, dt.datetime) else value


def _ical_end(
    event, broken: dict[str, str], starts_on: dt.date | None, at, found: list[ImportProblem]
) -> dt.date | None:
    """The last day covered. RFC 5545 §3.6.1: an all-day DTEND is the day *after* the event."""
    if "DTEND" in broken:
        found.append(ImportProblem(at("DTEND"), "DTEND", INVALID_DATE.format(value=str(event.get("DTEND")))))
        return None
    if event.get("DTEND") is None:
        if event.get("DURATION") is not None and starts_on is not None:
            days = max(1, event.decoded("DURATION").days)
            return starts_on + dt.timedelta(days=days - 1)
        return starts_on  # a one-day event (RFC 5545 §3.6.1)
    end = event.decoded("DTEND")
    if end == event.decoded("DTSTART"):
        return starts_on  # some calendar apps write DTEND = DTSTART for a one-day event
    if isinstance(end, dt.datetime):
        # A timed event ends on the day of DTEND, unless it ends exactly at midnight.
        return end.date() - dt.timedelta(days=1) if end.time() == dt.time(0) else end.date()
    return end - dt.timedelta(days=1)
