"""The demo settings as plain data: demo.yaml read into dataclasses, and each setting's
roster of fictional pupils drawn from a fixed seed.

No database here: the same plan comes out every time, so `safewell demo_load` can look each
record up by its natural key (organisation name, site code, username, UPN) before making
it, and loading twice changes nothing. The loaders are `core/management/commands/_demo.py`
(organisations, sites, staff) and each app's `demo.py` (schools, pupils, attendance).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from django.conf import settings

from safewell.pupils import upn as upns
from safewell.schools.calendar import ClosureDay, SchoolCalendar, TermDates, YearSessions
from safewell.schools.term_dates import parse_csv

DEMO_DATA = Path(__file__).resolve().parent
DEMO_YAML = DEMO_DATA / "demo.yaml"

# Characteristic kinds drawn for the background roster (pupils.models.CharacteristicKind).
DRAWN_CHARACTERISTICS = (
    "ehc_plan", "sen_support", "free_school_meals", "child_in_need", "child_protection_plan",
    "looked_after", "young_carer",
)
# Ofcom's drama numbers: 07700 900000 to 900999 are never allocated to a real phone.
DRAMA_PHONE_FIRST = 900000
DRAMA_PHONE_LAST = 900999
# 900000-900299 are for the named people of demo.yaml; the roster's families use the rest.
ROSTER_PHONES_FROM = 900300


@dataclass(frozen=True)
class StaffPlan:
    username: str
    first_name: str
    last_name: str
    role: str
    site_codes: tuple[str, ...]
    listed: bool  # in the README's login table (the others are in docs/demo.md)
    note: str = ""

    @property
    def email(self) -> str:
        return f"{self.username}@example.org"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class GroupPlan:
    name: str
    year_groups: tuple[str, ...]
    size: int
    tutor: str  # username


@dataclass(frozen=True)
class SitePlan:
    code: str
    name: str
    am_register: tuple[dt.time, dt.time]
    pm_register: tuple[dt.time, dt.time]
    periods: tuple[tuple[str, dt.time, dt.time], ...]
    groups: tuple[GroupPlan, ...]


@dataclass(frozen=True)
class PlacingPlan:
    name: str
    kind: str
    contact_name: str
    contact_email: str
    contact_phone: str


@dataclass(frozen=True)
class SubjectPlan:
    name: str
    is_pe: bool
    is_swimming: bool
    taught_by: str  # a username, "pe" (the site's PE teacher), or "" (the group's tutor)
    per_week: int
    groups: tuple[str, ...]  # empty: every group

    def taken_by(self, group: str) -> bool:
        return not self.groups or group in self.groups


@dataclass(frozen=True)
class StoryPlan:
    key: str
    organisation: str
    site: str
    group: str
    forename: str
    surname: str
    sex: str
    year_group: str
    characteristics: tuple[str, ...]
    placing_school: str = ""
    responsible_local_authority: str = ""
    social_worker: tuple[str, str, str] | None = None
    virtual_school: tuple[str, str, str] | None = None
    carer: tuple[str, str, str] | None = None

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"


@dataclass(frozen=True)
class OrganisationPlan:
    key: str
    name: str
    kind: str
    local_authority_code: str
    local_authority_name: str
    term_date_files: tuple[Path, ...]
    establishment: str
    seed: int
    sites: tuple[SitePlan, ...]
    placing_schools: tuple[PlacingPlan, ...]
    subjects: tuple[SubjectPlan, ...]
    pe_teachers: dict[str, str]
    staff: tuple[StaffPlan, ...]
    population: dict[str, float]

    @property
    def site_codes(self) -> tuple[str, ...]:
        return tuple(site.code for site in self.sites)

    def site(self, code: str) -> SitePlan:
        return next(site for site in self.sites if site.code == code)


@dataclass(frozen=True)
class DemoPlan:
    organisations: tuple[OrganisationPlan, ...]
    responsible_local_authorities: tuple[str, ...]
    stories: tuple[StoryPlan, ...]

    def organisation(self, key: str) -> OrganisationPlan:
        return next(o for o in self.organisations if o.key == key)

    @property
    def staff(self) -> tuple[StaffPlan, ...]:
        return tuple(person for o in self.organisations for person in o.staff)


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _site(raw: dict) -> SitePlan:
    return SitePlan(
        code=raw["code"],
        name=raw["name"],
        am_register=tuple(_time(t) for t in raw["am_register"]),
        pm_register=tuple(_time(t) for t in raw["pm_register"]),
        periods=tuple((name, _time(start), _time(end)) for name, start, end in raw["periods"]),
        groups=tuple(GroupPlan(name, tuple(years), size, tutor) for name, years, size, tutor in raw["groups"]),
    )


def _organisation(raw: dict) -> OrganisationPlan:
    sites = tuple(_site(s) for s in raw["sites"])
    every_site = tuple(s.code for s in sites)
    return OrganisationPlan(
        key=raw["key"],
        name=raw["name"],
        kind=raw["kind"],
        local_authority_code=raw["local_authority_code"],
        local_authority_name=raw["local_authority_name"],
        term_date_files=tuple(Path(settings.BASE_DIR) / f for f in raw["term_dates"]),
        establishment=raw["establishment"],
        seed=raw["seed"],
        sites=sites,
        placing_schools=tuple(
            PlacingPlan(p["name"], p["kind"], *p["contact"]) for p in raw.get("placing_schools", [])
        ),
        subjects=tuple(
            SubjectPlan(name, is_pe, is_swimming, by, per_week, tuple(groups))
            for name, is_pe, is_swimming, by, per_week, groups in raw["subjects"]
        ),
        pe_teachers=dict(raw.get("pe_teachers", {})),
        staff=tuple(
            StaffPlan(username, first, last, role, tuple(sites_of) or every_site, listed, note)
            for username, first, last, role, sites_of, listed, note in raw["staff"]
        ),
        population=dict(raw["population"]),
    )


def file_calendar(organisation: OrganisationPlan) -> SchoolCalendar:
    """The setting's calendar read straight from its term-date files (no database): the
    same days the stored calendar gives once `schools/demo.py` has imported them. Sites
    have no closures of their own in the demo files, so one calendar serves every site."""
    terms: list[TermDates] = []
    closures: list[ClosureDay] = []
    years: dict[str, YearSessions] = {}
    for path in organisation.term_date_files:
        rows, problems = parse_csv(path.read_bytes())
        if problems:
            raise ValueError(f"{path}: {'; '.join(str(p) for p in problems)}")
        for row in rows:
            first = academic_year_start(row.starts_on)
            name = f"{first}/{(first + 1) % 100:02d}"
            years.setdefault(name, YearSessions(name, dt.date(first, 8, 1), dt.date(first + 1, 7, 31)))
            if row.kind == "term":
                terms.append(TermDates(name, row.name, row.starts_on, row.ends_on))
                continue
            day = row.starts_on
            while day <= (row.ends_on or row.starts_on):
                if day.weekday() < 5:
                    closures.append(ClosureDay(day, row.sessions, row.kind, row.part, row.reason))
                day += dt.timedelta(days=1)
    ordered = sorted(years.values(), key=lambda y: y.starts_on)
    return SchoolCalendar(start=ordered[0].starts_on, end=ordered[-1].ends_on, years=ordered, terms=terms,
                          closures=closures)


def first_school_days(organisation: OrganisationPlan) -> list[dt.date]:
    """The first school day of each academic year of the setting's term dates, in order."""
    calendar = file_calendar(organisation)
    return [calendar.school_days_between(y.starts_on, y.ends_on)[0] for y in calendar.years]


