"""Attendance summaries, counted the way the DfE counts them (statutory.md §2).

Every figure is **per enrolment, over a stated period**: a pupil who moved site counts once
at each site (statutory.md §2 [S], FFT Education Datalab on per-enrolment statistics), and
the period travels with every result (`Period`), so no page or API can show a persistent
or severe absence figure without it (statutory.md §2, "Software rules").

What each session counts as comes from the code catalogue (attendance/codes.py, where each
code cites its source and certainty), turned into lookup tables over the store bytes:

- **possible sessions**: the codes with `is_possible`: present, approved educational
  activity, authorised and unauthorised absence. D, X, Q, Y1-Y7, Z and # are not possible
  sessions (statutory.md §1 "Software rules" [S]; WTTISA's own table not read).
- **present** is / \\ and L (reg 10(2) Table 1 [C]: L "attends before the taking of the
  register has ended"). **Approved educational activity** (K V P W B) counts as
  attendance (reg 10(3) Table 2 [C] for K V P; W and B [S]).
- **overall absence** = authorised + unauthorised; its rate is over the enrolment's own
  possible sessions (statutory.md §2 table [S], DfE methodology [C] for the definition).
- **attendance rate** = attended ÷ possible sessions, i.e. 100 - overall absence rate
  (statutory.md §2 [U], follows from the definitions).
- **persistent absence**: overall absence ≥ 10% of possible sessions (statutory.md §2 [S],
  The Key citing the DfE guide para 3.2.2); **severe absence**: ≥ 50% (statutory.md §2 [S],
  egfl; the DfE methodology names it [C] but we did not see its definition). Both are
  compared in whole numbers (100 × absent ≥ 10 × possible), so exactly 10.0% is persistent
  absence and no rounding can flip a flag.
- A session with **no mark yet** (store byte 0) on a day the site meant to meet is counted
  separately as `no_mark`, never as present or absent. With no possible sessions, rates and
  flags are None and the result says "No possible sessions in this period".

**Year to date**, as the DfE's Monitor your school attendance counts it (statutory.md §2
and §6 [C], its user guide): from the start of the academic year to the day asked about,
from each pupil's admission date, with leavers counted up to and including their leaving
date. Every period is clipped the same way (an enrolment counts from its admission date to
its leaving date), so year to date is simply the period "start of the year → as of".
Sessions after `today` are never counted: they have not happened.

Speed (design.md principle 8): the counts come from the compact session store, one numpy
uint8 row per pupil and academic year, never from the mark rows. A site of 1,000 pupils ×
a year is one query and a few milliseconds of numpy (`count_sessions`). Only a pupil whose
store is missing or the wrong length is read from the marks (`_year_matrix`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from safewell.attendance import codes
from safewell.attendance.codes import Category

PERIOD = "period"
YEAR_TO_DATE = "ytd"
MODES = (PERIOD, YEAR_TO_DATE)

# statutory.md §2 [S]: The Key, citing the DfE guide para 3.2.2 (threshold since 2015/16).
PERSISTENT_ABSENCE_PERCENT = 10
# statutory.md §2 [S]: egfl ("Severely Absent"); DfE methodology names it [C], definition unseen.
SEVERE_ABSENCE_PERCENT = 50

NO_POSSIBLE_SESSIONS = "No possible sessions in this period"
PERIOD_ENDS_BEFORE_START = "The period ends on {end:%-d %B %Y}, before it starts on {start:%-d %B %Y}."
NO_MARK_LABEL = "No mark yet"

# The store's byte values run 0..MAX_STORE_BYTE; 0 is "no mark".
_BYTES = codes.MAX_STORE_BYTE + 1
CATEGORIES: tuple[Category, ...] = tuple(Category)
_CATEGORY_INDEX = {category: i for i, category in enumerate(CATEGORIES)}
# The counting categories: every possible session is in exactly one of these.
_POSSIBLE_CATEGORIES = (
    Category.PRESENT,
    Category.APPROVED_EDUCATIONAL_ACTIVITY,
    Category.AUTHORISED,
    Category.UNAUTHORISED,
)
assert all(
    (c.category in _POSSIBLE_CATEGORIES) == c.is_possible for c in codes.ALL_CODES
), "the catalogue's possible-session flag must agree with its categories"


def _lookup(predicate: Callable[[codes.AttendanceCode], object], dtype=np.int64) -> np.ndarray:
    return np.array(codes.byte_table(predicate), dtype=dtype)


# store byte → 1 where the code is a possible session (0 for "no mark" and unused bytes).
IS_POSSIBLE_BYTE = _lookup(lambda c: c.is_possible)
# store byte → one-hot over CATEGORIES, so counts by category = counts by byte @ this.
CATEGORY_OF_BYTE = np.stack(
    [_lookup(lambda c, cat=cat: c.category == cat) for cat in CATEGORIES], axis=1
)
# store byte → code text ("" for 0), and catalogue order for listing counts by code.
def _code_text(value: int) -> str:
    try:
        found = codes.by_byte(value)
    except ValueError:  # a byte no code uses (yet)
        return ""
    return found.code if found else ""


CODE_OF_BYTE: tuple[str, ...] = tuple(_code_text(b) for b in range(_BYTES))
_CATALOGUE_ORDER = tuple(c.store_byte for c in codes.ALL_CODES)


# --- Periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The dates a summary covers, both included. `academic_year` names the year of a
    year-to-date period (or of a whole-year period) for the label."""

    start: dt.date
    end: dt.date
    mode: str = PERIOD
    academic_year: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(PERIOD_ENDS_BEFORE_START.format(start=self.start, end=self.end))
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {self.mode!r}")

    def counted_to(self, today: dt.date) -> dt.date:
        """The last day counted: the period's end, or today if the period runs on past it."""
        return min(self.end, today)

    @property
    def label(self) -> str:
        dates = f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        if self.mode == YEAR_TO_DATE:
            return f"{self.academic_year} year to date, {dates}"
        return f"{self.academic_year}, {dates}" if self.academic_year else dates


