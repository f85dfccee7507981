"""safewell generate --pupils N [--schools M] [--year 2025/26] [--seed S] [--store-only]

A synthetic population for benchmarks, tests and demos (issue 3 part 6): M schools
(primary, secondary and special in the national proportions), each an organisation with
one site, an academic year of plausible term dates with its own INSET days, registration
groups, pupils with valid UPNs, families (siblings share a surname, parents and a mix of
absence), dated characteristics, and a full year of session marks drawn by
`attendance/synthetic.py`. Every name is invented; phones are Ofcom drama numbers and
emails are @example.org.

Rows are written in bulk, not through the per-record services: COPY on PostgreSQL and
`executemany` in large transactions on SQLite. Each chunk of pupils is one transaction
that writes their marks and their session stores together (design.md principle 8). These
bulk writes send no model signals, so the audit log gets one event for the whole run.
`--store-only` writes the session stores but not the mark rows (for the 1M-pupil rules
benchmark: the mark table would be ~37 GB, figures.md §C2).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from dateutil.easter import easter
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from safewell.attendance import synthetic
from safewell.attendance.models import Mark, MarkSource, SessionStore
from safewell.attendance.store import CODE_TO_BYTE, session_stores_write, year_sessions
from safewell.pupils import upn as upns
from safewell.pupils.models import (
    Characteristic,
    CharacteristicKind,
    Contact,
    Enrolment,
    ProfessionalContact,
    ProfessionalRole,
    Pupil,
    RegistrationGroup,
    Relationship,
)
from safewell.schools.calendar import SchoolCalendar, england_bank_holidays
from safewell.schools.models import AcademicYear, Organisation, OrganisationKind, Site
from safewell.schools.services import term_dates_import_csv

LONDON = ZoneInfo("Europe/London")
YEAR_NAME = re.compile(r"^(\d{4})/(\d{2})$")
BAD_YEAR = "--year must look like 2025/26 (two consecutive years), not {value!r}."
TOO_FEW_PUPILS = "--pupils must be at least 1."
TOO_MANY_SCHOOLS = "--schools ({schools}) cannot be more than --pupils ({pupils})."

# Pupils per chunk: one simulation call and one database transaction each.
CHUNK_PUPILS = 20_000

# --- Small built-in name lists (common names; no real person is meant) --------------------

FIRST_NAMES_GIRLS = (
    "Olivia Amelia Isla Ava Ivy Freya Lily Florence Mia Willow Rosie Sophia Isabella Grace "
    "Daisy Sienna Poppy Elsie Emily Ella Evelyn Phoebe Sofia Evie Charlotte Harper Millie "
    "Matilda Maya Sophie Alice Emilia Isabelle Ruby Luna Maisie Aria Penelope Mila Bonnie "
    "Eva Hallie Eliza Ada Violet Esme Imogen Amara Zara Aisha Fatima Maryam Hannah Chloe "
    "Jessica Leah Layla Nia Priya"
).split()
FIRST_NAMES_BOYS = (
    "Noah Muhammad George Oliver Leo Arthur Oscar Theodore Theo Freddie Henry Archie Alfie "
    "Charlie Jack Harry Finley Thomas Arlo Jacob Lucas Tommy Isaac Teddy Alexander Louie "
    "Edward James Albert Ezra Mason Jude Joshua Max Elijah Reggie Hugo William Ethan Rory "
    "Samuel Louis Ronnie Bobby Adam Daniel Joseph Harrison Ibrahim Yusuf Omar Ayaan Kai "
    "Reuben Dylan Kian Tyler Callum"
).split()
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner "
    "Martin Cooper Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris "
    "Khan Scott Watson Davis Parker James Bennett Young Phillips Richardson Mitchell Bailey "
    "Carter Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Marshall Simpson "
    "Anderson Ellis Adams Chapman Webb Rogers Gray Mason Ali Hussain Campbell Matthews "
    "Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens "
    "Jenkins Murphy Dixon Richards Pearson Graham Fletcher Kaur Ahmed Nowak Kowalski Okafor "
    "Mensah Silva Chen Nguyen Begum Rahman Hassan Osei Adeyemi Murray"
).split()
# Invented place names for schools: a first part and an ending.
PLACE_STARTS = (
    "Ash Brook Elm Fern Oak Hazel Willow Heath Marsh Stone Bright Clay Holly Kings Lark "
    "Mill Moor Rose Thorn Wood Beech Cherry Alder Birch Maple Rowan Sand Green West East"
).split()
PLACE_ENDS = (
    "field ford ley ton wick bury dale combe mead well worth stead hurst gate bridge side "
    "lands haven"
).split()
PRIMARY_CLASS_NAMES = "Oak Ash Birch Elm Hazel Rowan Willow Maple Cedar Holly Larch Pine".split()
SPECIAL_CLASS_NAMES = "Kestrel Heron Robin Wren Owl Swift Finch Lark Puffin Otter Badger Fox".split()
# LA codes and names of some English local authorities [U: codes from memory of the DfE
# LA number list; only used to make UPNs and labels look right].
LOCAL_AUTHORITIES = (
    ("935", "Suffolk"), ("873", "Cambridgeshire"), ("926", "Norfolk"), ("881", "Essex"),
    ("886", "Kent"), ("850", "Hampshire"), ("330", "Birmingham"), ("383", "Leeds"),
    ("352", "Manchester"), ("855", "Leicestershire"),
)
PHASE_SCHOOL_WORD = ("Primary School", "Academy", "Special School")
# DfE establishment numbers: 2xxx primary, 4xxx secondary, 7xxx special [U, from memory].
ESTABLISHMENT_BASE = (2000, 4000, 7000)


# --- Term dates ------------------------------------------------------------------------------


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _friday_before(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while day.weekday() != 4:
        day -= dt.timedelta(days=1)
    return day


def term_dates(first_year: int) -> list[tuple[str, dt.date, dt.date]]:
    """Plausible half terms for an English school year starting in `first_year`: the usual
    shape of LA term dates (a week at the end of October and in mid-February, two weeks
    around Easter, the late May bank holiday week, about 195 days with INSET), not any
    LA's published dates."""
    september_1 = dt.date(first_year, 9, 1)
    a1_start = september_1 if september_1.weekday() < 3 else _monday(september_1) + dt.timedelta(days=7)
    october_half_term = _monday(dt.date(first_year, 10, 27))
    christmas = _friday_before(dt.date(first_year, 12, 21))
    january_4 = dt.date(first_year + 1, 1, 4)
    s1_start = january_4 if january_4.weekday() == 0 else _monday(january_4) + dt.timedelta(days=7)
    february_half_term = _monday(dt.date(first_year + 1, 2, 16))
    good_friday = easter(first_year + 1) - dt.timedelta(days=2)
    easter_holiday = _monday(good_friday)
    late_may = _monday(dt.date(first_year + 1, 5, 31))  # the last Monday of May
    terms = [
        ("Autumn 1", a1_start, october_half_term - dt.timedelta(days=3)),
        ("Autumn 2", october_half_term + dt.timedelta(days=7), christmas),
        ("Spring 1", s1_start, february_half_term - dt.timedelta(days=3)),
        ("Spring 2", february_half_term + dt.timedelta(days=7), easter_holiday - dt.timedelta(days=3)),
        ("Summer 1", easter_holiday + dt.timedelta(days=14), late_may - dt.timedelta(days=3)),
    ]
    # Summer 2 runs until the year has 195 days (190 for pupils and 5 INSET days: 380
    # sessions, figures.md §A5 [Parliament] / statutory.md §2 [C]).
    bank = england_bank_holidays(dt.date(first_year, 8, 1), dt.date(first_year + 1, 7, 31))
    days = sum(
        1
        for _, start, end in terms
        for i in range((end - start).days + 1)
        if (start + dt.timedelta(days=i)).weekday() < 5 and start + dt.timedelta(days=i) not in bank
    )
    day = late_may + dt.timedelta(days=7)
    s2_start = day
    while days < 195:
        if day.weekday() < 5 and day not in bank:
            days += 1
            last = day
        day += dt.timedelta(days=1)
    terms.append(("Summer 2", s2_start, last))
    return terms