class OutsideDemoDates(ValueError):
    pass


DEMO_TODAY_TOO_EARLY = (
    "The demo's term dates start on {first:%A %-d %B %Y}: choose a demo today "
    "(SAFEWELL_DEMO_TODAY or --today) after that."
)


def demo_school_day(requested: dt.date) -> dt.date:
    """The demo's "today": `requested` when it is a school day for every demo setting,
    else the last day before it that is (after the last term date: the last school day)."""
    calendars = [file_calendar(o) for o in demo_plan().organisations]
    first = max(c.school_days_between(c.start, c.end)[0] for c in calendars)
    if requested < first:
        raise OutsideDemoDates(DEMO_TODAY_TOO_EARLY.format(first=first))
    day = min([requested] + [c.end for c in calendars])
    while not all(c.is_school_day(day) for c in calendars):
        day -= dt.timedelta(days=1)
    return day


def _triple(value) -> tuple[str, str, str] | None:
    return tuple(value) if value else None


@lru_cache(maxsize=1)
def demo_plan() -> DemoPlan:
    raw = yaml.safe_load(DEMO_YAML.read_text())
    return DemoPlan(
        organisations=tuple(_organisation(o) for o in raw["organisations"]),
        responsible_local_authorities=tuple(raw["responsible_local_authorities"]),
        stories=tuple(
            StoryPlan(
                key=s["key"], organisation=s["organisation"], site=s["site"], group=s["group"],
                forename=s["forename"], surname=s["surname"], sex=s["sex"], year_group=s["year_group"],
                characteristics=tuple(s.get("characteristics", [])),
                placing_school=s.get("placing_school", ""),
                responsible_local_authority=s.get("responsible_local_authority", ""),
                social_worker=_triple(s.get("social_worker")),
                virtual_school=_triple(s.get("virtual_school")),
                carer=_triple(s.get("carer")),
            )
            for s in raw["stories"]
        ),
    )


