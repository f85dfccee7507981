"""Importing a timetable from CSV files, all or nothing (docs/timetable-import.md).

A timetable comes as up to five kinds of CSV file, each known by its header:

| kind     | columns (optional ones in brackets)                |
|----------|----------------------------------------------------|
| subjects | subject, [is_pe], [is_swimming]                    |
| periods  | site, period, starts_at, ends_at                   |
| classes  | site, class, subject, [teacher], [room]            |
| lessons  | site, class, weekday, period, [room]               |
| members  | site, class, upn, starts_on, [ends_on]             |

`timetable_import(organisation=…, files=[…])` reads every file, checks every line against
the organisation's stored timetable and against the other files of the same import, and
then either stores everything in one transaction or raises `ImportRejected` listing
every problem by file, line and field. A line updates the record with the same key (a
period's site and name, a class's site and name, a lesson's class, weekday and period, a
membership's class, pupil and start date); an import never deletes anything.

Rows are written with bulk_create and bulk_update (a timetable is thousands of lines) and
audited with `audit_bulk` in the same transaction, since bulk writes send no signals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import transaction

from safewell.accounts.models import Membership, User
from safewell.audit.changes import json_safe
from safewell.audit.services import audit_bulk
from safewell.core.import_problems import ImportProblem, ImportRejected
from safewell.pupils import upn as upns
from safewell.pupils.models import ClassMembership, Lesson, Period, Pupil, Subject, TeachingClass, Weekday
from safewell.schools.models import Organisation, Site

SUBJECTS, PERIODS, CLASSES, LESSONS, MEMBERS = "subjects", "periods", "classes", "lessons", "members"
# Each kind: (required columns, optional columns). Imported in this order, so a file may
# name what an earlier kind in the same import creates.
FILE_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    SUBJECTS: (("subject",), ("is_pe", "is_swimming")),
    PERIODS: (("site", "period", "starts_at", "ends_at"), ()),
    CLASSES: (("site", "class", "subject"), ("teacher", "room")),
    LESSONS: (("site", "class", "weekday", "period"), ("room",)),
    MEMBERS: (("site", "class", "upn", "starts_on"), ("ends_on",)),
}
WEEKDAY_NAMES = {
    **{day.label.lower(): day.value for day in Weekday},
    **{day.label[:3].lower(): day.value for day in Weekday},
    **{str(day.value + 1): day.value for day in Weekday},  # 1 = Monday … 5 = Friday
}
TRUE_WORDS = ("yes", "y", "true", "1")
FALSE_WORDS = ("no", "n", "false", "0", "")

NOT_UTF8 = "the file is not UTF-8 text"
EMPTY_FILE = "the file has no lines after its header"
NO_HEADER = "the file has no header line"
UNKNOWN_HEADER = (
    "the columns {columns} are not a timetable file: use one of "
    + "; ".join(f"{kind}: {', '.join(req)}" + (f" [{', '.join(opt)}]" if opt else "")
                for kind, (req, opt) in FILE_KINDS.items())
)
DUPLICATE_COLUMN = "the column {column} appears twice"
SAME_KIND_TWICE = "this import already has a {kind} file ({other})"
REQUIRED = "a value is needed"
UNKNOWN_SITE = "{value!r} is not a site of {organisation} (site codes: {codes})"
UNKNOWN_SUBJECT = "{value!r} is not a subject of {organisation}: add it to a subjects file first"
UNKNOWN_TEACHER = "there is no user with the username {value!r}"
TEACHER_NOT_AT_SITE = "{value!r} has no role at {site}: give them a membership there first"
UNKNOWN_CLASS = "{value!r} is not a class at {site}: add it to a classes file first"
UNKNOWN_PERIOD = "{value!r} is not a period at {site}: add it to a periods file first"
UNKNOWN_PUPIL = "no pupil of {organisation} has the UPN {value}"
PUPIL_AT_OTHER_SITE = "the pupil with UPN {value} is at {pupil_site}, not at {site}"
BAD_UPN = "{message}"
BAD_TIME = "{value!r} is not a time: write it as HH:MM, 24-hour clock (for example 09:05)"
BAD_DATE = "{value!r} is not a date: write it as YYYY-MM-DD (or DD/MM/YYYY)"
BAD_WEEKDAY = "{value!r} is not a school weekday: use Monday … Friday, Mon … Fri, or 1 … 5"
BAD_BOOLEAN = "{value!r} is not yes or no"
ENDS_BEFORE_START = "ends at {ends} before it starts at {starts}"
ENDS_ON_BEFORE_START = "ends on {ends} before it starts on {starts}"
DUPLICATE = "the same {what} is on line {line} too"
MEMBERSHIPS_OVERLAP = "the pupil with UPN {upn} is already in {teaching_class} from {starts}{until}"


@dataclass(frozen=True)
class TimetableFile:
    """A file to import: its name (for the messages) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def read(cls, file: str | os.PathLike | IO) -> TimetableFile:
        if hasattr(file, "read"):
            data = file.read()
            return cls(getattr(file, "name", "file"), data.encode() if isinstance(data, str) else data)
        path = Path(file)
        return cls(path.name, path.read_bytes())


