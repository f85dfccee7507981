"""What the engine reads from the database, in bulk and as numpy columns.

Each read is one query (or one per 5,000 ids) whatever the number of pupils, returning
arrays rather than model instances: the engine never walks pupils through the ORM
(design.md principle 8). These are domain reads for the rules, not access-scoped: the alerts
they lead to are routed and scoped by the alerts module.

On PostgreSQL the server packs results into a few binary values (string_agg of int8send
for integer columns, of the raw bytes for the session stores), so a million pupils arrive
as a handful of values, not a million rows of Python objects.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection

from safewell.core.chunks import id_chunks
from safewell.schools.calendar import ClosureDay, SchoolCalendar, TermDates, YearSessions, england_bank_holidays

EPOCH = dt.date(1970, 1, 1)


def _days(column: str) -> str:
    """SQL for a date column as whole days since 1970-01-01."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _any(column: str, values: Sequence[int]) -> tuple[str, list]:
    """`column` is one of `values`: = ANY(array) on PostgreSQL, IN (…) on SQLite."""
    values = [int(v) for v in values]
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _int_rows(sql: str, params: list, width: int) -> np.ndarray:
    """An (n × width) int64 array of an all-integer query (NULLs must be COALESCEd).

    PostgreSQL: the server packs each column into one bytea of 8-byte integers
    (string_agg of int8send), so a million rows arrive as `width` values."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        # No ORDER BY: the aggregates read the same rows in the same order, so the columns
        # stay aligned; the caller sorts.
        packed = ", ".join(f"string_agg(int8send(q.c{i}::bigint), ''::bytea)" for i in range(width))
        names = ", ".join(f"c{i}" for i in range(width))
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(f"SELECT {packed} FROM ({sql}) AS q({names})", params, binary=True)
            row = cursor.fetchone()
        if row is None or row[0] is None:
            return np.zeros((0, width), dtype=np.int64)
        return np.stack([np.frombuffer(bytes(column), dtype=">i8").astype(np.int64) for column in row], axis=1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return np.array(rows, dtype=np.int64).reshape(-1, width)


# --- Who is on roll ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Roll:
    """The pupils on roll on `today` at their current site, ascending by id: the enrolment
    at that site (the latest, if two) gives the admission date sessions are counted from."""

    pupil_ids: np.ndarray
    site_ids: np.ndarray
    organisation_ids: np.ndarray
    admitted: np.ndarray  # datetime64[D]
    group_ids: np.ndarray  # registration group id, -1 for none

    def __len__(self) -> int:
        return len(self.pupil_ids)

    def take(self, rows: np.ndarray) -> Roll:
        return Roll(self.pupil_ids[rows], self.site_ids[rows], self.organisation_ids[rows],
                    self.admitted[rows], self.group_ids[rows])


def roll_on(
    *, today: dt.date, organisation_ids: Sequence[int] | None = None, site_id: int | None = None,
    pupil_ids: Sequence[int] | None = None,
) -> Roll:
    from safewell.pupils.models import Enrolment, Pupil

    # "+e.site_id": without statistics (SQLite is never ANALYZEd) SQLite otherwise joins
    # through enrolment_site_admission and reads the whole site's enrolments once per pupil
    # (28 ms a 30-pupil register at a 6,000-pupil site, 5 ms with this; docs/benchmarks.md).
    base = (
        f"SELECT e.pupil_id, e.site_id, e.organisation_id, {_days('e.admission_date')}, "
        f"COALESCE(p.registration_group_id, -1) "
        f"FROM {Enrolment._meta.db_table} e JOIN {Pupil._meta.db_table} p "
        "ON p.id = e.pupil_id AND p.site_id = +e.site_id "
        "WHERE e.admission_date <= %s AND (e.leaving_date IS NULL OR e.leaving_date >= %s)"
    )
    params: list = [today, today]
    if organisation_ids is not None:
        clause, values = _any("e.organisation_id", organisation_ids)
        base += f" AND {clause}"
        params += values
    if site_id is not None:
        base += " AND e.site_id = %s"
        params.append(site_id)
    parts = []
    for chunk in id_chunks(pupil_ids):
        sql, chunk_params = base, list(params)
        if chunk is not None:
            clause, values = _any("e.pupil_id", chunk)
            sql += f" AND {clause}"
            chunk_params += values
        parts.append(_int_rows(sql, chunk_params, 5))
    rows = np.concatenate(parts) if parts else np.zeros((0, 5), dtype=np.int64)
    # One row per pupil: the latest admission at the current site.
    order = np.lexsort((rows[:, 3], rows[:, 0]))
    rows = rows[order]
    last = np.r_[rows[1:, 0] != rows[:-1, 0], True] if len(rows) else np.zeros(0, dtype=bool)
    rows = rows[last]
    return Roll(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3].astype("datetime64[D]"), rows[:, 4])


# --- Academic years and calendars ------------------------------------------------------------


@dataclass(frozen=True)
class Years:
    """An organisation's academic year containing today, and the one before it (if any)."""

    current_id: int
    current: YearSessions
    previous_id: int | None
    previous: YearSessions | None