def inset_days(terms: list[tuple[str, dt.date, dt.date]], rng: np.random.Generator) -> list[dt.date]:
    """Five INSET days: the first day of the year, and four of the usual others (the second
    day of September, the first day of a half term, the last day of the summer term)."""
    first = terms[0][1]
    candidates = [first + dt.timedelta(days=1)] + [start for _, start, _ in terms[1:]] + [terms[-1][2]]
    candidates = [d for d in candidates if d.weekday() < 5]
    chosen = rng.choice(len(candidates), size=min(4, len(candidates)), replace=False)
    return sorted([first] + [candidates[i] for i in chosen])


def _term_dates_csv(terms, insets_by_site: dict[str, list[dt.date]]) -> str:
    lines = ["kind,name,starts_on,ends_on,site,sessions,reason,part"]
    lines += [f"term,{name},{start},{end},,,," for name, start, end in terms]
    for site_code, days in insets_by_site.items():
        lines += [f"inset_day,INSET day,{day},,{site_code},,Staff training," for day in days]
    return "\n".join(lines) + "\n"


# --- Progress and measurement ----------------------------------------------------------------


class Progress:
    """A small progress bar on stderr (no dependency), redrawn at most 5 times a second."""

    def __init__(self, total: int, label: str, stream=sys.stderr, enabled: bool = True) -> None:
        self.total, self.label, self.stream, self.enabled = max(1, total), label, stream, enabled
        self.done = 0
        self.started = time.perf_counter()
        self._drawn = 0.0

    def advance(self, amount: int, note: str = "") -> None:
        self.done += amount
        now = time.perf_counter()
        if self.enabled and (now - self._drawn > 0.2 or self.done >= self.total):
            self._drawn = now
            share = min(1.0, self.done / self.total)
            bar = "#" * int(share * 30)
            elapsed = now - self.started
            eta = elapsed / share - elapsed if share > 0 else 0
            self.stream.write(
                f"\r{self.label} [{bar:<30}] {share:6.1%} {elapsed:6.1f}s, ~{eta:5.0f}s left {note}   "
            )
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Bulk writing ------------------------------------------------------------------------------