# --- The roster -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactPlan:
    name: str
    relationship: str
    parental_responsibility: bool
    mobile_phone: str
    email: str


@dataclass(frozen=True)
class ProfessionalPlan:
    role: str  # pupils.models.ProfessionalRole
    name: str
    organisation: str
    phone: str
    email: str


@dataclass(frozen=True)
class PupilPlan:
    upn: str
    forename: str
    surname: str
    sex: str
    date_of_birth: dt.date
    year_group: str
    site_code: str
    group: str
    admission_date: dt.date
    characteristics: tuple[str, ...]
    characteristics_since: dt.date
    contacts: tuple[ContactPlan, ...]
    professionals: tuple[ProfessionalPlan, ...] = ()
    responsible_local_authority: str = ""
    placing_school: str = ""
    # The weekday (Mon = 0) a dual-registered AP pupil spends at the placing school (D).
    dual_weekday: int | None = None
    story: str = ""

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"


def academic_year_start(day: dt.date) -> int:
    """The calendar year the academic year containing `day` starts in (1 August)."""
    return day.year if day.month >= 8 else day.year - 1


def date_of_birth_range(year_group: str, first_year: int) -> tuple[dt.date, dt.date]:
    """Pupils in national curriculum year Y of the academic year starting in `first_year`
    were born from 1 September (first_year - Y - 5) to 31 August (first_year - Y - 4): Year
    1 in 2026/27 turns 6 during the year."""
    y = int(year_group)
    if y == 14:
        # Year 14 is the last post-16 year of a special school; students with an EHCP may
        # stay on after 19 [U: from memory of the SEND code of practice], so it spans two
        # birth years in the demo.
        return dt.date(first_year - y - 6, 9, 1), dt.date(first_year - y - 4, 8, 31)
    return dt.date(first_year - y - 5, 9, 1), dt.date(first_year - y - 4, 8, 31)


def _phone(number: int) -> str:
    assert DRAMA_PHONE_FIRST <= number <= DRAMA_PHONE_LAST
    return f"07700 {number}"


def _email(*parts: str) -> str:
    return ".".join(p.lower().replace(" ", "-").replace("'", "") for p in parts) + "@example.org"


class _Names:
    """Fictional names from the generator's lists, never the same pupil name twice and
    never a name of demo.yaml (stories or staff)."""

    def __init__(self, rng: np.random.Generator, taken: set[str]) -> None:
        from safewell.attendance.management.commands.generate import (
            FIRST_NAMES_BOYS,
            FIRST_NAMES_GIRLS,
            SURNAMES,
        )

        self.rng = rng
        self.girls, self.boys, self.surnames = FIRST_NAMES_GIRLS, FIRST_NAMES_BOYS, sorted(set(SURNAMES))
        self.taken = set(taken)

    def pupil(self, sex: str) -> tuple[str, str]:
        names = self.girls if sex == "F" else self.boys
        while True:
            forename = names[self.rng.integers(len(names))]
            surname = self.surnames[self.rng.integers(len(self.surnames))]
            if f"{forename} {surname}" not in self.taken:
                self.taken.add(f"{forename} {surname}")
                return forename, surname

    def adult(self, sex: str) -> str:
        names = self.girls if sex == "F" else self.boys
        return names[self.rng.integers(len(names))]