def years_in_force(organisation_ids: Sequence[int], today: dt.date) -> dict[int, Years]:
    from safewell.schools.models import AcademicYear

    by_org: dict[int, list] = defaultdict(list)
    rows = AcademicYear.objects.filter(organisation_id__in=list(organisation_ids), starts_on__lte=today)
    for row in rows.order_by("organisation_id", "starts_on").values_list(
        "organisation_id", "id", "name", "starts_on", "ends_on"
    ):
        by_org[row[0]].append(row)
    found: dict[int, Years] = {}
    for organisation_id, years in by_org.items():
        current = years[-1]
        if current[4] < today:
            continue  # no academic year contains today: no term dates yet
        previous = years[-2] if len(years) > 1 else None
        found[organisation_id] = Years(
            current[1], YearSessions(current[2], current[3], current[4]),
            previous[1] if previous else None,
            YearSessions(previous[2], previous[3], previous[4]) if previous else None,
        )
    return found


# Calendars built by content: sites with the same terms and closures share one object, and
# an unchanged calendar is not rebuilt for the next register submission.
_CALENDARS: dict[tuple, SchoolCalendar] = {}
_CALENDAR_CACHE_SIZE = 4096


def site_calendars(sites: dict[int, int], years: dict[int, Years]) -> dict[int, SchoolCalendar]:
    """{site id: SchoolCalendar over the previous and current academic year} for `sites`
    ({site id: organisation id}), from two queries however many sites (terms, closures)."""
    from safewell.schools.models import Closure, Term

    year_ids = {y.current_id for y in years.values()} | {y.previous_id for y in years.values() if y.previous_id}
    terms: dict[int, list[TermDates]] = defaultdict(list)
    for organisation_id, year_name, name, starts_on, ends_on in Term.objects.filter(
        academic_year_id__in=year_ids
    ).values_list("academic_year__organisation_id", "academic_year__name", "name", "starts_on", "ends_on"):
        terms[organisation_id].append(TermDates(year_name, name, starts_on, ends_on))
    spans = [(y.previous or y.current).starts_on for y in years.values()]
    start = min(spans) if spans else dt.date.today()
    end = max((y.current.ends_on for y in years.values()), default=start)
    closures: dict[int, list[ClosureDay]] = defaultdict(list)
    for closure in Closure.objects.filter(site_id__in=list(sites), date__range=(start - dt.timedelta(days=7), end + dt.timedelta(days=7))):
        closures[closure.site_id].append(
            ClosureDay(closure.date, closure.session_names, closure.kind, closure.part, closure.reason)
        )
    bank_holidays = england_bank_holidays(start - dt.timedelta(days=7), end + dt.timedelta(days=7))
    found: dict[int, SchoolCalendar] = {}
    for site_id, organisation_id in sites.items():
        if organisation_id not in years:
            continue
        year = years[organisation_id]
        year_list = tuple(y for y in (year.previous, year.current) if y is not None)
        key = (
            year_list,
            tuple(sorted(terms[organisation_id], key=lambda t: t.starts_on)),
            tuple(sorted(closures[site_id], key=lambda c: (c.date, c.sessions))),
        )
        calendar = _CALENDARS.get(key)
        if calendar is None:
            calendar = SchoolCalendar(
                start=year_list[0].starts_on, end=year.current.ends_on, years=year_list, terms=key[1],
                closures=key[2], bank_holidays=bank_holidays,
            )
            if len(_CALENDARS) >= _CALENDAR_CACHE_SIZE:
                _CALENDARS.clear()
            _CALENDARS[key] = calendar
        found[site_id] = calendar
    return found