def bulk_insert(table: str, frame: pl.DataFrame) -> None:
    """Insert a frame whose columns are the table's columns: COPY on PostgreSQL, executemany
    on SQLite. Dates are pl.Date, times pl.Datetime in UTC, flags pl.Boolean."""
    if frame.height == 0:
        return
    columns = ", ".join(frame.columns)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        data = frame.write_csv(
            include_header=False, quote_style="non_numeric", datetime_format="%Y-%m-%d %H:%M:%S+00"
        ).encode()
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                for start in range(0, len(data), 8 << 20):
                    copy.write(data[start : start + (8 << 20)])
        return
    sqlite_frame = frame.with_columns(
        [pl.col(name).cast(pl.Utf8) for name, dtype in frame.schema.items() if dtype == pl.Date]
        + [
            pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S")
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.Datetime)
        ]
        + [pl.col(name).cast(pl.Int8) for name, dtype in frame.schema.items() if dtype == pl.Boolean]
    )
    placeholders = ", ".join("?" for _ in frame.columns)
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", sqlite_frame.iter_rows())
    finally:
        cursor.close()


def reserve_ids(model, count: int) -> np.ndarray:
    """`count` new primary keys for `model`, so rows can be written by COPY with their ids
    known. PostgreSQL: taken from the table's identity sequence; SQLite: after the largest
    id (the caller holds SQLite's write lock, in a transaction)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [count]
            )
            return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        first = cursor.fetchone()[0] + 1
    return np.arange(first, first + count, dtype=np.int64)


def _faster_bulk_loading() -> None:
    """PostgreSQL, per transaction: a crash loses at most the last chunk (the generator is
    simply rerun). SQLite: a page cache big enough that a chunk's index pages stay in
    memory instead of spilling to the WAL mid-transaction (this connection only)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        else:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB


# --- The run ------------------------------------------------------------------------------------


@dataclass
class School:
    index: int
    phase: int
    organisation: Organisation
    site: Site
    local_authority: tuple[str, str]


@dataclass
class Report:
    pupils: int = 0
    schools: dict[str, int] = field(default_factory=dict)
    marks: int = 0
    stores: int = 0
    calls: int = 0  # first-day contact attempts about the generated absences
    seconds: dict[str, float] = field(default_factory=dict)
    absence: dict[str, dict[str, float]] = field(default_factory=dict)


def parse_year(value: str) -> int:
    match = YEAR_NAME.match(value or "")
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise CommandError(BAD_YEAR.format(value=value))
    return int(match.group(1))


def generate(
    *,
    pupils: int,
    schools: int,
    year: str,
    seed: int,
    store_only: bool = False,
    progress: bool = True,
    say: Callable[[str], None] = print,
) -> Report:
    """Make the whole population; returns what was made and how long each step took."""
    if pupils < 1:
        raise CommandError(TOO_FEW_PUPILS)
    if schools > pupils:
        raise CommandError(TOO_MANY_SCHOOLS.format(schools=schools, pupils=pupils))
    first_year = parse_year(year)
    report = Report(pupils=pupils)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = round(now - clock, 2)
        clock = now

    root = np.random.SeedSequence(seed)
    plan_rng, school_rng, people_rng = (np.random.default_rng(s) for s in root.spawn(3))
    population = synthetic.population_plan(n_pupils=pupils, n_schools=schools, rng=plan_rng)
    lap("plan")
    school_list = _schools_create(population, first_year, school_rng)
    report.schools = {
        synthetic.PHASES[p]: int((population.school_phase == p).sum()) for p in range(3)
    }
    lap("schools_and_calendars")
    years = {
        y.organisation_id: y
        for y in AcademicYear.objects.filter(
            organisation__in=[s.organisation for s in school_list], name=year
        )
    }
    group_ids = _registration_groups_create(population, school_list)
    lap("registration_groups")
    with transaction.atomic():
        pupil_ids = reserve_ids(Pupil, pupils)
        _people_create(population, school_list, group_ids, pupil_ids, first_year, people_rng)
    lap("pupils")
    say(f"{pupils} pupils in {len(school_list)} schools {report.schools}; simulating and writing marks…")
    _marks_and_stores_write(
        population, school_list, years, pupil_ids, seed, store_only, progress, report
    )
    lap("marks_and_stores")
    from safewell.audit.services import audit_log

    audit_log(
        action="create",
        target_type="attendance.generated_population",
        detail=(
            f"safewell generate: {pupils} synthetic pupils, {len(school_list)} schools, {year}, "
            f"seed {seed}, {report.marks} marks, {report.stores} session stores, {report.calls} first-day calls"
        ),
    )
    return report