def _random_day(rng: np.random.Generator, calendar: SchoolCalendar, start: dt.date, end: dt.date) -> dt.date:
    """A school day from `start` to `end` (both included), or `start` when there is none."""
    days = calendar.school_days_between(start, max(start, end)) or [start]
    return days[int(rng.integers(len(days)))]


@dataclass
class _Phones:
    next: int = ROSTER_PHONES_FROM

    def take(self) -> str:
        number = self.next
        self.next = ROSTER_PHONES_FROM + (self.next + 1 - ROSTER_PHONES_FROM) % (DRAMA_PHONE_LAST + 1 - ROSTER_PHONES_FROM)
        return _phone(number)


def roster(organisation: OrganisationPlan, *, first_year: int, first_day: dt.date,
           previous_first_day: dt.date | None, today: dt.date) -> list[PupilPlan]:
    """Every pupil of the setting: the story pupils of demo.yaml in their groups, the rest
    drawn from the organisation's seed. `first_year` is the academic year the year groups
    belong to; `first_day` its first day and `previous_first_day` the previous year's (None
    when the demo has no previous year); admissions are never after `today`."""
    plan = demo_plan()
    rng = np.random.default_rng([organisation.seed, first_year])
    stories = [s for s in plan.stories if s.organisation == organisation.key]
    taken = {s.name for s in plan.stories} | {p.name for p in plan.staff}
    names = _Names(rng, taken)
    calendar = file_calendar(organisation)
    phones = _Phones(ROSTER_PHONES_FROM + 350 * [o.key for o in plan.organisations].index(organisation.key))
    pupils: list[PupilPlan] = []
    serial = 0
    for site in organisation.sites:
        for group in site.groups:
            story_pupils = [s for s in stories if s.site == site.code and s.group == group.name]
            for place in range(group.size):
                serial += 1
                story = story_pupils[place] if place < len(story_pupils) else None
                pupils.append(_pupil(
                    organisation, calendar, site, group, story, serial, rng, names, phones,
                    first_year=first_year, first_day=first_day, previous_first_day=previous_first_day,
                    today=today, authorities=plan.responsible_local_authorities,
                ))
    return pupils


def _pupil(organisation: OrganisationPlan, calendar: SchoolCalendar, site: SitePlan, group: GroupPlan,
           story: StoryPlan | None, serial: int, rng: np.random.Generator, names: _Names, phones: _Phones, *,
           first_year: int,
           first_day: dt.date, previous_first_day: dt.date | None, today: dt.date,
           authorities: tuple[str, ...]) -> PupilPlan:
    # Draw every random number whether or not the pupil is a story pupil, so adding a story
    # does not reshuffle everyone else.
    sex = "F" if rng.random() < (0.3 if organisation.kind == "school" else 0.35) else "M"
    year_group = group.year_groups[int(rng.integers(len(group.year_groups)))]
    drawn = tuple(kind for kind in DRAWN_CHARACTERISTICS if rng.random() < organisation.population.get(kind, 0.0))
    dual_roll = rng.random()
    dual_weekday = int(rng.integers(5))
    admitted_last_year = rng.random() < organisation.population.get("admitted_last_year", 0.5)
    years_before = int(rng.integers(1, 5))
    birth_offset = float(rng.random())
    la = authorities[int(rng.integers(len(authorities)))]
    placing = organisation.placing_schools[int(rng.integers(len(organisation.placing_schools)))] if organisation.placing_schools else None
    if story is not None:
        sex, year_group = story.sex, story.year_group
        forename, surname = story.forename, story.surname
        drawn = story.characteristics
        admitted_last_year = True
        la = story.responsible_local_authority or la
        if story.placing_school:
            placing = next(p for p in organisation.placing_schools if p.name == story.placing_school)
    else:
        forename, surname = names.pupil(sex)
    # A child in need, on a CP plan or looked after has a social worker; the plan flags
    # nest: CP and looked after are kinds of CIN here (synthetic.py does the same).
    characteristics = set(drawn)
    if characteristics & {"child_protection_plan", "looked_after"}:
        characteristics.add("child_in_need")
    if "ehc_plan" in characteristics:
        characteristics.discard("sen_support")
    earliest, latest = date_of_birth_range(year_group, first_year)
    date_of_birth = earliest + dt.timedelta(days=int(birth_offset * (latest - earliest).days))
    admission = _admission(organisation, calendar, rng, admitted_last_year, years_before, first_year=first_year,
                           first_day=first_day, previous_first_day=previous_first_day, today=today)
    over_18 = (first_day - date_of_birth).days >= 18 * 365.25
    contacts = _contacts(names, phones, surname, "looked_after" in characteristics, over_18, forename, story)
    professionals = _professionals(names, phones, characteristics, la, organisation.local_authority_name, story)
    dual = placing is not None and placing.kind == "school" and dual_roll < organisation.population.get("dual_days", 0.0) and story is None
    return PupilPlan(
        upn=upns.make(organisation.local_authority_code, organisation.establishment, first_year - int(year_group) - 1, serial),
        forename=forename, surname=surname, sex=sex, date_of_birth=date_of_birth, year_group=year_group,
        site_code=site.code, group=group.name, admission_date=admission,
        characteristics=tuple(sorted(characteristics)),
        characteristics_since=min(admission, previous_first_day or admission),
        contacts=contacts, professionals=professionals,
        responsible_local_authority=la if "looked_after" in characteristics else "",
        placing_school=placing.name if placing else "",
        dual_weekday=dual_weekday if dual else None,
        story=story.key if story else "",
    )