# --- Session stores ------------------------------------------------------------------------


@dataclass
class Stores:
    """Session stores of one academic year (or of several with the same session index):
    `pupil_ids` ascending; the store of pupil_ids[i] is row `rows[i]` of `marks` (row i
    itself when `rows` is None)."""

    pupil_ids: np.ndarray
    marks: np.ndarray  # uint8 (stores × the year's session index)
    rows: np.ndarray | None = None

    def rows_of(self, pupil_ids: np.ndarray) -> np.ndarray:
        """The row of `marks` holding each pupil's store, or -1 where the pupil has none."""
        if len(self.pupil_ids) == 0:
            return np.full(len(pupil_ids), -1, dtype=np.int64)
        found = np.minimum(np.searchsorted(self.pupil_ids, pupil_ids), len(self.pupil_ids) - 1)
        rows = found if self.rows is None else self.rows[found]
        return np.where(self.pupil_ids[found] == pupil_ids, rows, -1)


def stores_load(
    year_lengths: dict[int, int], *, pupil_ids: Sequence[int] | None = None, site_id: int | None = None,
) -> dict[int, Stores]:
    """The session stores of the academic years `year_lengths` ({year id: sessions}), all of
    them or those of `pupil_ids` / the pupils now at `site_id`, as one uint8 matrix a year.

    One query (a few for many pupil ids). A store of the wrong length (the year's dates
    changed after marks were stored) is left out: `safewell rebuild_session_store` mends it."""
    from safewell.attendance.models import SessionStore
    from safewell.pupils.models import Pupil

    if not year_lengths:
        return {}
    if connection.vendor == "postgresql":
        return _stores_aggregated(year_lengths, pupil_ids=pupil_ids, site_id=site_id)
    found: dict[int, tuple[list, list]] = {year_id: ([], []) for year_id in year_lengths}
    for chunk in id_chunks(pupil_ids):
        clause, params = _any("s.academic_year_id", list(year_lengths))
        sql = f"SELECT s.academic_year_id, s.pupil_id, s.marks FROM {SessionStore._meta.db_table} s"
        if site_id is not None:
            sql += f" JOIN {Pupil._meta.db_table} p ON p.id = s.pupil_id"
        sql += f" WHERE {clause}"
        if site_id is not None:
            sql += " AND p.site_id = %s"
            params.append(site_id)
        if chunk is not None:
            pupil_clause, values = _any("s.pupil_id", chunk)
            sql += f" AND {pupil_clause}"
            params += values
        for year_id, pupil_id, blob in _binary_rows(sql, params):
            if len(blob) == year_lengths[year_id]:
                ids, blobs = found[year_id]
                ids.append(pupil_id)
                blobs.append(blob)
    out: dict[int, Stores] = {}
    for year_id, (ids, blobs) in found.items():
        length = year_lengths[year_id]
        id_array = np.array(ids, dtype=np.int64)
        matrix = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype=np.uint8).reshape(len(ids), length)
        order = np.argsort(id_array, kind="stable")
        if len(order) and np.any(order != np.arange(len(order))):
            id_array, matrix = id_array[order], matrix[order]
        out[year_id] = Stores(id_array, matrix)
    return out


def stores_by_length(stores: dict[int, Stores]) -> dict[int, Stores]:
    """The stores of many academic years merged into one matrix per year length (years of
    the same dates have the same session index), rows in pupil order, so a batch of pupils
    from many organisations is gathered at once."""
    groups: dict[int, list[Stores]] = defaultdict(list)
    for found in stores.values():
        groups[found.marks.shape[1]].append(found)
    merged: dict[int, Stores] = {}
    for length, parts in groups.items():
        if len(parts) == 1:
            merged[length] = parts[0]
            continue
        ids = np.concatenate([p.pupil_ids for p in parts])
        order = np.argsort(ids, kind="stable")  # an index, so the big matrix is not reordered
        merged[length] = Stores(ids[order], np.concatenate([p.marks for p in parts]), order)
    return merged