def _schools_create(
    population: synthetic.Population, first_year: int, rng: np.random.Generator
) -> list[School]:
    """One organisation and one site per planned school, with the year's term dates
    (through the calendar's CSV import) and five INSET days of each school's own."""
    taken_names = set(Organisation.objects.values_list("name", flat=True))
    taken_codes = set(Site.objects.values_list("code", flat=True))
    places = [a + b for a in PLACE_STARTS for b in PLACE_ENDS]
    order = rng.permutation(len(places))
    terms = term_dates(first_year)
    organisations, sites, planned = [], [], []
    for index, phase in enumerate(population.school_phase):
        place = places[order[index % len(places)]]
        name = f"{place} {PHASE_SCHOOL_WORD[phase]}"
        number = 2
        while name in taken_names:
            name = f"{place} {PHASE_SCHOOL_WORD[phase]} {number}"
            number += 1
        taken_names.add(name)
        la = LOCAL_AUTHORITIES[int(population.school_local_authority[index]) % len(LOCAL_AUTHORITIES)]
        code = _site_code(name, taken_codes)
        organisations.append(
            Organisation(name=name, kind=OrganisationKind.SCHOOL, local_authority_code=la[0], local_authority_name=la[1])
        )
        planned.append((index, int(phase), la, code, name))
    with transaction.atomic():
        organisations = Organisation.objects.bulk_create(organisations)
        for organisation, (_, _, _, code, name) in zip(organisations, planned):
            sites.append(Site(organisation=organisation, name=name, code=code))
        sites = Site.objects.bulk_create(sites)
        for organisation, site in zip(organisations, sites):
            csv = _term_dates_csv(terms, {site.code: inset_days(terms, rng)})
            term_dates_import_csv(organisation=organisation, file=csv)
    return [
        School(index=i, phase=phase, organisation=o, site=s, local_authority=la)
        for (i, phase, la, _, _), o, s in zip(planned, organisations, sites)
    ]


def _site_code(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:34]
    code, number = base, 2
    while code in taken:
        code = f"{base}-{number}"
        number += 1
    taken.add(code)
    return code


def _year_group_value(year_group: int) -> str:
    return "R" if year_group == 0 else str(year_group)


def _registration_groups_create(population: synthetic.Population, schools: list[School]) -> np.ndarray:
    """Registration groups as planned; returns their database ids (index = planned group)."""
    groups = []
    per_cohort: dict[tuple[int, int], int] = {}
    for g, (school_index, year_group) in enumerate(zip(population.group_school, population.group_year)):
        school = schools[int(school_index)]
        k = per_cohort.get((int(school_index), int(year_group)), 0)
        per_cohort[(int(school_index), int(year_group))] = k + 1
        groups.append(
            RegistrationGroup(
                site=school.site, name=_group_name(school.phase, int(year_group), k), year_group=_year_group_value(int(year_group))
            )
        )
    with transaction.atomic():
        created = RegistrationGroup.objects.bulk_create(groups, batch_size=2000)
    return np.array([g.id for g in created], dtype=np.int64)


def _group_name(phase: int, year_group: int, k: int) -> str:
    suffix = "" if k < 12 else f" {k // 12 + 1}"
    if phase == synthetic.SECONDARY:
        return f"{year_group}{'ABCDEFGHJKLM'[k % 12]}{suffix}"
    names = PRIMARY_CLASS_NAMES if phase == synthetic.PRIMARY else SPECIAL_CLASS_NAMES
    label = "Reception" if year_group == 0 else f"Year {year_group}"
    return f"{label} {names[k % 12]}{suffix}"