@dataclass
class TimetableImported:
    """How many records of each kind were created and updated."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILE_KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FILE_KINDS, 0))

    def __str__(self) -> str:
        return ", ".join(
            f"{kind}: {self.created[kind]} new, {self.updated[kind]} updated" for kind in FILE_KINDS
        )


@dataclass(frozen=True)
class _Line:
    file: str
    number: int
    values: dict[str, str]
    columns: frozenset[str]

    def problem(self, column: str, message: str) -> ImportProblem:
        return ImportProblem(self.number, column, message, file=self.file)


# --- Reading the files ------------------------------------------------------------------------------


def _is_blank_or_comment(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#")


def _kind_of(header: list[str]) -> str | None:
    columns = set(header)
    for kind, (required, optional) in FILE_KINDS.items():
        if set(required) <= columns and columns <= set(required) | set(optional):
            return kind
    return None


def _read_file(file: TimetableFile, problems: list[ImportProblem]) -> tuple[str | None, list[_Line]]:
    try:
        text = file.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(ImportProblem(1, "file", NOT_UTF8, file=file.name))
        return None, []
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    lines: list[_Line] = []
    for cells in reader:
        if _is_blank_or_comment(cells):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            header_line = reader.line_num
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        lines.append(_Line(file.name, reader.line_num, values, frozenset(header)))
    if header is None:
        problems.append(ImportProblem(1, "file", NO_HEADER, file=file.name))
        return None, []
    repeated = sorted({c for c in header if header.count(c) > 1})
    for column in repeated:
        problems.append(ImportProblem(header_line, column, DUPLICATE_COLUMN.format(column=column), file=file.name))
    kind = _kind_of(header)
    if kind is None:
        problems.append(ImportProblem(header_line, "header", UNKNOWN_HEADER.format(columns=", ".join(header)), file=file.name))
    elif not lines:
        problems.append(ImportProblem(header_line, "file", EMPTY_FILE, file=file.name))
    return (None if repeated else kind), lines


# --- Checking values -------------------------------------------------------------------------------


def _parse_time(value: str) -> dt.time | None:
    for pattern in ("%H:%M", "%H:%M:%S", "%H.%M"):
        try:
            return dt.datetime.strptime(value, pattern).time()
        except ValueError:
            continue
    return None


def _parse_date(value: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


class _Plan:
    """Everything one import would store, built line by line while collecting problems."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.problems: list[ImportProblem] = []
        self.sites = {s.code: s for s in Site.objects.filter(organisation=organisation)}
        self.subjects = {s.name.lower(): s for s in Subject.objects.filter(organisation=organisation)}
        self.periods = {(p.site_id, p.name.lower()): p for p in Period.objects.filter(site__organisation=organisation)}
        self.classes = {
            (c.site_id, c.name.lower()): c for c in TeachingClass.objects.filter(site__organisation=organisation)
        }
        self.lessons = {
            (lesson.teaching_class_id, lesson.weekday, lesson.period_id): lesson
            for lesson in Lesson.objects.filter(teaching_class__site__organisation=organisation)
        }
        self.memberships: dict[tuple[int, int], list[ClassMembership]] = {}
        for membership in ClassMembership.objects.filter(teaching_class__site__organisation=organisation):
            self.memberships.setdefault((membership.teaching_class_id, membership.pupil_id), []).append(membership)
        # What the import adds or changes, by kind.
        self.new: dict[str, list] = {kind: [] for kind in FILE_KINDS}
        self.changed: dict[str, list] = {kind: [] for kind in FILE_KINDS}
        self.changes: dict[str, list[dict]] = {kind: [] for kind in FILE_KINDS}
        # (kind, key) → line number, for duplicates.
        self.seen: dict[tuple, int] = {}
        self._pupils: dict[str, Pupil | None] = {}
        self._users: dict[str, User | None] = {}
        self._site_members: set[tuple[int, int]] | None = None

    def add(self, problem: ImportProblem) -> None:
        self.problems.append(problem)

    # -- lookups that report ----------------------------------------------------------------

    def required(self, line: _Line, *columns: str) -> bool:
        missing = [c for c in columns if not line.values.get(c)]
        for column in missing:
            self.add(line.problem(column, REQUIRED))
        return not missing

    def site(self, line: _Line) -> Site | None:
        value = line.values.get("site", "")
        if not value:
            return None
        site = self.sites.get(value) or self.sites.get(value.lower())
        if site is None:
            codes = ", ".join(sorted(self.sites)) or "none"
            self.add(line.problem("site", UNKNOWN_SITE.format(value=value, organisation=self.organisation, codes=codes)))
        return site

    def subject(self, line: _Line) -> Subject | None:
        value = line.values.get("subject", "")
        subject = self.subjects.get(value.lower())
        if subject is None and value:
            self.add(line.problem("subject", UNKNOWN_SUBJECT.format(value=value, organisation=self.organisation)))
        return subject

    def teaching_class(self, line: _Line, site: Site) -> TeachingClass | None:
        value = line.values.get("class", "")
        found = self.classes.get((site.pk, value.lower()))
        if found is None and value:
            self.add(line.problem("class", UNKNOWN_CLASS.format(value=value, site=site)))
        return found

    def period(self, line: _Line, site: Site) -> Period | None:
        value = line.values.get("period", "")
        found = self.periods.get((site.pk, value.lower()))
        if found is None and value:
            self.add(line.problem("period", UNKNOWN_PERIOD.format(value=value, site=site)))
        return found

    def teacher(self, line: _Line, site: Site) -> tuple[bool, User | None]:
        """(ok, user); a blank teacher is (True, None): no teacher assigned."""
        value = line.values.get("teacher", "")
        if not value:
            return True, None
        if value not in self._users:
            self._users[value] = User.objects.filter(username=value).first()
        user = self._users[value]
        if user is None:
            self.add(line.problem("teacher", UNKNOWN_TEACHER.format(value=value)))
            return False, None
        if self._site_members is None:
            self._site_members = set(
                Membership.objects.filter(site__organisation=self.organisation).values_list("user_id", "site_id")
            )
        if (user.pk, site.pk) not in self._site_members:
            self.add(line.problem("teacher", TEACHER_NOT_AT_SITE.format(value=value, site=site)))
            return False, None
        return True, user

    def pupil(self, line: _Line, site: Site) -> Pupil | None:
        value = line.values.get("upn", "")
        try:
            upn = upns.validate(value)
        except upns.InvalidUPN as error:
            self.add(line.problem("upn", BAD_UPN.format(message=error)))
            return None
        if upn not in self._pupils:
            self._pupils[upn] = (
                Pupil.objects.filter(organisation=self.organisation, upn=upn).select_related("site").first()
            )
        pupil = self._pupils[upn]
        if pupil is None:
            self.add(line.problem("upn", UNKNOWN_PUPIL.format(value=upn, organisation=self.organisation)))
        elif pupil.site_id != site.pk:
            self.add(line.problem("upn", PUPIL_AT_OTHER_SITE.format(value=upn, pupil_site=pupil.site, site=site)))
            return None
        return pupil

    def time(self, line: _Line, column: str) -> dt.time | None:
        value = line.values.get(column, "")
        parsed = _parse_time(value) if value else None
        if value and parsed is None:
            self.add(line.problem(column, BAD_TIME.format(value=value)))
        return parsed

    def date(self, line: _Line, column: str) -> dt.date | None:
        value = line.values.get(column, "")
        parsed = _parse_date(value) if value else None
        if value and parsed is None:
            self.add(line.problem(column, BAD_DATE.format(value=value)))
        return parsed

    def boolean(self, line: _Line, column: str) -> bool | None:
        value = line.values.get(column, "").lower()
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        self.add(line.problem(column, BAD_BOOLEAN.format(value=line.values[column])))
        return None

    def first_time(self, line: _Line, kind: str, key: tuple, what: str, column: str) -> bool:
        """False (and a problem) when an earlier line of this import has the same key."""
        earlier = self.seen.get((kind, key))
        if earlier is not None:
            self.add(line.problem(column, DUPLICATE.format(what=what, line=earlier)))
            return False
        self.seen[(kind, key)] = line.number
        return True

    def record(self, kind: str, obj, created: bool, changes: dict | None = None) -> None:
        if created:
            self.new[kind].append(obj)
        elif changes:
            self.changed[kind].append(obj)
            self.changes[kind].append(changes)


