"""Writing marks, and the compact session store that keeps pace with them.

design.md principle 8. `Mark` rows are the source of truth; each pupil also has one
`SessionStore` per academic year: one byte per session of the year's session index
(`schools.calendar.YearSessions`: every weekday, AM then PM, from the year's first day),
holding the code's `store_byte` from the catalogue (attendance/codes.py; 0 = no mark).

- `mark_write` is the one way marks are written: it validates every mark, then writes the
  marks and the stores in one transaction (the registers build on it).
- `session_store_apply` updates one pupil's store; `mark_write` calls it for each pupil.
- `session_store_load` returns a site's or a whole year's stores as a numpy uint8 matrix
  (pupils × sessions): what the rules engine reads.
- `session_store_rebuild` recomputes the stores of a year from the marks, and
  `session_store_differences` proves the two agree (`safewell rebuild_session_store`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from safewell.attendance import codes
from safewell.attendance.models import CODES_WITH_MINUTES_LATE, Mark, MarkSource, Session, SessionStore
from safewell.schools.calendar import OutsideCalendar, SchoolCalendar, YearSessions
from safewell.schools.models import AcademicYear

# --- Encoding ------------------------------------------------------------------------------

NO_MARK = codes.NO_MARK_BYTE
# code text → store byte, and store byte → code text ("" for 0), for vectorised work.
CODE_TO_BYTE: dict[str, int] = {c.code: c.store_byte for c in codes.ALL_CODES}
BYTE_TO_CODE: np.ndarray = np.array(
    [codes.by_byte(b).code if b and codes.by_byte(b) else "" for b in range(codes.MAX_STORE_BYTE + 1)],
    dtype=object,
)


def year_sessions(academic_year: AcademicYear) -> YearSessions:
    """The session index of an academic year (the store's byte positions)."""
    return YearSessions(academic_year.name, academic_year.starts_on, academic_year.ends_on)


def empty_store(year: YearSessions) -> bytes:
    return bytes(len(year))


def encode(year: YearSessions, marks: Iterable[tuple[dt.date, str, str]]) -> bytes:
    """A store holding `marks` ((date, session, code) triples) and no mark elsewhere."""
    store = bytearray(len(year))
    for day, session, code in marks:
        store[year.session_index(day, session)] = CODE_TO_BYTE[code]
    return bytes(store)


def decode(year: YearSessions, store: bytes) -> dict[tuple[dt.date, str], str]:
    """The marks a store holds, as {(date, session): code}."""
    found = {}
    for index in np.flatnonzero(np.frombuffer(store, dtype=np.uint8)):
        found[year.session_at(int(index))] = BYTE_TO_CODE[store[index]]
    return found


def session_indexes(year: YearSessions, dates: np.ndarray, is_pm: np.ndarray) -> np.ndarray:
    """Vectorised `YearSessions.session_index`: 2 × weekdays since the year's start (+1 for
    PM). `dates` are datetime64[D] weekdays inside the year."""
    start = np.datetime64(year.starts_on, "D")
    return 2 * np.busday_count(start, dates.astype("datetime64[D]")) + is_pm.astype(np.int64)


# --- Writing marks -----------------------------------------------------------------------------

UNKNOWN_PUPIL = "There is no pupil {pupil_id}."
BAD_SESSION = "“{session}” is not a session: use AM or PM."
MINUTES_LATE_NOT_LATE = "Minutes late are recorded only with code L or U, not {code}."
MINUTES_LATE_NEGATIVE = "Minutes late cannot be negative."
DUPLICATE_MARK = "This submission has two marks for pupil {pupil_id} on {date} {session}."
NO_ACADEMIC_YEAR = "{date} is not in any academic year of {organisation}: add its term dates first."
NOT_A_SESSION = "{site} has no {session} session on {date:%A %-d %B %Y} (not a school day)."
NOT_IN_TRANSACTION = "session_store_apply must run inside the transaction that writes the marks."


@dataclass(frozen=True)
class MarkInput:
    pupil_id: int
    date: dt.date
    session: str
    code: str
    minutes_late: int | None = None

    @property
    def key(self) -> tuple[int, dt.date, str]:
        return (self.pupil_id, self.date, self.session)


@dataclass(frozen=True)
class MarkProblem:
    index: int  # position in the submission
    field: str
    message: str

    def __str__(self) -> str:
        return f"mark {self.index + 1}, {self.field}: {self.message}"


class MarksRejected(ValueError):
    """Nothing was written; `problems` says why, mark by mark."""

    def __init__(self, problems: list[MarkProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class MarkChange:
    key: tuple[int, dt.date, str]
    old_code: str | None  # None: there was no mark
    new_code: str
    old_minutes_late: int | None = None
    new_minutes_late: int | None = None


@dataclass
class MarksWritten:
    created: list[MarkChange] = field(default_factory=list)
    changed: list[MarkChange] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class _Pupil:
    id: int
    organisation_id: int
    organisation_name: str
    site_id: int


class _YearsOfOrganisations:
    """The academic years of the organisations in one submission, loaded once."""

    def __init__(self, organisation_ids: Iterable[int]) -> None:
        self.by_org: dict[int, list[AcademicYear]] = defaultdict(list)
        for year in AcademicYear.objects.filter(organisation_id__in=set(organisation_ids)).order_by("starts_on"):
            self.by_org[year.organisation_id].append(year)

    def year_of(self, organisation_id: int, day: dt.date) -> AcademicYear | None:
        for year in self.by_org.get(organisation_id, ()):
            if year.starts_on <= day <= year.ends_on:
                return year
        return None


def mark_write(
    *,
    marks: Sequence[MarkInput],
    source: int = MarkSource.REGISTER,
    recorded_by_id: int | None = None,
    recorded_at: dt.datetime | None = None,
    check_calendar: bool = True,
    audit: bool = True,
) -> MarksWritten:
    """Validate every mark, then write them all and their pupils' session stores in one
    transaction, or nothing (MarksRejected lists every problem by mark and field).

    A mark that repeats the stored code and minutes is left as it is (a resubmitted
    register is a no-op). With `check_calendar`, each mark must fall on a session the
    pupil's site meant to hold (SchoolCalendar.scheduled_sessions: open sessions and Y4).
    Every created or changed mark is audited with its old and new values, one event a mark;
    with `audit=False` the caller audits them itself in the same transaction (the registers
    write one event per submission listing its marks: registers.register_submit).
    """
    recorded_at = recorded_at or timezone.now()
    pupils = _pupils_of(marks)
    years = _YearsOfOrganisations(p.organisation_id for p in pupils.values())
    problems, mark_years = _validate(marks, pupils, years, check_calendar)
    if problems:
        raise MarksRejected(problems)
    with transaction.atomic():
        stores = _stores_locked({(m.pupil_id, mark_years[i].id) for i, m in enumerate(marks)}, mark_years)
        existing = _existing_marks(marks)
        result, to_write = _plan_writes(marks, existing)
        if to_write:
            _upsert(to_write, source=source, recorded_by_id=recorded_by_id, recorded_at=recorded_at)
            updates: dict[tuple[int, int], list[tuple[dt.date, str, str]]] = defaultdict(list)
            index_of = {m.key: i for i, m in enumerate(marks)}
            for mark in to_write:
                year = mark_years[index_of[mark.key]]
                updates[(mark.pupil_id, year.id)].append((mark.date, mark.session, mark.code))
            _stores_update(stores, updates)
            if audit:
                _audit(result, source)
    return result


def _pupils_of(marks: Sequence[MarkInput]) -> dict[int, _Pupil]:
    from safewell.pupils.models import Pupil

    rows = Pupil.objects.filter(id__in={m.pupil_id for m in marks}).values_list(
        "id", "organisation_id", "organisation__name", "site_id"
    )
    return {row[0]: _Pupil(*row) for row in rows}


def _validate(
    marks: Sequence[MarkInput],
    pupils: dict[int, _Pupil],
    years: _YearsOfOrganisations,
    check_calendar: bool,
) -> tuple[list[MarkProblem], dict[int, AcademicYear]]:
    problems: list[MarkProblem] = []
    mark_years: dict[int, AcademicYear] = {}
    seen: set[tuple[int, dt.date, str]] = set()
    calendars: dict[tuple[int, int], SchoolCalendar] = {}
    for index, mark in enumerate(marks):
        def problem(field_name: str, message: str) -> None:
            problems.append(MarkProblem(index, field_name, message))

        if mark.key in seen:
            problem("pupil", DUPLICATE_MARK.format(pupil_id=mark.pupil_id, date=mark.date, session=mark.session))
        seen.add(mark.key)
        if mark.session not in Session.values:
            problem("session", BAD_SESSION.format(session=mark.session))
        try:
            code = codes.validate_code(mark.code, mark.date)
        except codes.InvalidCode as error:
            problem("code", str(error))
            code = None
        if mark.minutes_late is not None:
            if mark.minutes_late < 0:
                problem("minutes_late", MINUTES_LATE_NEGATIVE)
            if code is not None and code.code not in CODES_WITH_MINUTES_LATE:
                problem("minutes_late", MINUTES_LATE_NOT_LATE.format(code=code.code))
        pupil = pupils.get(mark.pupil_id)
        if pupil is None:
            problem("pupil", UNKNOWN_PUPIL.format(pupil_id=mark.pupil_id))
            continue
        year = years.year_of(pupil.organisation_id, mark.date)
        if year is None:
            problem("date", NO_ACADEMIC_YEAR.format(date=mark.date, organisation=pupil.organisation_name))
            continue
        mark_years[index] = year
        if check_calendar and mark.session in Session.values:
            site_name, calendar = _calendar(calendars, pupil.site_id, year)
            if mark.session not in calendar.scheduled_sessions(mark.date):
                problem("date", NOT_A_SESSION.format(site=site_name, session=mark.session, date=mark.date))
    return problems, mark_years


def _calendar(cache: dict, site_id: int, year: AcademicYear) -> tuple[str, SchoolCalendar]:
    """(site name, calendar) of a site for a year, built once per submission."""
    from safewell.schools.models import Site

    key = (site_id, year.id)
    if key not in cache:
        site = Site.objects.get(id=site_id)
        cache[key] = (site.name, SchoolCalendar.for_academic_year(site, year))
    return cache[key]


def _existing_marks(marks: Sequence[MarkInput]) -> dict[tuple[int, dt.date, str], tuple[str, int | None]]:
    wanted = {m.key for m in marks}
    rows = Mark.objects.filter(
        pupil_id__in={m.pupil_id for m in marks}, date__in={m.date for m in marks}
    ).values_list("pupil_id", "date", "session", "code", "minutes_late")
    return {(p, d, s): (c, minutes) for p, d, s, c, minutes in rows if (p, d, s) in wanted}


def _plan_writes(
    marks: Sequence[MarkInput], existing: dict[tuple[int, dt.date, str], tuple[str, int | None]]
) -> tuple[MarksWritten, list[MarkInput]]:
    result = MarksWritten()
    to_write: list[MarkInput] = []
    for mark in marks:
        code = codes.by_code(mark.code).code  # canonical spelling ("l" → "L")
        mark = MarkInput(mark.pupil_id, mark.date, mark.session, code, mark.minutes_late)
        old = existing.get(mark.key)
        if old == (code, mark.minutes_late):
            result.unchanged += 1
            continue
        change = MarkChange(mark.key, old[0] if old else None, code, old[1] if old else None, mark.minutes_late)
        (result.changed if old else result.created).append(change)
        to_write.append(mark)
    return result, to_write


def _upsert(marks: list[MarkInput], *, source: int, recorded_by_id: int | None, recorded_at: dt.datetime) -> None:
    Mark.objects.bulk_create(
        [
            Mark(
                pupil_id=m.pupil_id,
                date=m.date,
                session=m.session,
                code=m.code,
                minutes_late=m.minutes_late,
                source=source,
                recorded_by_id=recorded_by_id,
                recorded_at=recorded_at,
            )
            for m in marks
        ],
        update_conflicts=True,
        unique_fields=["pupil", "date", "session"],
        update_fields=["code", "minutes_late", "source", "recorded_by", "recorded_at"],
    )


@dataclass(frozen=True)
class _MarkAuditTarget:
    """What `audit_bulk` reads of a target (`_meta` and `pk`), with a readable id: a
    Mark's primary key is a tuple, whose str() would be "(1, datetime.date(…), 'AM')"."""

    pk: str
    _meta = Mark._meta


def mark_audit_id(pupil_id: int, day: dt.date, session: str) -> str:
    """The audit log's target_id of a mark: "pupil/date/session", e.g. "17/2025-09-04/AM"."""
    return f"{pupil_id}/{day.isoformat()}/{session}"


def _audit(result: MarksWritten, source: int) -> None:
    from safewell.audit.services import audit_bulk

    for action, changes in (("create", result.created), ("update", result.changed)):
        if not changes:
            continue
        targets = []
        details = []
        for change in changes:
            targets.append(_MarkAuditTarget(mark_audit_id(*change.key)))
            details.append(
                {
                    "code": [change.old_code, change.new_code],
                    "minutes_late": [change.old_minutes_late, change.new_minutes_late],
                }
            )
        audit_bulk(action=action, targets=targets, changes=details, detail=MarkSource(source).label)


# --- The session store -------------------------------------------------------------------------


def _stores_locked(
    pairs: set[tuple[int, int]], mark_years: dict[int, AcademicYear]
) -> dict[tuple[int, int], SessionStore]:
    """The stores of (pupil, academic year) pairs, created if missing, locked for update.

    Rows are locked in pupil order, so two registers that share pupils wait for each
    other, never deadlock; a pupil's first store of the year is created (ignoring one a
    concurrent writer just made) and then locked the same way. This is the register
    submission's hot path (docs/benchmarks.md), so it is plain SQL: building, comparing and
    bulk-updating 30 model instances through the ORM cost several times the SQL itself.
    """
    if not pairs:
        return {}
    years = {y.id: y for y in mark_years.values()}
    rows = _stores_select_for_update(pairs)
    missing = pairs - rows.keys()
    if missing:
        SessionStore.objects.bulk_create(
            [
                SessionStore(pupil_id=p, academic_year_id=y, marks=empty_store(year_sessions(years[y])))
                for p, y in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        rows = _stores_select_for_update(pairs)
    return {
        key: SessionStore(id=row_id, pupil_id=key[0], academic_year=years[key[1]], marks=marks)
        for key, (row_id, marks) in rows.items()
    }


def _stores_select_for_update(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, bytes]]:
    """{(pupil, year): (row id, marks)} of the stores that exist, locked in pupil order."""
    pupil_ids = sorted({p for p, _ in pairs})
    year_ids = sorted({y for _, y in pairs})
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT id, pupil_id, academic_year_id, marks FROM {SessionStore._meta.db_table} "
        f"WHERE pupil_id IN ({', '.join(['%s'] * len(pupil_ids))}) "
        f"AND academic_year_id IN ({', '.join(['%s'] * len(year_ids))}) "
        f"ORDER BY pupil_id, academic_year_id{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*pupil_ids, *year_ids])
        found = cursor.fetchall()
    return {(p, y): (row_id, marks) for row_id, p, y, marks in found if (p, y) in pairs}


def _stores_update(
    stores: dict[tuple[int, int], SessionStore], updates: dict[tuple[int, int], list[tuple[dt.date, str, str]]]
) -> None:
    rows = []
    for key, marks in sorted(updates.items()):
        store = stores[key]
        store.marks = _applied(store, marks)
        rows.append((store.marks, store.id))
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {SessionStore._meta.db_table} SET marks = %s WHERE id = %s", rows)


def _applied(store: SessionStore, marks: Iterable[tuple[dt.date, str, str]]) -> bytes:
    year = year_sessions(store.academic_year)
    data = bytearray(store.marks) if store.marks else bytearray(len(year))
    if len(data) != len(year):
        # The year's dates changed after marks were stored (calendar.AcademicYear says its
        # bounds should not): the store no longer lines up. Rebuild it from the marks.
        raise ValueError(
            f"the session store of pupil {store.pupil_id} for {year.name} has {len(data)} "
            f"sessions, not {len(year)}: run `safewell rebuild_session_store --year {year.name}`"
        )
    for day, session, code in marks:
        data[year.session_index(day, session)] = CODE_TO_BYTE[code]
    return bytes(data)


def session_store_apply(
    *, pupil_id: int, academic_year: AcademicYear, marks: Iterable[tuple[dt.date, str, str]]
) -> SessionStore:
    """Put `marks` ((date, session, code) triples) into the pupil's store for the year.

    Must run inside the transaction that writes those marks (design.md principle 8), so
    the store can never disagree with the marks; `mark_write` does this for every write.
    """
    if not connection.in_atomic_block:
        raise RuntimeError(NOT_IN_TRANSACTION)
    stores = _stores_locked({(pupil_id, academic_year.id)}, {0: academic_year})
    key = (pupil_id, academic_year.id)
    _stores_update(stores, {key: list(marks)})
    return stores[key]


# --- Loading the store for the rules engine -----------------------------------------------------


@dataclass(frozen=True)
class SessionMatrix:
    """A year's session stores: row i is pupil `pupil_ids[i]` (ascending), column j is
    session j of `year` (YearSessions.session_at(j)); values are store bytes."""

    year: YearSessions
    pupil_ids: np.ndarray  # int64
    marks: np.ndarray  # uint8, (pupils, sessions)

    def row(self, pupil_id: int) -> np.ndarray:
        i = int(np.searchsorted(self.pupil_ids, pupil_id))
        if i >= len(self.pupil_ids) or self.pupil_ids[i] != pupil_id:
            raise KeyError(pupil_id)
        return self.marks[i]


def session_store_load(*, academic_year: AcademicYear, site_id: int | None = None) -> SessionMatrix:
    """Every session store of the year (only the pupils now at `site_id`, if given) as one
    uint8 matrix. One query; the bytes are joined and viewed, never decoded one by one."""
    year = year_sessions(academic_year)
    sql = f"SELECT s.pupil_id, s.marks FROM {SessionStore._meta.db_table} s"
    params: list = [academic_year.id]
    if site_id is not None:
        from safewell.pupils.models import Pupil

        sql += f" JOIN {Pupil._meta.db_table} p ON p.id = s.pupil_id"
    sql += " WHERE s.academic_year_id = %s"
    if site_id is not None:
        sql += " AND p.site_id = %s"
        params.append(site_id)
    return _matrix(year, sql, params)


def session_store_load_by_name(*, year_name: str) -> SessionMatrix:
    """The session stores of every organisation's academic year called `year_name` (e.g.
    "2025/26"), as one matrix: for the nightly full evaluation across organisations. The
    years must share their dates, so that one session index fits them all."""
    years = list(
        AcademicYear.objects.filter(name=year_name).order_by().values_list("starts_on", "ends_on").distinct()
    )
    if not years:
        raise AcademicYear.DoesNotExist(f"no academic year is called {year_name!r}")
    if len(years) > 1:
        raise ValueError(
            f"the academic years called {year_name} do not all have the same dates; "
            "load them one at a time with session_store_load"
        )
    year = YearSessions(year_name, *years[0])
    sql = (
        f"SELECT s.pupil_id, s.marks FROM {SessionStore._meta.db_table} s "
        f"JOIN {AcademicYear._meta.db_table} y ON y.id = s.academic_year_id "
        "WHERE y.name = %s"
    )
    return _matrix(year, sql, [year_name])


def _matrix(year: YearSessions, sql: str, params: list) -> SessionMatrix:
    """The (pupil_id, marks) rows of `sql` as a SessionMatrix."""
    if connection.vendor == "postgresql":
        found = _matrix_by_binary_copy(year, sql, params)
        if found is not None:
            return found
    return _matrix_of_rows(year, _fetch_binary(sql, params))


# PostgreSQL's binary COPY: a 19-byte header, then per row a field count (int16) and each
# field as its length (int32) and bytes, big-endian; a 2-byte trailer.
_COPY_HEADER, _COPY_TRAILER = 19, 2


def _matrix_by_binary_copy(year: YearSessions, sql: str, params: list) -> SessionMatrix | None:
    """Read the stores with COPY … (FORMAT binary): with every store the same length each
    row has the same layout, so numpy views the whole stream as one structured array and no
    Python object is made per pupil (1M pupils: seconds, not tens of seconds). None if a
    store has another length (then the slow path names the problem)."""
    length = len(year)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        query = cursor.mogrify(sql, params)
        data = bytearray()
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
            for block in copy:
                data += block
    body = memoryview(data)[_COPY_HEADER : len(data) - _COPY_TRAILER]
    row = np.dtype([("fields", ">i2"), ("id_length", ">i4"), ("id", ">i8"), ("length", ">i4"), ("marks", "u1", (length,))])
    if len(body) % row.itemsize:
        return None
    rows = np.frombuffer(body, dtype=row)
    if len(rows) and not ((rows["id_length"] == 8).all() and (rows["length"] == length).all()):
        return None
    ids = rows["id"].astype(np.int64)
    # Sorting here, not in SQL: PostgreSQL would sort the whole stream (a million rows of
    # half a kilobyte) before sending the first byte.
    order = np.argsort(ids, kind="stable")
    return SessionMatrix(year=year, pupil_ids=ids[order], marks=rows["marks"][order])


def _matrix_of_rows(year: YearSessions, rows: list[tuple]) -> SessionMatrix:
    rows = sorted(rows, key=lambda row: row[0])
    length = len(year)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    blobs = [bytes(r[1]) for r in rows]
    if any(len(b) != length for b in blobs):
        raise ValueError(
            f"some session stores of {year.name} are not {length} bytes long: run "
            f"`safewell rebuild_session_store --year {year.name}`"
        )
    matrix = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(rows), length)
    return SessionMatrix(year=year, pupil_ids=ids, marks=matrix)


def _fetch_binary(sql: str, params: list) -> list[tuple]:
    """Rows of `sql`; on PostgreSQL through a binary cursor, so bytea arrives as raw bytes
    rather than hex text (half the bytes on the wire and no decoding)."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        # Django's connections make client-side cursors, which cannot return binary.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, binary=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- Rebuilding the store from the marks ---------------------------------------------------------


def _code_case_sql(column: str) -> str:
    """SQL turning a code into its store byte (the catalogue as a CASE expression)."""
    arms = " ".join(
        f"WHEN '{c.code.replace(chr(39), chr(39) * 2)}' THEN {c.store_byte}" for c in codes.ALL_CODES
    )
    return f"CASE {column} {arms} ELSE 0 END"


def _marks_of_year(academic_year: AcademicYear) -> Iterator[np.ndarray]:
    """The year's marks of the organisation's pupils, as int64 arrays of rows
    (pupil_id, days since the year's start, is_pm, store byte), in chunks."""
    from safewell.pupils.models import Pupil

    if connection.vendor == "postgresql":
        days = "(m.date - %s::date)"
    else:
        days = "CAST(julianday(m.date) - julianday(%s) AS INTEGER)"
    sql = (
        f"SELECT m.pupil_id, {days}, CASE WHEN m.session = 'PM' THEN 1 ELSE 0 END, "
        f"{_code_case_sql('m.code')} "
        f"FROM {Mark._meta.db_table} m JOIN {Pupil._meta.db_table} p ON p.id = m.pupil_id "
        "WHERE p.organisation_id = %s AND m.date >= %s AND m.date <= %s"
    )
    params = [academic_year.starts_on, academic_year.organisation_id, academic_year.starts_on, academic_year.ends_on]
    if connection.vendor == "postgresql":
        yield from _copy_out_int_rows(sql, params)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(500_000):
            yield np.array(rows, dtype=np.int64).reshape(-1, 4)


def _copy_out_int_rows(sql: str, params: list) -> Iterator[np.ndarray]:
    """PostgreSQL: stream a query of integer columns with COPY (far faster than fetching
    tuples), parsed by numpy in chunks of whole lines."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        query = cursor.mogrify(sql, params)
        with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
            pending = b""
            buffer = io.BytesIO()
            for block in copy:
                buffer.write(block)
                if buffer.tell() > 32 << 20:
                    data = pending + buffer.getvalue()
                    cut = data.rfind(b"\n") + 1
                    pending = data[cut:]
                    yield _parse_tab_ints(data[:cut])
                    buffer = io.BytesIO()
            data = pending + buffer.getvalue()
            if data:
                yield _parse_tab_ints(data)


def _parse_tab_ints(data: bytes) -> np.ndarray:
    import polars as pl

    frame = pl.read_csv(
        io.BytesIO(data), separator="\t", has_header=False, schema={f"c{i}": pl.Int64 for i in range(4)}
    )
    return frame.to_numpy().reshape(-1, 4)


def session_store_matrix_from_marks(academic_year: AcademicYear) -> SessionMatrix:
    """What the year's stores must hold, computed from the marks alone."""
    year = year_sessions(academic_year)
    chunks = list(_marks_of_year(academic_year))
    rows = np.concatenate(chunks) if chunks else np.zeros((0, 4), dtype=np.int64)
    pupil_ids = np.unique(rows[:, 0])
    matrix = np.zeros((len(pupil_ids), len(year)), dtype=np.uint8)
    if len(rows):
        dates = np.datetime64(academic_year.starts_on, "D") + rows[:, 1]
        columns = session_indexes(year, dates, rows[:, 2])
        matrix[np.searchsorted(pupil_ids, rows[:, 0]), columns] = rows[:, 3]
    return SessionMatrix(year=year, pupil_ids=pupil_ids, marks=matrix)


@dataclass(frozen=True)
class StoreDifference:
    pupil_id: int
    session_index: int
    in_store: int
    from_marks: int


def session_store_differences(academic_year: AcademicYear, *, limit: int = 100) -> list[StoreDifference]:
    """Where the stored session stores disagree with the marks (empty when they agree).
    A pupil with marks but no store row counts as a store of zeros."""
    expected = session_store_matrix_from_marks(academic_year)
    stored = session_store_load(academic_year=academic_year)
    ids = np.union1d(expected.pupil_ids, stored.pupil_ids)
    length = len(expected.year)
    a = np.zeros((len(ids), length), dtype=np.uint8)
    b = np.zeros((len(ids), length), dtype=np.uint8)
    a[np.searchsorted(ids, stored.pupil_ids)] = stored.marks
    b[np.searchsorted(ids, expected.pupil_ids)] = expected.marks
    rows, cols = np.nonzero(a != b)
    return [
        StoreDifference(int(ids[r]), int(c), int(a[r, c]), int(b[r, c]))
        for r, c in zip(rows[:limit], cols[:limit])
    ]


def session_store_rebuild(*, academic_year: AcademicYear) -> int:
    """Replace the year's session stores with ones computed from the marks, in one
    transaction. Returns the number of stores written."""
    with transaction.atomic():
        matrix = session_store_matrix_from_marks(academic_year)
        SessionStore.objects.filter(academic_year=academic_year).delete()
        session_stores_write(academic_year_id=academic_year.id, pupil_ids=matrix.pupil_ids, marks=matrix.marks)
    return len(matrix.pupil_ids)


def session_stores_write(*, academic_year_id: int, pupil_ids: np.ndarray, marks: np.ndarray) -> None:
    """Insert new store rows in bulk (COPY on PostgreSQL, executemany on SQLite). The
    caller makes sure none exists yet for these pupils and year."""
    table = SessionStore._meta.db_table
    rows = ((int(p), academic_year_id, marks[i].tobytes()) for i, p in enumerate(pupil_ids))
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} (pupil_id, academic_year_id, marks) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (pupil_id, academic_year_id, marks) VALUES (%s, %s, %s)", list(rows)
        )


__all__ = [
    "MarkInput",
    "MarkProblem",
    "MarksRejected",
    "MarksWritten",
    "OutsideCalendar",
    "SessionMatrix",
    "empty_store",
    "encode",
    "decode",
    "mark_write",
    "session_store_apply",
    "session_store_load",
    "session_store_load_by_name",
    "session_store_rebuild",
    "session_store_differences",
    "session_store_matrix_from_marks",
    "session_stores_write",
    "year_sessions",
]