def _stores_aggregated(year_lengths: dict[int, int], *, pupil_ids, site_id) -> dict[int, Stores]:
    """PostgreSQL: each year's stores concatenated by the server (one bytea of the ids as
    8-byte integers, one of the marks, in pupil order), so a million stores arrive as a few
    thousand values rather than a million rows of Python objects."""
    from safewell.attendance.models import SessionStore
    from safewell.pupils.models import Pupil

    parts: dict[int, tuple[list[bytes], list[bytes]]] = {year_id: ([], []) for year_id in year_lengths}
    for chunk in id_chunks(pupil_ids):
        sql = (
            "SELECT s.academic_year_id, string_agg(int8send(s.pupil_id), ''::bytea ORDER BY s.pupil_id), "
            "string_agg(s.marks, ''::bytea ORDER BY s.pupil_id) "
            f"FROM {SessionStore._meta.db_table} s "
            "JOIN unnest(%s::bigint[], %s::int[]) AS y(id, length) "
            "ON y.id = s.academic_year_id AND octet_length(s.marks) = y.length"
        )
        params: list = [list(year_lengths), list(year_lengths.values())]
        if site_id is not None:
            sql += f" JOIN {Pupil._meta.db_table} p ON p.id = s.pupil_id AND p.site_id = %s"
            params.append(site_id)
        if chunk is not None:
            sql += " WHERE s.pupil_id = ANY(%s)"
            params.append([int(p) for p in chunk])
        sql += " GROUP BY s.academic_year_id"
        for year_id, ids, marks in _binary_rows(sql, params):
            parts[year_id][0].append(bytes(ids))
            parts[year_id][1].append(bytes(marks))
    out: dict[int, Stores] = {}
    for year_id, (ids, marks) in parts.items():
        id_array = np.frombuffer(b"".join(ids), dtype=">i8").astype(np.int64)
        matrix = np.frombuffer(b"".join(marks), dtype=np.uint8).reshape(len(id_array), year_lengths[year_id])
        if len(ids) > 1:  # several chunks: keep the rows in pupil order
            order = np.argsort(id_array, kind="stable")
            id_array, matrix = id_array[order], matrix[order]
        out[year_id] = Stores(id_array, matrix)
    return out


def _binary_rows(sql: str, params: list) -> Iterable[tuple]:
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, binary=True)
            while rows := cursor.fetchmany(50_000):
                yield from rows
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(50_000):
            yield from rows


def sites_by_id(site_ids: Iterable[int]) -> dict:
    from safewell.schools.models import Site

    return {site.pk: site for site in Site.objects.filter(pk__in=list(site_ids))}


@dataclass(frozen=True)
class WhereaboutsKnown:
    """The day each pupil's whereabouts were last established by a contact attempt."""

    by_pupil: dict[int, dt.date]

    def dates_for(self, pupil_ids: np.ndarray) -> np.ndarray:
        """datetime64[D] per pupil id, NaT where never established."""
        return np.array([self.by_pupil.get(int(p), "NaT") for p in pupil_ids], dtype="datetime64[D]")


def whereabouts_known_on(*, pupil_ids: Sequence[int] | None, until: dt.datetime) -> WhereaboutsKnown:
    """From first-day calling's contact attempts (followup.selectors.whereabouts_known_on):
    the CME rules count a run of absence only while no one has said where the child is."""
    from safewell.followup.selectors import whereabouts_known_on as known_on

    if pupil_ids is None:
        return WhereaboutsKnown(known_on(None, until=until))
    found: dict[int, dt.date] = {}
    for chunk in id_chunks(pupil_ids):
        found.update(known_on(chunk, until=until))
    return WhereaboutsKnown(found)