def _people_create(
    population: synthetic.Population,
    schools: list[School],
    group_ids: np.ndarray,
    pupil_ids: np.ndarray,
    first_year: int,
    rng: np.random.Generator,
) -> None:
    """Pupils, enrolments, contacts (a family's children share their parents), dated
    characteristics and social workers, in bulk."""
    n = population.size
    now = timezone.now()
    year_start = dt.date(first_year, 9, 1)
    school_org = np.array([s.organisation.id for s in schools], dtype=np.int64)
    school_site = np.array([s.site.id for s in schools], dtype=np.int64)
    n_families = int(population.family.max()) + 1
    family_surname = rng.integers(0, len(SURNAMES), size=n_families)
    surname = np.array(SURNAMES, dtype=object)[family_surname[population.family]]
    girls = np.array(FIRST_NAMES_GIRLS, dtype=object)
    boys = np.array(FIRST_NAMES_BOYS, dtype=object)
    forename = np.where(
        population.male,
        boys[rng.integers(0, len(boys), size=n)],
        girls[rng.integers(0, len(girls), size=n)],
    )
    middle = np.where(
        rng.random(n) < 0.6,
        np.where(population.male, boys[rng.integers(0, len(boys), size=n)], girls[rng.integers(0, len(girls), size=n)]),
        "",
    )
    # Born between 1 September and 31 August of the school year's cohort (a Year 7 pupil
    # in 2025/26 was born Sep 2013 - Aug 2014).
    cohort_start = np.array(
        [np.datetime64(f"{first_year - yg - 5}-09-01") for yg in range(15)], dtype="datetime64[D]"
    )[population.year_group]
    dob = cohort_start + rng.integers(0, 365, size=n)
    # They joined this school at the start of its first year group, some later.
    first_year_group = np.array([0, 7, 1])[population.phase]
    joined_year = first_year - np.maximum(0, population.year_group - first_year_group)
    late_joiner = rng.random(n) < 0.12
    joined_year = np.where(late_joiner, first_year - rng.integers(0, np.maximum(1, population.year_group - first_year_group + 1)), joined_year)
    admission = np.array([np.datetime64(f"{y}-09-01") for y in range(first_year - 16, first_year + 1)], dtype="datetime64[D]")[
        joined_year - (first_year - 16)
    ]
    admission = admission + np.where(late_joiner, rng.integers(0, 200, size=n), 0)
    admission = np.minimum(admission, np.datetime64(year_start))
    upn = _upns(population, schools, first_year)

    pupils = pl.DataFrame(
        {
            "id": pupil_ids,
            "organisation_id": school_org[population.school],
            "site_id": school_site[population.school],
            "registration_group_id": group_ids[population.group],
            "upn": upn,
            "legal_forename": forename.astype(str),
            "legal_middle_names": middle.astype(str),
            "legal_surname": surname.astype(str),
            "preferred_forename": [""] * n,
            "preferred_surname": [""] * n,
            "date_of_birth": dob,
            "sex": np.where(population.male, "M", "F"),
            "year_group": np.array([_year_group_value(y) for y in range(15)], dtype=object)[population.year_group].astype(str),
            "created_at": pl.Series([now] * n, dtype=pl.Datetime("us", "UTC")),
            "updated_at": pl.Series([now] * n, dtype=pl.Datetime("us", "UTC")),
        }
    )
    bulk_insert(Pupil._meta.db_table, pupils)
    enrolments = pl.DataFrame(
        {
            "pupil_id": pupil_ids,
            "organisation_id": school_org[population.school],
            "site_id": school_site[population.school],
            "admission_date": admission,
            "leaving_date": pl.Series([None] * n, dtype=pl.Date),
            "placing_school_id": pl.Series([None] * n, dtype=pl.Int64),
            "created_at": pl.Series([now] * n, dtype=pl.Datetime("us", "UTC")),
            **{c: [""] * n for c in (
                "deletion_ground", "destination", "dual_registration", "other_school_name",
                "other_school_urn", "placing_contact_name", "placing_contact_email", "placing_contact_phone",
            )},
        }
    )
    bulk_insert(Enrolment._meta.db_table, enrolments)
    bulk_insert(Contact._meta.db_table, _contacts(population, pupil_ids, surname, rng))
    bulk_insert(Characteristic._meta.db_table, _characteristics(population, schools, pupil_ids, first_year, rng))
    bulk_insert(ProfessionalContact._meta.db_table, _social_workers(population, schools, pupil_ids, first_year, rng))