def _changes(obj, **values) -> dict:
    """Set `values` on `obj`; the [old, new] of those that differ (a related record's as
    its id, read without loading the old one)."""
    changes = {}
    for name, value in values.items():
        field = obj._meta.get_field(name)
        if field.is_relation:
            old = getattr(obj, field.attname)
            new = value.pk if value is not None else None
        else:
            old, new = getattr(obj, name), value
        if old != new:
            changes[name] = [old, new]
            setattr(obj, name, value)
    return changes


def _key(obj) -> object:
    """A record's id, or for one this import creates (no id yet) a key of its own."""
    return obj.pk if obj.pk is not None else ("new", id(obj))


# --- One line of each kind ---------------------------------------------------------------------------


def _subject_line(plan: _Plan, line: _Line) -> None:
    if not plan.required(line, "subject"):
        return
    name = line.values["subject"]
    is_pe = plan.boolean(line, "is_pe") if "is_pe" in line.columns else False
    is_swimming = plan.boolean(line, "is_swimming") if "is_swimming" in line.columns else False
    if not plan.first_time(line, SUBJECTS, (name.lower(),), "subject", "subject") or None in (is_pe, is_swimming):
        return
    subject = plan.subjects.get(name.lower())
    if subject is None:
        subject = Subject(organisation=plan.organisation, name=name, is_pe=is_pe, is_swimming=is_swimming)
        plan.subjects[name.lower()] = subject
        plan.record(SUBJECTS, subject, created=True)
    else:
        plan.record(SUBJECTS, subject, False, _changes(subject, is_pe=is_pe, is_swimming=is_swimming))