def young_carers(*, today: dt.date, pupil_ids: Sequence[int] | None = None,
                 organisation_ids: Sequence[int] | None = None) -> set[int]:
    """The pupils recorded as young carers on `today` (for the lateness pattern's evidence)."""
    from django.db.models import Q

    from safewell.pupils.models import Characteristic

    in_force = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    rows = Characteristic.objects.filter(in_force, kind="young_carer")
    if pupil_ids is not None:
        found: set[int] = set()
        for chunk in id_chunks(pupil_ids):
            found |= set(rows.filter(pupil_id__in=chunk).values_list("pupil_id", flat=True))
        return found
    if organisation_ids is not None:
        rows = rows.filter(pupil__organisation_id__in=list(organisation_ids))
    return set(rows.values_list("pupil_id", flat=True))


# --- Lessons ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonInfo:
    lesson_id: int
    site_id: int
    is_pm: bool
    period: str
    starts_at: dt.time
    subject_id: int
    subject: str
    uncovers_body: bool  # PE or swimming
    teacher_id: int  # -1 when none
    teacher: str
    teaching_class_id: int
    teaching_class: str


@dataclass
class LessonMarks:
    """Lesson marks as columns (one entry per pupil per lesson register)."""

    pupil_id: np.ndarray
    date: np.ndarray  # datetime64[D]
    register_id: np.ndarray  # one lesson occurrence
    lesson_id: np.ndarray
    code: np.ndarray  # uint8 store byte
    lessons: dict[int, LessonInfo]

    def __len__(self) -> int:
        return len(self.pupil_id)

    def take(self, rows: np.ndarray) -> LessonMarks:
        return LessonMarks(self.pupil_id[rows], self.date[rows], self.register_id[rows], self.lesson_id[rows],
                           self.code[rows], self.lessons)

    def column(self, name: str) -> np.ndarray:
        """A per-mark column of a lesson attribute (site_id, subject_id, teacher_id, is_pm…)."""
        ids = np.array(sorted(self.lessons), dtype=np.int64)
        values = np.array([getattr(self.lessons[i], name) for i in ids])
        if len(ids) == 0:
            return np.zeros(0, dtype=values.dtype if len(values) else np.int64)
        return values[np.searchsorted(ids, self.lesson_id)]


def lesson_marks_between(
    *, site_ids: Sequence[int], start: dt.date, end: dt.date, pupil_ids: Sequence[int] | None = None
) -> LessonMarks:
    """The lesson marks taken at the sites from `start` to `end` (of `pupil_ids`, if given),
    with what each of their lessons is. Two queries: the marks, then their lessons."""
    from safewell.attendance.models import LessonMark
    from safewell.attendance.store import CODE_TO_BYTE
    from safewell.pupils.models import Lesson

    columns: list[list] = [[], [], [], [], []]
    for chunk in id_chunks(pupil_ids):
        marks = LessonMark.objects.filter(
            lesson_register__lesson__teaching_class__site_id__in=list(site_ids), lesson_register__date__range=(start, end)
        )
        if chunk is not None:
            marks = marks.filter(pupil_id__in=chunk)
        for row in marks.values_list("pupil_id", "lesson_register__date", "lesson_register_id",
                                     "lesson_register__lesson_id", "code"):
            for column, value in zip(columns, row):
                column.append(value)
    lessons: dict[int, LessonInfo] = {}
    for lesson in Lesson.objects.filter(id__in=set(columns[3])).select_related(
        "period", "period__site", "teaching_class", "teaching_class__subject", "teaching_class__teacher"
    ):
        teacher = lesson.teaching_class.teacher
        subject = lesson.teaching_class.subject
        lessons[lesson.id] = LessonInfo(
            lesson.id, lesson.teaching_class.site_id, lesson.period.session == "PM", lesson.period.name,
            lesson.period.starts_at, subject.id, subject.name, subject.uncovers_body,
            teacher.id if teacher else -1, (teacher.get_full_name() or teacher.get_username()) if teacher else "",
            lesson.teaching_class_id, lesson.teaching_class.name,
        )
    return LessonMarks(
        np.array(columns[0], dtype=np.int64), np.array(columns[1], dtype="datetime64[D]"),
        np.array(columns[2], dtype=np.int64), np.array(columns[3], dtype=np.int64),
        np.array([CODE_TO_BYTE.get(c, 0) for c in columns[4]], dtype=np.uint8), lessons,
    )