def dfe_year_start(day: dt.date) -> dt.date:
    """1 August of the school year containing `day`: the DfE's statistical year starts on
    1 August (statutory.md §2 [C], DfE methodology §4.1: autumn term is 1 Aug – 31 Dec)."""
    return dt.date(day.year if day.month >= 8 else day.year - 1, 8, 1)


def year_to_date(*, organisation_id: int, as_of: dt.date) -> Period:
    """Year to date as of `as_of` (Monitor your school attendance, statutory.md §2 [C]):
    from the start of the organisation's academic year containing `as_of`. Without term
    dates for that day, the DfE's statistical year (from 1 August) is used; there are no
    sessions to count in it anyway."""
    from safewell.schools.models import AcademicYear

    year = (
        AcademicYear.objects.filter(organisation_id=organisation_id, starts_on__lte=as_of, ends_on__gte=as_of)
        .order_by("starts_on")
        .first()
    )
    if year is not None:
        return Period(year.starts_on, as_of, YEAR_TO_DATE, year.name)
    start = dfe_year_start(as_of)
    return Period(start, as_of, YEAR_TO_DATE, f"{start.year}/{(start.year + 1) % 100:02d}")


# --- Counts ---------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100 * part / whole


def _at_least(part: int, whole: int, percent: int) -> bool | None:
    """part/whole ≥ percent%, in whole numbers (no rounding); None when whole is 0."""
    return None if whole == 0 else 100 * part >= percent * whole


@dataclass(frozen=True)
class SessionCounts:
    """Sessions by code (and so by category) over some period, plus the sessions that have
    no mark yet. `by_byte[b]` is the number of sessions with store byte b (index 0 unused)."""

    by_byte: tuple[int, ...]
    no_mark: int = 0

    @classmethod
    def from_array(cls, counts: np.ndarray, no_mark: int = 0) -> SessionCounts:
        values = [int(v) for v in counts]
        values[0] = 0
        return cls(tuple(values), int(no_mark))

    @classmethod
    def from_codes(cls, marks: Iterable[str], no_mark: int = 0) -> SessionCounts:
        counts = [0] * _BYTES
        for code in marks:
            counts[codes.by_code(code).store_byte] += 1
        return cls(tuple(counts), no_mark)

    @classmethod
    def empty(cls) -> SessionCounts:
        return cls(tuple([0] * _BYTES), 0)

    def __add__(self, other: SessionCounts) -> SessionCounts:
        return SessionCounts(tuple(a + b for a, b in zip(self.by_byte, other.by_byte)), self.no_mark + other.no_mark)

    def category(self, category: Category) -> int:
        column = CATEGORY_OF_BYTE[:, _CATEGORY_INDEX[category]]
        return int(np.dot(self.by_byte, column))

    @property
    def by_code(self) -> dict[str, int]:
        """{code: sessions} for every code used, in the catalogue's order."""
        return {CODE_OF_BYTE[b]: self.by_byte[b] for b in _CATALOGUE_ORDER if self.by_byte[b]}

    @property
    def by_category(self) -> dict[str, int]:
        return {str(category): self.category(category) for category in CATEGORIES}

    # The measures of statutory.md §2.
    @property
    def present(self) -> int:
        return self.category(Category.PRESENT)

    @property
    def approved_educational_activity(self) -> int:
        return self.category(Category.APPROVED_EDUCATIONAL_ACTIVITY)

    @property
    def authorised_absence(self) -> int:
        return self.category(Category.AUTHORISED)

    @property
    def unauthorised_absence(self) -> int:
        return self.category(Category.UNAUTHORISED)

    @property
    def not_possible(self) -> int:
        return self.category(Category.NOT_POSSIBLE)

    @property
    def administrative(self) -> int:
        return self.category(Category.ADMINISTRATIVE)

    @property
    def possible_sessions(self) -> int:
        return int(np.dot(self.by_byte, IS_POSSIBLE_BYTE))

    @property
    def attended(self) -> int:
        """Present (incl. L) or at an approved educational activity: counts as attendance."""
        return self.present + self.approved_educational_activity

    @property
    def overall_absence(self) -> int:
        return self.authorised_absence + self.unauthorised_absence

    @property
    def has_possible_sessions(self) -> bool:
        return self.possible_sessions > 0

    @property
    def note(self) -> str:
        return "" if self.has_possible_sessions else NO_POSSIBLE_SESSIONS

    @property
    def attendance_rate(self) -> float | None:
        return _percent(self.attended, self.possible_sessions)

    @property
    def overall_absence_rate(self) -> float | None:
        return _percent(self.overall_absence, self.possible_sessions)

    @property
    def authorised_absence_rate(self) -> float | None:
        return _percent(self.authorised_absence, self.possible_sessions)

    @property
    def unauthorised_absence_rate(self) -> float | None:
        return _percent(self.unauthorised_absence, self.possible_sessions)

    @property
    def persistent_absence(self) -> bool | None:
        return _at_least(self.overall_absence, self.possible_sessions, PERSISTENT_ABSENCE_PERCENT)

    @property
    def severe_absence(self) -> bool | None:
        return _at_least(self.overall_absence, self.possible_sessions, SEVERE_ABSENCE_PERCENT)