def _period_line(plan: _Plan, line: _Line) -> None:
    complete = plan.required(line, "site", "period", "starts_at", "ends_at")
    site = plan.site(line)
    starts_at, ends_at = plan.time(line, "starts_at"), plan.time(line, "ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        plan.add(line.problem("ends_at", ENDS_BEFORE_START.format(ends=f"{ends_at:%H:%M}", starts=f"{starts_at:%H:%M}")))
        return
    if not (complete and site and starts_at and ends_at):
        return
    name = line.values["period"]
    if not plan.first_time(line, PERIODS, (site.pk, name.lower()), "site and period", "period"):
        return
    period = plan.periods.get((site.pk, name.lower()))
    if period is None:
        period = Period(site=site, name=name, starts_at=starts_at, ends_at=ends_at)
        plan.periods[(site.pk, name.lower())] = period
        plan.record(PERIODS, period, created=True)
    else:
        plan.record(PERIODS, period, False, _changes(period, starts_at=starts_at, ends_at=ends_at))


def _class_line(plan: _Plan, line: _Line) -> None:
    complete = plan.required(line, "site", "class", "subject")
    site = plan.site(line)
    subject = plan.subject(line)
    teacher_ok, teacher = plan.teacher(line, site) if site else (True, None)
    if not (complete and site and subject and teacher_ok):
        return
    name = line.values["class"]
    if not plan.first_time(line, CLASSES, (site.pk, name.lower()), "site and class", "class"):
        return
    values = {"subject": subject}
    if "teacher" in line.columns:
        values["teacher"] = teacher
    if "room" in line.columns:
        values["room"] = line.values["room"]
    found = plan.classes.get((site.pk, name.lower()))
    if found is None:
        found = TeachingClass(site=site, name=name, **values)
        plan.classes[(site.pk, name.lower())] = found
        plan.record(CLASSES, found, created=True)
    else:
        plan.record(CLASSES, found, False, _changes(found, **values))


def _lesson_line(plan: _Plan, line: _Line) -> None:
    complete = plan.required(line, "site", "class", "weekday", "period")
    site = plan.site(line)
    weekday = WEEKDAY_NAMES.get(line.values.get("weekday", "").lower())
    if line.values.get("weekday") and weekday is None:
        plan.add(line.problem("weekday", BAD_WEEKDAY.format(value=line.values["weekday"])))
    teaching_class = plan.teaching_class(line, site) if site else None
    period = plan.period(line, site) if site else None
    if not (complete and teaching_class and period and weekday is not None):
        return
    key = (_key(teaching_class), weekday, _key(period))
    if not plan.first_time(line, LESSONS, key, "class, weekday and period", "period"):
        return
    room = line.values.get("room", "")
    found = plan.lessons.get(key)
    if found is None:
        plan.record(LESSONS, Lesson(teaching_class=teaching_class, weekday=weekday, period=period, room=room), True)
    elif "room" in line.columns:
        plan.record(LESSONS, found, False, _changes(found, room=room))


def _member_line(plan: _Plan, line: _Line) -> None:
    complete = plan.required(line, "site", "class", "upn", "starts_on")
    site = plan.site(line)
    teaching_class = plan.teaching_class(line, site) if site else None
    pupil = plan.pupil(line, site) if site and line.values.get("upn") else None
    starts_on, ends_on = plan.date(line, "starts_on"), plan.date(line, "ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        plan.add(line.problem("ends_on", ENDS_ON_BEFORE_START.format(ends=ends_on, starts=starts_on)))
        return
    if not (complete and teaching_class and pupil and starts_on):
        return
    key = (_key(teaching_class), pupil.pk)
    if not plan.first_time(line, MEMBERS, (*key, starts_on), "class, pupil and start date", "starts_on"):
        return
    others = plan.memberships.setdefault(key, [])
    same_start = next((m for m in others if m.starts_on == starts_on), None)
    for other in others:
        if other is not same_start and _overlap(other.starts_on, other.ends_on, starts_on, ends_on):
            until = f" to {other.ends_on}" if other.ends_on else ""
            plan.add(line.problem("starts_on", MEMBERSHIPS_OVERLAP.format(
                upn=pupil.upn, teaching_class=teaching_class, starts=other.starts_on, until=until)))
            return
    if same_start is None:
        membership = ClassMembership(teaching_class=teaching_class, pupil=pupil, starts_on=starts_on, ends_on=ends_on)
        others.append(membership)
        plan.record(MEMBERS, membership, created=True)
    else:
        plan.record(MEMBERS, same_start, False, _changes(same_start, ends_on=ends_on))


def _overlap(a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None) -> bool:
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


_LINE_READERS = {
    SUBJECTS: _subject_line,
    PERIODS: _period_line,
    CLASSES: _class_line,
    LESSONS: _lesson_line,
    MEMBERS: _member_line,
}
_MODELS = {SUBJECTS: Subject, PERIODS: Period, CLASSES: TeachingClass, LESSONS: Lesson, MEMBERS: ClassMembership}
_UPDATE_FIELDS = {
    SUBJECTS: ["is_pe", "is_swimming"],
    PERIODS: ["starts_at", "ends_at"],
    CLASSES: ["subject", "teacher", "room"],
    LESSONS: ["room"],
    MEMBERS: ["ends_on"],
}


# --- The import --------------------------------------------------------------------------------------


def timetable_import(
    *, organisation: Organisation, files: Iterable[TimetableFile | str | os.PathLike | IO]
) -> TimetableImported:
    """Import timetable CSV files for `organisation`, all or nothing (see the module doc)."""
    files = [f if isinstance(f, TimetableFile) else TimetableFile.read(f) for f in files]
    problems: list[ImportProblem] = []
    by_kind: dict[str, tuple[str, list[_Line]]] = {}
    for file in files:
        kind, lines = _read_file(file, problems)
        if kind is None:
            continue
        if kind in by_kind:
            problems.append(ImportProblem(1, "file", SAME_KIND_TWICE.format(kind=kind, other=by_kind[kind][0]), file=file.name))
            continue
        by_kind[kind] = (file.name, lines)
    plan = _Plan(organisation)
    plan.problems.extend(problems)
    for kind in FILE_KINDS:
        for line in by_kind.get(kind, ("", []))[1]:
            _LINE_READERS[kind](plan, line)
    if plan.problems:
        raise ImportRejected(plan.problems)
    return _store(plan)


def _store(plan: _Plan) -> TimetableImported:
    result = TimetableImported()
    with transaction.atomic():
        for kind in FILE_KINDS:
            model = _MODELS[kind]
            new = plan.new[kind]
            for obj in new:
                _refresh_foreign_keys(obj)
            if new:
                # PostgreSQL and SQLite both return the new ids, which the next kind needs.
                model.objects.bulk_create(new)
                audit_bulk(action="create", targets=new, detail="timetable import")
            if plan.changed[kind]:
                model.objects.bulk_update(plan.changed[kind], _UPDATE_FIELDS[kind])
                audit_bulk(
                    action="update", targets=plan.changed[kind],
                    changes=[json_safe(c) for c in plan.changes[kind]], detail="timetable import",
                )
            result.created[kind] = len(new)
            result.updated[kind] = len(plan.changed[kind])
    return result


def _refresh_foreign_keys(obj) -> None:
    """Point each `<fk>_id` at its (now saved) related object: a class made earlier in this
    import had no id when its lessons were planned."""
    for fk in obj._meta.concrete_fields:
        if fk.is_relation and fk.is_cached(obj):
            related = fk.get_cached_value(obj)
            if related is not None:
                setattr(obj, fk.attname, related.pk)