def _upns(population: synthetic.Population, schools: list[School], first_year: int) -> list[str]:
    """Valid UPNs: check letter, the school's LA number, its establishment number, the
    two digits of the year the pupil started school, and a serial (pupils/upn.py)."""
    counters: dict[tuple[int, int], int] = {}
    out = []
    entry_year = first_year - population.year_group.astype(int)
    for school_index, year in zip(population.school.tolist(), entry_year.tolist()):
        school = schools[school_index]
        serial = counters.get((school_index, year), 0)
        counters[(school_index, year)] = serial + 1
        # A serial runs to 999; past it, the next establishment number of the school.
        establishment = ESTABLISHMENT_BASE[school.phase] + (school.index * 7 + serial // 1000) % 1000
        out.append(upns.make(school.local_authority[0], f"{establishment:04d}", year, serial % 1000))
    return out


def _phone(rng: np.random.Generator, size: int) -> np.ndarray:
    """Ofcom's drama range 07700 900000-900999, as E.164."""
    return np.char.add("+447700900", np.char.zfill(rng.integers(0, 1000, size=size).astype(str), 3))


def _contacts(
    population: synthetic.Population, pupil_ids: np.ndarray, surname: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """One or two parents per family, the same people (names, phones, emails) for every
    sibling. A looked-after child's first contact is a foster carer."""
    n_families = int(population.family.max()) + 1
    girls, boys = np.array(FIRST_NAMES_GIRLS), np.array(FIRST_NAMES_BOYS)
    mother = girls[rng.integers(0, len(girls), size=n_families)]
    father = boys[rng.integers(0, len(boys), size=n_families)]
    two_parents = rng.random(n_families) < 0.65
    mobile_1 = _phone(rng, n_families)
    mobile_2 = _phone(rng, n_families)
    family = population.family
    first_name = np.where(population.looked_after, "Sam", mother[family])
    first_relationship = np.where(population.looked_after, Relationship.FOSTER_CARER, Relationship.MOTHER)
    first_surname = np.where(population.looked_after, np.array(SURNAMES)[rng.integers(0, len(SURNAMES), size=population.size)], surname.astype(str))
    first = pl.DataFrame(
        {
            "pupil_id": pupil_ids,
            "name": np.char.add(np.char.add(first_name.astype(str), " "), first_surname.astype(str)),
            "relationship": first_relationship.astype(str),
            "parental_responsibility": ~population.looked_after,
            "lives_with": np.ones(population.size, dtype=bool),
            "priority": np.ones(population.size, dtype=np.int16),
            "mobile_phone": mobile_1[family],
            "email": np.char.add(np.char.add(np.char.lower(first_name.astype(str)), np.char.add(".", np.char.lower(first_surname.astype(str)))), "@example.org"),
        }
    )
    second_rows = np.flatnonzero(two_parents[family] & ~population.looked_after)
    second = pl.DataFrame(
        {
            "pupil_id": pupil_ids[second_rows],
            "name": np.char.add(np.char.add(father[family[second_rows]].astype(str), " "), surname[second_rows].astype(str)),
            "relationship": np.full(len(second_rows), str(Relationship.FATHER)),
            "parental_responsibility": np.ones(len(second_rows), dtype=bool),
            "lives_with": rng.random(len(second_rows)) < 0.8,
            "priority": np.full(len(second_rows), 2, dtype=np.int16),
            "mobile_phone": mobile_2[family[second_rows]],
            "email": pl.Series([""] * len(second_rows), dtype=pl.Utf8),
        }
    )
    contacts = pl.concat([first, second])
    blank = pl.lit("")
    return contacts.with_columns(
        home_phone=blank, work_phone=blank, preferred_language=blank,
        do_not_contact=pl.lit(False), do_not_contact_reason=blank,
    )


def _characteristics(
    population: synthetic.Population,
    schools: list[School],
    pupil_ids: np.ndarray,
    first_year: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """A dated row for each characteristic a pupil has (all starting before the year)."""
    kinds = (
        ("free_school_meals", CharacteristicKind.FREE_SCHOOL_MEALS),
        ("ehc_plan", CharacteristicKind.EHC_PLAN),
        ("sen_support", CharacteristicKind.SEN_SUPPORT),
        ("child_in_need", CharacteristicKind.CHILD_IN_NEED),
        ("child_protection_plan", CharacteristicKind.CHILD_PROTECTION_PLAN),
        ("looked_after", CharacteristicKind.LOOKED_AFTER),
        ("gypsy_roma_traveller", CharacteristicKind.GYPSY_ROMA_TRAVELLER),
        ("young_carer", CharacteristicKind.YOUNG_CARER),
    )
    la_names = np.array([s.local_authority[1] for s in schools], dtype=object)
    frames = []
    for attribute, kind in kinds:
        rows = np.flatnonzero(getattr(population, attribute))
        starts = np.datetime64(f"{first_year}-09-01") - rng.integers(30, 4 * 365, size=len(rows))
        frames.append(
            pl.DataFrame(
                {
                    "pupil_id": pupil_ids[rows],
                    "kind": np.full(len(rows), str(kind)),
                    "starts_on": starts.astype("datetime64[D]"),
                    "ends_on": pl.Series([None] * len(rows), dtype=pl.Date),
                    # A looked-after child's responsible LA: here, the school's own.
                    "responsible_local_authority": (
                        la_names[population.school[rows]].astype(str)
                        if kind == CharacteristicKind.LOOKED_AFTER
                        else np.full(len(rows), "")
                    ),
                    "notes": np.full(len(rows), ""),
                }
            )
        )
    return pl.concat(frames)


def _social_workers(
    population: synthetic.Population,
    schools: list[School],
    pupil_ids: np.ndarray,
    first_year: int,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The allocated social worker of every child in need (CIN, CP and looked after)."""
    rows = np.flatnonzero(population.child_in_need)
    girls, boys, surnames = np.array(FIRST_NAMES_GIRLS), np.array(FIRST_NAMES_BOYS), np.array(SURNAMES)
    first = np.where(rng.random(len(rows)) < 0.8, girls[rng.integers(0, len(girls), len(rows))], boys[rng.integers(0, len(boys), len(rows))])
    last = surnames[rng.integers(0, len(surnames), len(rows))]
    la = np.array([s.local_authority[1] for s in schools], dtype=object)[population.school[rows]].astype(str)
    return pl.DataFrame(
        {
            "pupil_id": pupil_ids[rows],
            "role": np.full(len(rows), str(ProfessionalRole.SOCIAL_WORKER)),
            "name": np.char.add(np.char.add(first, " "), last),
            "organisation": np.char.add(la, " Children's Services"),
            "phone": _phone(rng, len(rows)),
            "email": np.char.add(np.char.add(np.char.lower(first), np.char.add(".", np.char.lower(last))), "@example.org"),
            "starts_on": (np.datetime64(f"{first_year}-09-01") - rng.integers(30, 700, size=len(rows))).astype("datetime64[D]"),
            "ends_on": pl.Series([None] * len(rows), dtype=pl.Date),
        }
    )


# --- Marks and session stores --------------------------------------------------------------------


@dataclass(frozen=True)
class _Sessions:
    """The simulation's timeline (every session any school holds), and for each school
    which of those sessions it holds and where they sit in the year's session index."""

    timeline: synthetic.SessionTimeline
    year_index: np.ndarray  # per timeline column, its position in the session index
    length: int  # sessions in the year's index (the store's length)
    school_open: np.ndarray  # bool (schools, timeline columns)
    utc_offset_minutes: np.ndarray  # per timeline column, Europe/London's offset that day


def _sessions(schools: list[School], years: dict[int, AcademicYear]) -> _Sessions:
    masks = []
    lengths = set()
    for school in schools:
        year = years[school.organisation.id]
        calendar = SchoolCalendar.for_academic_year(school.site, year)
        masks.append(calendar.open_session_mask(year.name))
        lengths.add(len(year_sessions(year)))
    if len(lengths) != 1:
        raise CommandError("the schools' academic years differ in length; generate one year at a time")
    masks = np.array(masks)
    union = np.flatnonzero(masks.any(axis=0))
    year = years[schools[0].organisation.id]
    index_sessions = year_sessions(year).sessions()
    dates = np.array([index_sessions[i][0] for i in union], dtype="datetime64[D]")
    is_pm = np.array([index_sessions[i][1] == "PM" for i in union])
    offsets = np.array(
        [dt.datetime.combine(index_sessions[i][0], dt.time(12), LONDON).utcoffset().total_seconds() // 60 for i in union],
        dtype=np.int64,
    )
    return _Sessions(
        timeline=synthetic.SessionTimeline.build(dates, is_pm),
        year_index=union,
        length=lengths.pop(),
        school_open=masks[:, union],
        utc_offset_minutes=offsets,
    )


def _byte_table() -> np.ndarray:
    """Simulation code → catalogue store byte."""
    return np.array([CODE_TO_BYTE[c] if c else 0 for c in synthetic.SIM_CODES], dtype=np.uint8)


def _marks_and_stores_write(
    population: synthetic.Population,
    schools: list[School],
    years: dict[int, AcademicYear],
    pupil_ids: np.ndarray,
    seed: int,
    store_only: bool,
    progress: bool,
    report: Report,
) -> None:
    sessions = _sessions(schools, years)
    to_byte = _byte_table()
    school_year_id = np.array([years[s.organisation.id].id for s in schools], dtype=np.int64)
    bar = Progress(population.size, "marks" if not store_only else "stores", enabled=progress)
    absent_table = np.zeros(len(synthetic.SIM_CODES), dtype=bool)
    absent_table[list(synthetic.ABSENCE_SIM)] = True
    absent = np.zeros(population.size, dtype=np.int32)
    possible = np.zeros(population.size, dtype=np.int32)
    minutes_rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1A7E]))
    for chunk in synthetic.marks_simulate(
        population=population, timeline=sessions.timeline, seed=seed, chunk_pupils=CHUNK_PUPILS
    ):
        rows = slice(chunk.start, chunk.start + chunk.codes.shape[0])
        codes = chunk.codes
        codes *= sessions.school_open[population.school[rows]]  # no mark where the school is closed
        absent[rows] = absent_table[codes].sum(axis=1)
        possible[rows] = (codes > 0).sum(axis=1)
        stores = np.zeros((codes.shape[0], sessions.length), dtype=np.uint8)
        stores[:, sessions.year_index] = to_byte[codes]
        with transaction.atomic():
            _faster_bulk_loading()
            if not store_only:
                _marks_write(codes, pupil_ids[rows], sessions, minutes_rng, report, bar)
                report.calls += _calls_write(codes, pupil_ids[rows], sessions, seed + chunk.start)
            for year_id in np.unique(school_year_id[population.school[rows]]):
                mine = school_year_id[population.school[rows]] == year_id
                session_stores_write(academic_year_id=int(year_id), pupil_ids=pupil_ids[rows][mine], marks=stores[mine])
            report.stores += codes.shape[0]
        if store_only:
            bar.advance(codes.shape[0], f"{report.stores} stores")
    bar.finish()
    report.absence = _absence_report(population, absent, possible)


def _calls_write(codes: np.ndarray, pupil_ids: np.ndarray, sessions: _Sessions, seed: int) -> int:
    """Hand the chunk's absences to the hooks that record the first-day calls schools make
    about them (followup registers one): how many rows they wrote."""
    hooks = synthetic.call_days_hooks()
    if not hooks:
        return 0
    days = synthetic.call_days(codes, sessions.timeline)
    return sum(hook(pupil_ids=pupil_ids[days.rows], dates=sessions.timeline.dates[days.columns],
                    is_pm=sessions.timeline.is_pm[days.columns], run=days.run, first_day=days.first_day, seed=seed)
               for hook in hooks)


def _marks_write(
    codes: np.ndarray,
    pupil_ids: np.ndarray,
    sessions: _Sessions,
    rng: np.random.Generator,
    report: Report,
    bar: Progress,
) -> None:
    """The chunk's marks as rows, written in slices of about a million."""
    step = max(1, 1_000_000 // max(1, codes.shape[1]))
    for start in range(0, codes.shape[0], step):
        frame = _marks_frame(codes[start : start + step], pupil_ids[start : start + step], sessions, rng)
        bulk_insert(Mark._meta.db_table, frame)
        report.marks += frame.height
        bar.advance(min(step, codes.shape[0] - start), f"{report.marks / 1e6:5.1f}M marks")


# The register opens at 08:45 and 13:15 (schools.Site defaults); a teacher submits it within
# its first few minutes.
AM_REGISTER_MINUTE = 8 * 60 + 45
PM_REGISTER_MINUTE = 13 * 60 + 15


def _marks_frame(codes: np.ndarray, pupil_ids: np.ndarray, sessions: _Sessions, rng: np.random.Generator) -> pl.DataFrame:
    rows, cols = np.nonzero(codes)
    sim = codes[rows, cols]
    n = len(rows)
    is_pm = sessions.timeline.is_pm[cols]
    late = sim == synthetic.SIM["L"]
    after_close = sim == synthetic.SIM["U"]
    # L: arrived while the register was open (at most 30 minutes, statutory.md §9); U:
    # after it closed, before the session ended.
    minutes = np.where(late, rng.integers(1, 31, size=n), np.where(after_close, rng.integers(31, 121, size=n), 0))
    local_minute = np.where(is_pm, PM_REGISTER_MINUTE, AM_REGISTER_MINUTE) + rng.integers(0, 15, size=n)
    recorded = (
        sessions.timeline.dates[cols].astype("datetime64[m]")
        + (local_minute - sessions.utc_offset_minutes[cols]).astype("timedelta64[m]")
    )
    code_text = pl.Series("code", synthetic.SIM_CODES)
    return pl.DataFrame(
        {
            "pupil_id": pupil_ids[rows],
            "date": sessions.timeline.dates[cols],
            "session": pl.Series(np.where(is_pm, "PM", "AM")),
            "code": code_text.gather(sim.astype(np.int64)),
            "minutes_late": pl.Series(minutes.astype(np.int16)),
            "recorded_at": pl.Series(recorded.astype("datetime64[us]")).dt.replace_time_zone("UTC"),
            "source": np.full(n, int(MarkSource.GENERATED), dtype=np.int16),
        }
    ).with_columns(minutes_late=pl.when(pl.col("minutes_late") > 0).then(pl.col("minutes_late")))


def _absence_report(population: synthetic.Population, absent: np.ndarray, possible: np.ndarray) -> dict:
    out = {}
    groups = {"all": np.ones(population.size, dtype=bool)}
    groups.update({name: population.phase == p for p, name in enumerate(synthetic.PHASES)})
    for name, rows in groups.items():
        keep = rows & (possible > 0)
        if not keep.any():
            continue
        rate = absent[keep] / possible[keep]
        out[name] = {
            "pupils": int(keep.sum()),
            "overall_absence_pct": round(100 * absent[keep].sum() / possible[keep].sum(), 2),
            "persistent_absence_pct": round(100 * float((rate >= 0.10).mean()), 2),
            "severe_absence_pct": round(100 * float((rate >= 0.50).mean()), 2),
        }
    return out


# --- The command -----------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Generate a synthetic population of schools, pupils and a year of session marks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pupils", type=int, required=True)
        parser.add_argument(
            "--schools", type=int, help="number of schools (default: one for about every 350 pupils)"
        )
        parser.add_argument("--year", default="2025/26", help='the academic year, e.g. "2025/26"')
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--store-only", action="store_true", help="write the session stores but not the mark rows"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, **options) -> None:
        pupils = options["pupils"]
        schools = options["schools"] or max(1, math.ceil(pupils / 350))
        started = time.perf_counter()
        report = generate(
            pupils=pupils,
            schools=schools,
            year=options["year"],
            seed=options["seed"],
            store_only=options["store_only"],
            progress=not options["no_progress"],
            say=self.stdout.write,
        )
        wall = time.perf_counter() - started
        self.stdout.write(
            f"made {report.pupils} pupils in {sum(report.schools.values())} schools {report.schools}, "
            f"{report.marks} marks, {report.stores} session stores, {report.calls} first-day calls"
        )
        for name, figures in report.absence.items():
            self.stdout.write(
                f"  {name:9} absence {figures['overall_absence_pct']:5.2f}%  "
                f"persistent {figures['persistent_absence_pct']:5.2f}%  "
                f"severe {figures['severe_absence_pct']:5.2f}%  ({figures['pupils']} pupils)"
            )
        self.stdout.write("  steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items()))
        self.stdout.write(
            f"database {connection.vendor}: wall time {wall:.1f} s, peak RSS {peak_rss_mb():.0f} MB"
        )