# --- The vectorised count ----------------------------------------------------------------------

# Enrolments counted per numpy batch: bounds the temporary arrays (8 bytes × sessions each).
_BATCH = 4096


def count_sessions(
    marks: np.ndarray, first: np.ndarray, stop: np.ndarray, scheduled: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Counts by store byte, per row of `marks`, over columns [first[i], stop[i]).

    `marks` is (rows × sessions) uint8 store bytes; `scheduled` is a boolean array of the
    same shape, True where the site meant to hold the session (so an empty byte there is
    "no mark yet", and an empty byte on a holiday is nothing at all). Returns (counts by
    byte (rows × (MAX_STORE_BYTE + 1), column 0 zeroed), no-mark counts (rows)).
    """
    rows, sessions = marks.shape
    if marks.size and int(marks.max()) >= _BYTES:
        # It would be counted in the next row's columns; a store never holds one.
        raise ValueError(f"store byte {int(marks.max())} is no attendance code's (at most {_BYTES - 1})")
    columns = np.arange(sessions)
    in_range = (columns >= first[:, None]) & (columns < stop[:, None])
    keys = marks.astype(np.int64) + (np.arange(rows, dtype=np.int64) * _BYTES)[:, None]
    counts = np.bincount(keys[in_range], minlength=rows * _BYTES).reshape(rows, _BYTES)
    counts[:, 0] = 0
    no_mark = np.count_nonzero(in_range & scheduled & (marks == codes.NO_MARK_BYTE), axis=1)
    return counts, no_mark


def _session_bounds(year_start: dt.date, year_end: dt.date, first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Session-index bounds [lo, hi) of the dates first..last (both included) within one
    academic year. The index counts weekdays from the year's first day (calendar.YearSessions),
    so a date's first session is 2 × the weekdays before it."""
    start = np.datetime64(year_start, "D")
    after_end = np.datetime64(year_end + dt.timedelta(days=1), "D")
    lo_day = np.clip(first.astype("datetime64[D]"), start, after_end)
    hi_day = np.clip(last.astype("datetime64[D]") + np.timedelta64(1, "D"), start, after_end)
    lo = 2 * np.busday_count(start, lo_day)
    hi = 2 * np.busday_count(start, hi_day)
    return lo, np.maximum(hi, lo)


# --- Reading the session store -------------------------------------------------------------------

_IDS_PER_QUERY = 5000


def _chunks(values: Sequence[int], size: int = _IDS_PER_QUERY) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def year_matrix(academic_year, pupil_ids: Sequence[int]) -> np.ndarray:
    """The session-store rows of `pupil_ids` (in that order) for one academic year, as a
    uint8 matrix (pupils × the year's session index).

    `store.session_store_load` reads a whole year or the pupils *now* at a site; a summary
    needs exactly the pupils enrolled over a period (a leaver or a pupil who moved site
    included), so it reads by pupil. A pupil with no store row, or one of the wrong length
    (term dates changed after marks were stored), is read from the mark rows instead: the
    marks are the source of truth (design.md principle 8).
    """
    from safewell.attendance.models import SessionStore
    from safewell.attendance.store import year_sessions

    year = year_sessions(academic_year)
    length = len(year)
    matrix = np.zeros((len(pupil_ids), length), dtype=np.uint8)
    position = {pupil_id: i for i, pupil_id in enumerate(pupil_ids)}
    loaded: set[int] = set()
    for chunk in _chunks(list(position)):
        stores = SessionStore.objects.filter(academic_year=academic_year, pupil_id__in=chunk)
        for pupil_id, blob in stores.values_list("pupil_id", "marks"):
            data = bytes(blob)
            if len(data) == length:
                matrix[position[pupil_id]] = np.frombuffer(data, dtype=np.uint8)
                loaded.add(pupil_id)
    unloaded = [p for p in position if p not in loaded]
    if unloaded:
        _fill_from_marks(matrix, position, year, unloaded)
    return matrix


def _fill_from_marks(matrix: np.ndarray, position: Mapping[int, int], year, pupil_ids: Sequence[int]) -> None:
    from safewell.attendance.models import Mark
    from safewell.attendance.store import CODE_TO_BYTE

    for chunk in _chunks(pupil_ids):
        rows = Mark.objects.filter(pupil_id__in=chunk, date__gte=year.starts_on, date__lte=year.ends_on)
        for pupil_id, day, session, code in rows.values_list("pupil_id", "date", "session", "code"):
            matrix[position[pupil_id], year.session_index(day, session)] = CODE_TO_BYTE[code]


def scheduled_masks(academic_year, site_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """{site id: boolean mask over the year's session index, True where the site meant to
    hold a session} (SchoolCalendar: open sessions and Y4 ones)."""
    from safewell.schools.calendar import SchoolCalendar
    from safewell.schools.models import Site

    sites = Site.objects.in_bulk(list(set(site_ids)))
    return {
        site_id: SchoolCalendar.for_academic_year(site, academic_year).scheduled_session_mask(academic_year.name)
        for site_id, site in sites.items()
    }


# --- Enrolments and their summaries ---------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentRow:
    """What a summary needs of an enrolment and its pupil, from one query."""

    enrolment_id: int
    pupil_id: int
    pupil_name: str
    organisation_id: int
    site_id: int
    site_code: str
    site_name: str
    admission_date: dt.date
    leaving_date: dt.date | None
    dual_registration: str
    year_group: str
    registration_group_id: int | None
    registration_group_name: str


_ROW_FIELDS = (
    "id", "pupil_id", "pupil__legal_forename", "pupil__legal_surname", "pupil__preferred_forename",
    "pupil__preferred_surname", "organisation_id", "site_id", "site__code", "site__name",
    "admission_date", "leaving_date", "dual_registration", "pupil__year_group",
    "pupil__registration_group_id", "pupil__registration_group__name",
)


def enrolment_rows(enrolments) -> list[EnrolmentRow]:
    """EnrolmentRows of an Enrolment queryset, in pupil then admission order."""
    rows = []
    for (enrolment_id, pupil_id, legal_forename, legal_surname, preferred_forename, preferred_surname,
         organisation_id, site_id, site_code, site_name, admission_date, leaving_date, dual_registration,
         year_group, group_id, group_name) in enrolments.order_by("pupil_id", "admission_date").values_list(*_ROW_FIELDS):
        name = f"{preferred_forename or legal_forename} {preferred_surname or legal_surname}"
        rows.append(EnrolmentRow(
            enrolment_id, pupil_id, name, organisation_id, site_id, site_code, site_name, admission_date,
            leaving_date, dual_registration, year_group, group_id, group_name or "",
        ))
    return rows


def enrolment_rows_of_pupil(pupil_id: int) -> list[EnrolmentRow]:
    from safewell.pupils.models import Enrolment

    return enrolment_rows(Enrolment.objects.filter(pupil_id=pupil_id))


def enrolments_overlapping(queryset, period: Period):
    """Enrolments on roll for at least one day of the period."""
    return queryset.filter(admission_date__lte=period.end).exclude(leaving_date__lt=period.start)


@dataclass(frozen=True)
class EnrolmentSummary:
    """One enrolment's figures over `period`, counted from `counted_from` to `counted_to`
    (the period clipped to the admission and leaving dates and to today; None when the
    enrolment has no day in the period)."""

    period: Period
    enrolment: EnrolmentRow
    counted_from: dt.date | None
    counted_to: dt.date | None
    sessions: SessionCounts


@dataclass(frozen=True)
class GroupSummary:
    """The enrolments of one group (a site, a year group, a characteristic…) over `period`.

    Session counts and rates are over the group's sessions together (the DfE's school-level
    rates: all absence ÷ all possible sessions). `persistent_absentees` counts enrolments,
    each judged on its own possible sessions (statutory.md §2 [S]); the persistent absence
    rate is their share of the enrolments with at least one possible session [U: the DfE
    methodology's exact denominator was not read]."""

    period: Period
    by: str
    key: str
    label: str
    enrolments: int
    enrolments_with_possible_sessions: int
    persistent_absentees: int
    severe_absentees: int
    sessions: SessionCounts

    @property
    def persistent_absence_rate(self) -> float | None:
        return _percent(self.persistent_absentees, self.enrolments_with_possible_sessions)

    @property
    def severe_absence_rate(self) -> float | None:
        return _percent(self.severe_absentees, self.enrolments_with_possible_sessions)


GROUP_DIMENSIONS = ("pupil", "registration_group", "year_group", "site", "characteristic")
NO_REGISTRATION_GROUP = "No registration group"
NO_CHARACTERISTIC = "None of these characteristics recorded"
ALL_ENROLMENTS = "All enrolments"


@dataclass
class Summaries:
    """The counts of many enrolments over one period, as arrays (row i is `rows[i]`)."""

    period: Period
    today: dt.date
    rows: list[EnrolmentRow]
    counted_from: list[dt.date | None]
    counted_to: list[dt.date | None]
    by_byte: np.ndarray  # (enrolments × bytes) int64
    no_mark: np.ndarray  # (enrolments,) int64

    def __len__(self) -> int:
        return len(self.rows)

    def enrolment(self, i: int) -> EnrolmentSummary:
        return EnrolmentSummary(
            self.period, self.rows[i], self.counted_from[i], self.counted_to[i],
            SessionCounts.from_array(self.by_byte[i], self.no_mark[i]),
        )

    def enrolments(self) -> list[EnrolmentSummary]:
        return [self.enrolment(i) for i in range(len(self))]

    def _flags(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        possible = self.by_byte @ IS_POSSIBLE_BYTE
        categories = self.by_byte @ CATEGORY_OF_BYTE
        absent = (
            categories[:, _CATEGORY_INDEX[Category.AUTHORISED]]
            + categories[:, _CATEGORY_INDEX[Category.UNAUTHORISED]]
        )
        has_possible = possible > 0
        persistent = has_possible & (100 * absent >= PERSISTENT_ABSENCE_PERCENT * possible)
        severe = has_possible & (100 * absent >= SEVERE_ABSENCE_PERCENT * possible)
        return has_possible, persistent, severe

    def total(self, label: str = ALL_ENROLMENTS) -> GroupSummary:
        return self.grouped("all", [(i, "all", label) for i in range(len(self))], keep_empty=True)[0]

    def by(self, dimension: str, *, characteristics: Mapping[int, Iterable[str]] | None = None,
           characteristic_labels: Mapping[str, str] | None = None) -> list[GroupSummary]:
        """One GroupSummary per pupil, registration group, year group, site or
        characteristic. For characteristics, pass {enrolment id: kinds held} (already limited
        to what the reader may see); an enrolment is in the group of each kind it holds,
        or in "none of these". `characteristics` is keyed by enrolment id, because what a
        reader may see depends on the enrolment's site."""
        if dimension not in GROUP_DIMENSIONS:
            raise ValueError(f"cannot group by {dimension!r}: use one of {GROUP_DIMENSIONS}")
        members = list(self._memberships(dimension, characteristics or {}, characteristic_labels or {}))
        return self.grouped(dimension, members)

    def _memberships(self, dimension: str, characteristics: Mapping[int, Iterable[str]],
                     labels: Mapping[str, str]) -> Iterable[tuple[int, str, str]]:
        from safewell.pupils.models import YearGroup

        for i, row in enumerate(self.rows):
            if dimension == "pupil":
                yield i, str(row.pupil_id), row.pupil_name
            elif dimension == "registration_group":
                key = str(row.registration_group_id or "")
                yield i, key, row.registration_group_name or NO_REGISTRATION_GROUP
            elif dimension == "year_group":
                yield i, row.year_group, YearGroup(row.year_group).label
            elif dimension == "site":
                yield i, row.site_code, row.site_name
            else:
                kinds = sorted(characteristics.get(row.enrolment_id, ()))
                for kind in kinds:
                    yield i, kind, labels.get(kind, kind)
                if not kinds:
                    yield i, "none", NO_CHARACTERISTIC

    def grouped(self, dimension: str, members: Sequence[tuple[int, str, str]], *, keep_empty: bool = False) -> list[GroupSummary]:
        """GroupSummaries from (enrolment index, group key, group label) memberships."""
        keys: dict[str, int] = {}
        labels: list[str] = []
        group_of = np.empty(len(members), dtype=np.int64)
        enrolment_of = np.empty(len(members), dtype=np.int64)
        for n, (i, key, label) in enumerate(members):
            if key not in keys:
                keys[key] = len(labels)
                labels.append(label)
            group_of[n], enrolment_of[n] = keys[key], i
        if not keys and keep_empty:
            keys, labels = {"all": 0}, [ALL_ENROLMENTS]
        groups = len(labels)
        has_possible, persistent, severe = self._flags()
        by_byte = np.zeros((groups, _BYTES), dtype=np.int64)
        np.add.at(by_byte, group_of, self.by_byte[enrolment_of])
        totals = {
            name: np.bincount(group_of, weights=values[enrolment_of], minlength=groups).astype(np.int64)
            for name, values in (
                ("enrolments", np.ones(len(self), dtype=np.int64)),
                ("no_mark", self.no_mark),
                ("possible", has_possible.astype(np.int64)),
                ("persistent", persistent.astype(np.int64)),
                ("severe", severe.astype(np.int64)),
            )
        }
        return [
            GroupSummary(
                self.period, dimension, key, labels[g], int(totals["enrolments"][g]),
                int(totals["possible"][g]), int(totals["persistent"][g]), int(totals["severe"][g]),
                SessionCounts.from_array(by_byte[g], totals["no_mark"][g]),
            )
            for key, g in keys.items()
        ]


def summarise(rows: Sequence[EnrolmentRow], *, period: Period, today: dt.date) -> Summaries:
    """The counts of each enrolment in `rows` over `period` (clipped to its admission and
    leaving dates and to `today`), from the session stores, year by academic year."""
    from safewell.schools.models import AcademicYear

    rows = list(rows)
    last_day = period.counted_to(today)
    counted_from: list[dt.date | None] = []
    counted_to: list[dt.date | None] = []
    for row in rows:
        first = max(period.start, row.admission_date)
        last = min(last_day, row.leaving_date or last_day)
        on_roll = first <= last
        counted_from.append(first if on_roll else None)
        counted_to.append(last if on_roll else None)
    by_byte = np.zeros((len(rows), _BYTES), dtype=np.int64)
    no_mark = np.zeros(len(rows), dtype=np.int64)
    counted = [i for i in range(len(rows)) if counted_from[i] is not None]
    by_organisation: dict[int, list[int]] = defaultdict(list)
    for i in counted:
        by_organisation[rows[i].organisation_id].append(i)
    for organisation_id, indexes in by_organisation.items():
        years = AcademicYear.objects.filter(
            organisation_id=organisation_id, starts_on__lte=last_day, ends_on__gte=period.start
        )
        for academic_year in years:
            _count_year(academic_year, rows, indexes, counted_from, counted_to, by_byte, no_mark)
    return Summaries(period, today, rows, counted_from, counted_to, by_byte, no_mark)


def _count_year(academic_year, rows, indexes, counted_from, counted_to, by_byte, no_mark) -> None:
    pupil_ids = sorted({rows[i].pupil_id for i in indexes})
    matrix = year_matrix(academic_year, pupil_ids)
    masks = scheduled_masks(academic_year, (rows[i].site_id for i in indexes))
    site_ids = sorted(masks)
    mask_stack = np.stack([masks[s] for s in site_ids])
    position = {pupil_id: n for n, pupil_id in enumerate(pupil_ids)}
    for start in range(0, len(indexes), _BATCH):
        batch = np.array(indexes[start : start + _BATCH], dtype=np.int64)
        firsts = np.array([counted_from[i] for i in batch], dtype="datetime64[D]")
        lasts = np.array([counted_to[i] for i in batch], dtype="datetime64[D]")
        lo, hi = _session_bounds(academic_year.starts_on, academic_year.ends_on, firsts, lasts)
        marks = matrix[[position[rows[i].pupil_id] for i in batch]]
        scheduled = mask_stack[np.searchsorted(site_ids, [rows[i].site_id for i in batch])]
        counts, missing = count_sessions(marks, lo, hi, scheduled)
        by_byte[batch] += counts
        no_mark[batch] += missing


def summarise_pupil(pupil_id: int, *, period: Period, today: dt.date) -> list[EnrolmentSummary]:
    """Each of the pupil's enrolments that overlaps `period`, with its figures."""
    from safewell.pupils.models import Enrolment

    rows = enrolment_rows(enrolments_overlapping(Enrolment.objects.filter(pupil_id=pupil_id), period))
    return summarise(rows, period=period, today=today).enrolments()


# --- Group summaries for a reader ------------------------------------------------------------------

NO_SUCH_SITE = "You have no site with the code “{code}”."
NO_SUCH_GROUP = "There is no registration group {group} at the sites you asked about."
NO_SUCH_YEAR_GROUP = "“{year_group}” is not a year group."
NO_SUCH_CHARACTERISTIC = "“{characteristic}” is not a characteristic."
NO_SUCH_DIMENSION = "Summaries can be grouped by {dimensions}, not “{by}”."
YEARS_DIFFER = (
    "Your sites' academic years start on different days: choose one site for a year-to-date summary."
)
CHARACTERISTICS_NOT_VISIBLE = "Your role at {site} does not show pupils' characteristics."
SAFEGUARDING_NOT_VISIBLE = (
    "Only the DSL team, attendance officers and pastoral staff see who is “{label}”; "
    "your role at {site} does not."
)


class SummaryRequestInvalid(ValueError):
    """A summary asked for something that does not exist: {parameter: message}."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class GroupReport:
    """A reader's summary: the filtered enrolments in total and, if asked, by a dimension.
    Characteristics are those held on `characteristics_on` (the last day counted)."""

    period: Period
    today: dt.date
    sites: list
    filters: dict[str, str]
    by: str
    total: GroupSummary
    groups: list[GroupSummary]
    characteristics_on: dt.date


def summary_sites_for_user(user, site_code: str = "") -> list:
    """The sites a summary covers: the one named (if the reader has a role there), else all
    of the reader's sites."""
    from safewell.accounts.selectors import sites_for

    sites = list(sites_for(user).order_by("organisation__name", "name"))
    if site_code:
        sites = [site for site in sites if site.code == site_code]
        if not sites:
            raise SummaryRequestInvalid({"site": NO_SUCH_SITE.format(code=site_code)})
    return sites


def year_to_date_for_sites(sites: Sequence, as_of: dt.date) -> Period:
    """Year to date for the sites' organisation(s); refused when their years differ."""
    periods = {year_to_date(organisation_id=o, as_of=as_of) for o in {s.organisation_id for s in sites}}
    if len({p.start for p in periods}) > 1:
        raise SummaryRequestInvalid({"site": YEARS_DIFFER})
    return min(periods, key=lambda p: p.academic_year) if periods else year_to_date(organisation_id=0, as_of=as_of)


def _roles_by_site(user) -> dict[int, set[str]]:
    from safewell.accounts.selectors import memberships_for

    roles: dict[int, set[str]] = defaultdict(set)
    for site_id, role in memberships_for(user).values_list("site_id", "role"):
        roles[site_id].add(role)
    return roles


def _visible_kinds(user, sites: Sequence, characteristic: str) -> frozenset[str]:
    """The characteristic kinds the reader sees at *every* site of the summary (so no group
    is silently short of another site's pupils). PermissionDenied if the reader may not see
    the one they filter by."""
    from django.core.exceptions import PermissionDenied

    from safewell.pupils.models import CharacteristicKind
    from safewell.pupils.selectors import (
        ROLES_SEEING_CHARACTERISTICS,
        ROLES_SEEING_SAFEGUARDING,
        SAFEGUARDING_CHARACTERISTICS,
    )

    roles = _roles_by_site(user)
    kinds = set(CharacteristicKind.values)
    for site in sites:
        if not roles[site.id] & ROLES_SEEING_CHARACTERISTICS:
            raise PermissionDenied(CHARACTERISTICS_NOT_VISIBLE.format(site=site.name))
        if not roles[site.id] & ROLES_SEEING_SAFEGUARDING:
            if characteristic in SAFEGUARDING_CHARACTERISTICS:
                raise PermissionDenied(SAFEGUARDING_NOT_VISIBLE.format(
                    label=CharacteristicKind(characteristic).label, site=site.name))
            kinds -= set(SAFEGUARDING_CHARACTERISTICS)
    return frozenset(kinds)


def _check_request(registration_group_id, year_group, characteristic, by, sites) -> None:
    from safewell.pupils.models import CharacteristicKind, RegistrationGroup, YearGroup

    problems = {}
    if registration_group_id is not None and not RegistrationGroup.objects.filter(
        pk=registration_group_id, site__in=sites
    ).exists():
        problems["group"] = NO_SUCH_GROUP.format(group=registration_group_id)
    if year_group and year_group not in YearGroup.values:
        problems["year_group"] = NO_SUCH_YEAR_GROUP.format(year_group=year_group)
    if characteristic and characteristic not in CharacteristicKind.values:
        problems["characteristic"] = NO_SUCH_CHARACTERISTIC.format(characteristic=characteristic)
    if by and by not in GROUP_DIMENSIONS:
        problems["by"] = NO_SUCH_DIMENSION.format(dimensions=", ".join(GROUP_DIMENSIONS), by=by)
    if problems:
        raise SummaryRequestInvalid(problems)


def summary_report_for_user(
    user,
    *,
    sites: Sequence,
    period: Period,
    today: dt.date,
    registration_group_id: int | None = None,
    year_group: str = "",
    characteristic: str = "",
    by: str = "",
) -> GroupReport:
    """The enrolments at `sites` (sites of the reader's, from `summary_sites_for_user`) of
    pupils the reader may see (pupils.selectors.pupils_visible_to), overlapping `period`,
    filtered and grouped as asked. Registration group and year group are the pupil's
    current ones (the pupils app keeps no history of them). Reading who holds a
    safeguarding characteristic is written to the audit log, as the pupil page does."""
    from safewell.pupils.models import CharacteristicKind, Enrolment
    from safewell.pupils.selectors import (
        SAFEGUARDING_CHARACTERISTICS,
        characteristic_kinds_by_pupil,
        pupils_visible_to,
    )

    _check_request(registration_group_id, year_group, characteristic, by, sites)
    enrolments = Enrolment.objects.filter(site__in=sites, pupil__in=pupils_visible_to(user).values("id"))
    enrolments = enrolments_overlapping(enrolments, period)
    if registration_group_id is not None:
        enrolments = enrolments.filter(pupil__registration_group_id=registration_group_id)
    if year_group:
        enrolments = enrolments.filter(pupil__year_group=year_group)
    rows = enrolment_rows(enrolments)
    on = period.counted_to(today)
    kinds_of: dict[int, frozenset[str]] = {}
    if characteristic or by == "characteristic":
        visible = _visible_kinds(user, sites, characteristic)
        held = characteristic_kinds_by_pupil({row.pupil_id for row in rows}, on)
        kinds_of = {row.enrolment_id: held.get(row.pupil_id, frozenset()) & visible for row in rows}
        if characteristic:
            rows = [row for row in rows if characteristic in kinds_of[row.enrolment_id]]
        safeguarding_seen = sorted({k for row in rows for k in kinds_of[row.enrolment_id]} & SAFEGUARDING_CHARACTERISTICS)
        if safeguarding_seen:
            _audit_safeguarding_summary(safeguarding_seen, sites, period)
    summaries = summarise(rows, period=period, today=today)
    filters = {
        name: str(value)
        for name, value in (
            ("site", ",".join(s.code for s in sites)), ("group", registration_group_id),
            ("year_group", year_group), ("characteristic", characteristic),
        )
        if value not in (None, "")
    }
    groups = summaries.by(by, characteristics=kinds_of, characteristic_labels=dict(CharacteristicKind.choices)) if by else []
    return GroupReport(period, today, list(sites), filters, by, summaries.total(), _sorted(groups, by), on)


def _sorted(groups: list[GroupSummary], by: str) -> list[GroupSummary]:
    from safewell.pupils.models import YearGroup

    if by == "year_group":
        order = {value: i for i, value in enumerate(YearGroup.values)}
        return sorted(groups, key=lambda g: order.get(g.key, len(order)))
    if by == "pupil":
        return sorted(groups, key=lambda g: (g.label.split(" ")[-1], g.label))
    return sorted(groups, key=lambda g: g.label)


def _audit_safeguarding_summary(kinds: Sequence[str], sites: Sequence, period: Period) -> None:
    from safewell.audit.models import Action
    from safewell.audit.services import audit_log

    audit_log(
        action=Action.READ,
        target_type="pupils.characteristic",
        target_id=",".join(kinds),
        detail=f"attendance summary by characteristic at {', '.join(s.code for s in sites)}, {period.label}",
    )


# --- Lesson attendance ------------------------------------------------------------------------------

# The pupil page shows the lessons of the last few weeks.
LESSON_WEEKS = 3


@dataclass(frozen=True)
class LessonMarkRow:
    date: dt.date
    period: str
    subject: str
    code: str
    minutes_late: int | None


def lesson_marks_recent(*, pupil_id: int, today: dt.date, weeks: int = LESSON_WEEKS) -> list[LessonMarkRow]:
    """The pupil's lesson marks (taken on the lesson registers) of the last `weeks` weeks:
    lessons dated after `today` minus `weeks` weeks, up to and including `today`, oldest
    first and in timetable order within a day. One query (the lesson_mark_pupil index)."""
    from safewell.attendance.models import LessonMark

    marks = (
        LessonMark.objects.filter(
            pupil_id=pupil_id,
            lesson_register__date__gt=today - dt.timedelta(weeks=weeks),
            lesson_register__date__lte=today,
        )
        .select_related("lesson_register__lesson__period", "lesson_register__lesson__teaching_class__subject")
        .order_by("lesson_register__date", "lesson_register__lesson__period__starts_at", "id")
    )
    return [
        LessonMarkRow(
            date=mark.lesson_register.date,
            period=mark.lesson_register.lesson.period.name,
            subject=mark.lesson_register.lesson.teaching_class.subject.name,
            code=mark.code,
            minutes_late=mark.minutes_late,
        )
        for mark in marks
    ]


def academic_year_period(academic_year, today: dt.date) -> Period:
    """The period a page shows for an academic year: year to date while the year runs,
    the whole year once it is over (or before it starts: nothing is counted yet)."""
    if academic_year.starts_on <= today <= academic_year.ends_on:
        return Period(academic_year.starts_on, today, YEAR_TO_DATE, academic_year.name)
    return Period(academic_year.starts_on, academic_year.ends_on, PERIOD, academic_year.name)


# --- Reading marks (the pupil marks API and the CSV export) ---------------------------------------

# One read covers at most a year (an academic year has 365 or 366 days).
MAX_MARK_RANGE_DAYS = 366
MARK_RANGE_TOO_LONG = "Ask for at most {days} days of marks at a time."


def marks_of_pupil(pupil_id: int, start: dt.date, end: dt.date):
    """The pupil's mark rows from `start` to `end` (both included), in date and session
    order: one range scan of the mark table's primary key (pupil, date, session)."""
    from safewell.attendance.models import Mark

    return Mark.objects.filter(pupil_id=pupil_id, date__gte=start, date__lte=end).order_by("date", "session")


def marks_at_site(user, site, start: dt.date, end: dt.date):
    """The marks from `start` to `end` of every pupil the reader may see, on the days that
    pupil was enrolled at `site` (a pupil who moved site brings only that site's marks)."""
    from django.db.models import Exists, OuterRef, Q

    from safewell.attendance.models import Mark
    from safewell.pupils.models import Enrolment
    from safewell.pupils.selectors import pupils_visible_to

    enrolled_here = Enrolment.objects.filter(
        pupil_id=OuterRef("pupil_id"), site=site, admission_date__lte=OuterRef("date")
    ).filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=OuterRef("date")))
    return Mark.objects.filter(
        Exists(enrolled_here),
        pupil__in=pupils_visible_to(user).values("id"),
        date__gte=start,
        date__lte=end,
    )