def _admission(organisation: OrganisationPlan, calendar: SchoolCalendar, rng: np.random.Generator, admitted_last_year: bool,
               years_before: int, *, first_year: int, first_day: dt.date, previous_first_day: dt.date | None,
               today: dt.date) -> dt.date:
    if organisation.kind == "alternative_provision":
        # AP placements start through the year: last year, or this year up to 3 weeks ago.
        if admitted_last_year and previous_first_day is not None:
            return _random_day(rng, calendar, previous_first_day, previous_first_day + dt.timedelta(days=240))
        latest = max(first_day, today - dt.timedelta(days=21))
        return _random_day(rng, calendar, first_day, min(latest, first_day + dt.timedelta(days=45)))
    # A special school: most pupils joined in a September some years ago.
    if admitted_last_year:
        september = dt.date(first_year - years_before, 9, 1)
        return previous_first_day if years_before == 1 and previous_first_day else september
    return first_day


def _contacts(names: _Names, phones: _Phones, surname: str, looked_after: bool, over_18: bool,
              forename: str, story: StoryPlan | None) -> tuple[ContactPlan, ...]:
    contacts: list[ContactPlan] = []
    if over_18:
        # Seed 004: parents of students aged 18 or over are not told of absence; the
        # student is contacted first.
        contacts.append(ContactPlan(f"{forename} {surname}", "self", False, phones.take(), _email(forename, surname)))
    if story is not None and story.carer:
        name, relationship, phone = story.carer
        contacts.append(ContactPlan(name, relationship, False, phone, _email("keyworker", name.split()[0])))
    elif looked_after:
        carer = names.adult("F")
        carer_surname = names.surnames[int(names.rng.integers(len(names.surnames)))]
        contacts.append(ContactPlan(f"{carer} {carer_surname}", "foster_carer", False, phones.take(), _email(carer, carer_surname)))
    else:
        mother = names.adult("F")
        contacts.append(ContactPlan(f"{mother} {surname}", "mother", True, phones.take(), _email(mother, surname)))
        if names.rng.random() < 0.6:
            father = names.adult("M")
            contacts.append(ContactPlan(f"{father} {surname}", "father", True, phones.take(), ""))
    return tuple(contacts)


def _professionals(names: _Names, phones: _Phones, characteristics: set[str], la: str, home_la: str,
                   story: StoryPlan | None) -> tuple[ProfessionalPlan, ...]:
    """The allocated social worker (from the responsible LA for a looked-after child, else
    the setting's own LA) and, for a looked-after child, the virtual school."""
    found: list[ProfessionalPlan] = []
    if story is not None and story.social_worker:
        name, organisation, phone = story.social_worker
        found.append(ProfessionalPlan("social_worker", name, organisation, phone, _email(*name.split())))
    elif "child_in_need" in characteristics:
        first, last = names.adult("F"), names.surnames[int(names.rng.integers(len(names.surnames)))]
        team = la if "looked_after" in characteristics else home_la
        found.append(ProfessionalPlan(
            "social_worker", f"{first} {last}", f"{team} children's services", phones.take(), _email(first, last)
        ))
    if story is not None and story.virtual_school:
        name, organisation, phone = story.virtual_school
        found.append(ProfessionalPlan("virtual_school", name, organisation, phone, _email(*name.split())))
    elif "looked_after" in characteristics:
        found.append(ProfessionalPlan(
            "virtual_school", f"{la} Virtual School", f"{la} Virtual School", phones.take(),
            _email("virtual-school", la),
        ))
    return tuple(found)


# --- The timetable ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassPlan:
    site_code: str
    name: str
    group: str
    subject: str
    teacher: str
    room: str
    # (weekday Mon = 0, period name)
    slots: tuple[tuple[int, str], ...] = field(default=())


def timetable(organisation: OrganisationPlan) -> list[ClassPlan]:
    """Each group's classes with their weekly slots, with no teacher in two places at once:
    subjects taught by a shared teacher (PE, construction) are placed first, each in the
    first free slot of a spread order; the group's tutor takes the rest."""
    classes: list[ClassPlan] = []
    for site in organisation.sites:
        busy: dict[str, set[tuple[int, str]]] = {}
        all_slots = [(day, period) for period, _, _ in site.periods for day in range(5)]
        for index, group in enumerate(site.groups):
            free = all_slots[index * 3 % len(all_slots):] + all_slots[: index * 3 % len(all_slots)]
            group_slots: dict[str, list[tuple[int, str]]] = {}
            shared = [s for s in organisation.subjects if s.taken_by(group.name) and s.taught_by]
            own = [s for s in organisation.subjects if s.taken_by(group.name) and not s.taught_by]
            for subject in shared:
                teacher = _teacher_of(organisation, subject, site, group)
                mine = busy.setdefault(teacher, set())
                chosen = []
                days_used: set[int] = set()
                for slot in free:
                    if len(chosen) == subject.per_week:
                        break
                    if slot in mine or slot[0] in days_used:
                        continue
                    chosen.append(slot)
                    days_used.add(slot[0])
                for slot in chosen:
                    mine.add(slot)
                    free.remove(slot)
                group_slots[subject.name] = chosen
            remaining = sorted(free, key=lambda s: (s[0], [p for p, _, _ in site.periods].index(s[1])))
            for subject in own:
                group_slots[subject.name] = []
            # Deal the tutor's subjects across the week, round-robin.
            cycle = [s for s in own for _ in range(s.per_week)]
            cycle.sort(key=lambda s: [o.name for o in own].index(s.name))
            order = _interleave(cycle)
            for slot, subject in zip(remaining, order):
                group_slots[subject.name].append(slot)
            for subject in shared + own:
                teacher = _teacher_of(organisation, subject, site, group)
                classes.append(ClassPlan(
                    site_code=site.code,
                    name=f"{group.name} {subject.name}",
                    group=group.name,
                    subject=subject.name,
                    teacher=teacher,
                    room=_room(subject, group),
                    slots=tuple(sorted(group_slots[subject.name])),
                ))
    return classes


def _interleave(items: list[SubjectPlan]) -> list[SubjectPlan]:
    """Spread repeated subjects out: one of each in turn, then again."""
    buckets: dict[str, list[SubjectPlan]] = {}
    for item in items:
        buckets.setdefault(item.name, []).append(item)
    out: list[SubjectPlan] = []
    while any(buckets.values()):
        for name in list(buckets):
            if buckets[name]:
                out.append(buckets[name].pop())
    return out


def _teacher_of(organisation: OrganisationPlan, subject: SubjectPlan, site: SitePlan, group: GroupPlan) -> str:
    if subject.taught_by == "pe":
        return organisation.pe_teachers[site.code]
    return subject.taught_by or group.tutor


def _room(subject: SubjectPlan, group: GroupPlan) -> str:
    if subject.is_swimming:
        return "Town pool"
    if subject.is_pe:
        return "Sports hall"
    if subject.name == "Construction":
        return "Workshop"
    return f"{group.name} room"
