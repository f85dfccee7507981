"""Demo data of the attendance app: every demo pupil's session marks from their admission
up to the demo's "today" (today's registers left untaken), the registers those marks were
taken in, planned absences, and the stories of docs/demo.md.

Background marks come from the generator's simulation (`attendance/synthetic.py`: the
pupils' characteristics, phase "special" for both settings, the setting's real calendar),
drawn with a fixed seed per setting and year. The stories are then written over them,
placed relative to today with the school calendar. Marks and their session stores are
written together in bulk, in the transaction of `demo_load`, through the same path as
`safewell generate` (attendance/management/commands/generate.py: `bulk_insert` and
`store.session_stores_write`); one audit event records each setting's year of marks.

Idempotent: a year is generated only when none of the setting's pupils has a session store
for it yet. The data is built around the today of the first load; a later load reuses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from safewell.attendance import synthetic
from safewell.attendance.models import Mark, MarkSource, PlannedAbsence, SessionRegister, SessionStore, session_bit
from safewell.attendance.store import BYTE_TO_CODE, CODE_TO_BYTE, session_stores_write, year_sessions
from safewell.demo.demo_data.plan import ClassPlan, OrganisationPlan, PupilPlan, demo_plan, timetable
from safewell.pupils.models import Pupil
from safewell.schools.calendar import SchoolCalendar
from safewell.schools.models import AcademicYear, Organisation, Site

LONDON = ZoneInfo("Europe/London")
# The minutes a register is open at every demo site (demo.yaml); L is within it, U after
# (statutory.md §9; attendance/lateness.py counts minutes from the opening).
REGISTER_OPEN_MINUTES = 30
PRESENT = {"AM": "/", "PM": "\\"}
# Stale N becomes O after 5 school days (reg 10(7)-(9), 2024 Regulations [S], statutory.md §1).
N_KEPT_FOR_SCHOOL_DAYS = 5


def load(*, today: dt.date) -> None:
    for plan in demo_plan().organisations:
        organisation = Organisation.objects.get(name=plan.name)
        DemoAttendance(organisation, plan, today).load()


# --- The stories, placed relative to today (pure: a calendar in, overrides out) ------------------


@dataclass(frozen=True)
class Override:
    upn: str
    date: dt.date
    session: str
    code: str
    minutes_late: int | None = None


@dataclass(frozen=True)
class LessonAbsence:
    """A lesson a story pupil misses while present at registration: written as a lesson
    mark once lesson registers exist (docs/demo.md)."""

    upn: str
    date: dt.date
    teaching_class: str
    period: str


@dataclass
class Stories:
    overrides: list[Override] = field(default_factory=list)
    lesson_absences: list[LessonAbsence] = field(default_factory=list)
    # (upn, code, starts_on, ends_on, sessions, review_on, reason)
    planned: list[tuple] = field(default_factory=list)
    # The looked-after child's missing episodes: (upn, first day, first session, last day).
    missing_episodes: list[tuple[str, dt.date, str, dt.date]] = field(default_factory=list)
    cme_run: list[dt.date] = field(default_factory=list)

    def both_sessions(self, upn: str, day: dt.date, code: str) -> None:
        self.overrides += [Override(upn, day, "AM", code), Override(upn, day, "PM", code)]

    def present(self, upn: str, day: dt.date, sessions: Iterable[str] = ("AM", "PM")) -> None:
        self.overrides += [Override(upn, day, s, PRESENT[s]) for s in sessions]


def _days_before(calendar: SchoolCalendar, today: dt.date) -> list[dt.date]:
    """Every school day of the calendar before `today` (today's registers are untaken)."""
    return calendar.school_days_between(calendar.start, today - dt.timedelta(days=1))


def unexplained_code(calendar: SchoolCalendar, day: dt.date, today: dt.date) -> str:
    """N while it may still be explained, O once 5 school days have passed (the daily job
    turns a stale N into O; reg 10(7)-(9) [S])."""
    return "N" if calendar.school_day_count(day, today) - 1 < N_KEPT_FOR_SCHOOL_DAYS else "O"


def cme_run(calendar: SchoolCalendar, today: dt.date, length: int = 12, before: int = 5) -> list[dt.date]:
    """The 12 school days of the child missing education story, across the most recent
    holiday before today: the last `before` school days before it and the first days after
    it. When fewer days have passed since the holiday, the run ends on the last school day
    before today and starts 12 school days earlier (so it still spans the holiday)."""
    days = _days_before(calendar, today)
    # The first school day after each holiday: a gap of more than 5 calendar days (a
    # weekend with a bank holiday is at most 4).
    returns = [i for i in range(1, len(days)) if (days[i] - days[i - 1]).days > 5 and i >= before]
    if not returns or len(days) < length:
        return days[-length:]
    back = returns[-1]
    if len(days) - back >= length - before:
        return days[back - before : back - before + length]
    return days[-length:]


def _rng(*parts: int) -> np.random.Generator:
    return np.random.default_rng([0xDE70, *parts])


def stories_place(plan: OrganisationPlan, pupils: list[PupilPlan], calendar: SchoolCalendar,
                  today: dt.date, current_year_start: dt.date) -> Stories:
    """Every story of the setting, as mark overrides, lesson absences and planned absences."""
    stories = Stories()
    classes = timetable(plan)
    for pupil in pupils:
        if pupil.story and pupil.story in _STORY_WRITERS:
            _STORY_WRITERS[pupil.story](stories, pupil, calendar, today, current_year_start, classes, pupils)
    return stories


def _cme_twelve_days(stories: Stories, pupil: PupilPlan, calendar, today, year_start, classes, pupils) -> None:
    run = cme_run(calendar, today)
    stories.cme_run = run
    days = _days_before(calendar, today)
    first, last = days.index(run[0]), days.index(run[-1])
    # Present on the school days around the run, so the run is exactly 12 school days.
    for day in days[max(0, first - 3) : first] + days[last + 1 : last + 4]:
        stories.present(pupil.upn, day)
    for day in run:
        stories.both_sessions(pupil.upn, day, unexplained_code(calendar, day, today))


def _monday_friday(stories: Stories, pupil: PupilPlan, calendar, today, year_start, classes, pupils) -> None:
    """Absent on most Mondays and Fridays this year (mostly unexplained, some illness the
    family reports), present midweek: the pattern seed 004 asks about ("before or after
    the weekend suggesting the child is away from the area?"). Last year was ordinary."""
    rng = _rng(1, today.toordinal())
    for day in calendar.school_days_between(year_start, today - dt.timedelta(days=1)):
        if day.weekday() in (0, 4) and rng.random() < 0.75:
            code = "I" if rng.random() < 0.25 else unexplained_code(calendar, day, today)
            stories.both_sessions(pupil.upn, day, code)
        else:
            stories.present(pupil.upn, day)


def _part_time_timetable(stories: Stories, pupil: PupilPlan, calendar, today, year_start, classes, pupils) -> None:
    """Mornings only for a time (C2 every afternoon), agreed, time-limited and reviewed
    (reg 11(6) [C]; glossary: part-time timetable)."""
    weeks = calendar.last_school_weeks(today, 6)
    starts_on = max(weeks[0], year_start)
    ends_on = today + dt.timedelta(weeks=4)
    review_on = today + dt.timedelta(days=10)
    afternoons = sum(session_bit(weekday, "PM") for weekday in range(5))
    stories.planned.append((
        pupil.upn, "C2", starts_on, ends_on, afternoons, review_on,
        "Mornings only after a long hospital stay, agreed with the family and the placing school; "
        "reviewed every fortnight with a plan to add one afternoon at a time.",
    ))
    for day in calendar.school_days_between(starts_on, today - dt.timedelta(days=1)):
        stories.overrides.append(Override(pupil.upn, day, "PM", "C2"))


def _lesson_dates(calendar: SchoolCalendar, cls: ClassPlan, slot: tuple[int, str], today: dt.date,
                  count: int) -> list[dt.date]:
    """The last `count` school days before today on which `slot` of `cls` took place."""
    weekday, _ = slot
    days = [d for d in _days_before(calendar, today) if d.weekday() == weekday]
    return days[-count:]


def _friends_missing_lessons(stories: Stories, pupil: PupilPlan, calendar, today, year_start, classes, pupils) -> None:
    """Three friends (the three pupils of this story, all in one group) miss the same
    afternoon lesson each week while present at registration, and twice skip the whole
    afternoon together (seed 004: "are other students routinely missing the same
    lessons?"). Written once, for the first of the three."""
    friends = [p for p in pupils if p.story == pupil.story]
    if pupil is not friends[0]:
        return
    cls = _afternoon_class(classes, pupil, "Maths")
    slot = next(s for s in cls.slots if s[1] in _afternoon_periods(pupil))
    lesson_days = _lesson_dates(calendar, cls, slot, today, 6)
    for friend in friends:
        for day in lesson_days:
            stories.present(friend.upn, day)
            stories.lesson_absences.append(LessonAbsence(friend.upn, day, cls.name, slot[1]))
    other_days = [d for d in _days_before(calendar, today)[-25:] if d.weekday() != slot[0] and d.weekday() in (1, 3)]
    for day in other_days[-2:]:
        for friend in friends:
            stories.overrides.append(Override(friend.upn, day, "AM", "/"))
            stories.overrides.append(Override(friend.upn, day, "PM", unexplained_code(calendar, day, today)))


def _afternoon_periods(pupil: PupilPlan) -> set[str]:
    site = next(s for o in demo_plan().organisations for s in o.sites if s.code == pupil.site_code)
    return {name for name, starts, _ in site.periods if starts >= site.pm_register[0]}


def _afternoon_class(classes: list[ClassPlan], pupil: PupilPlan, subject: str) -> ClassPlan:
    """The group's class of `subject` when it meets in an afternoon, else any afternoon class."""
    afternoon = _afternoon_periods(pupil)
    mine = [c for c in classes if c.group == pupil.group and c.site_code == pupil.site_code]
    for cls in sorted(mine, key=lambda c: c.subject != subject):
        if any(period in afternoon for _, period in cls.slots):
            return cls
    raise ValueError(f"group {pupil.group} has no afternoon lesson")


def _misses_pe(stories: Stories, pupil: PupilPlan, calendar, today, year_start, classes, pupils) -> None:
    """Present at both registrations on PE and swimming days, absent from every PE and
    swimming lesson of the last six weeks (seed 004: "is the lesson being missed one that
    would cause bruising or injuries to become visible?")."""
    plan = next(o for o in demo_plan().organisations if pupil.site_code in o.site_codes)
    uncovering = {s.name for s in plan.subjects if s.is_pe or s.is_swimming}
    for cls in classes:
        if cls.group != pupil.group or cls.site_code != pupil.site_code or cls.subject not in uncovering:
            continue
        for slot in cls.slots:
            for day in _lesson_dates(calendar, cls, slot, today, 6):
                stories.present(pupil.upn, day)
                stories.lesson_absences.append(LessonAbsence(pupil.upn, day, cls.name, slot[1]))


def _looked_after_missing(stories: Stories, pupil: PupilPlan, calendar, today, year_start, classes, pupils) -> None:
    """Three missing episodes this term (from the children's home), each a run of absence:
    two days about eight weeks ago, one day about five weeks ago, and the latest from
    lunchtime about two weeks ago for two and a half days. The episodes themselves (police
    reference, return-home interview) come with the case-work records."""
    days = _days_before(calendar, today)
    for start, length, from_pm in ((40, 2, False), (25, 1, False), (11, 3, True)):
        if start >= len(days):
            continue
        first = days[-start]
        run = days[-start : -start + length] if -start + length < 0 else days[-start:]
        stories.missing_episodes.append((pupil.upn, first, "PM" if from_pm else "AM", run[-1]))
        for index, day in enumerate(run):
            code = unexplained_code(calendar, day, today)
            if index == 0 and from_pm:
                stories.present(pupil.upn, day, ("AM",))
                stories.overrides.append(Override(pupil.upn, day, "PM", code))
            else:
                stories.both_sessions(pupil.upn, day, code)
        for day in days[days.index(run[-1]) + 1 : days.index(run[-1]) + 3]:
            stories.present(pupil.upn, day)


def _young_carer_late(stories: Stories, pupil: PupilPlan, calendar, today, year_start, classes, pupils) -> None:
    """Late on about a third of mornings this year (L within the 30 minutes the register is
    open, U after it closes: statutory.md §9), seed 004: "are they late because of a caring
    responsibility?"."""
    rng = _rng(7, today.toordinal())
    for day in calendar.school_days_between(year_start, today - dt.timedelta(days=1)):
        roll = rng.random()
        minutes_l, minutes_u = int(rng.integers(4, REGISTER_OPEN_MINUTES)), int(rng.integers(REGISTER_OPEN_MINUTES + 5, 80))
        if roll < 0.08:
            stories.overrides.append(Override(pupil.upn, day, "AM", "U", minutes_u))
        elif roll < 0.36:
            stories.overrides.append(Override(pupil.upn, day, "AM", "L", minutes_l))


_STORY_WRITERS = {
    "cme_twelve_days": _cme_twelve_days,
    "monday_friday": _monday_friday,
    "part_time_timetable": _part_time_timetable,
    "friends_missing_lessons": _friends_missing_lessons,
    "misses_pe": _misses_pe,
    "looked_after_missing": _looked_after_missing,
    "young_carer_late": _young_carer_late,
}


# --- Writing one setting's attendance --------------------------------------------------------------


class DemoAttendance:
    """One demo setting's marks, stores, registers and planned absences."""

    def __init__(self, organisation: Organisation, plan: OrganisationPlan, today: dt.date) -> None:
        from safewell.demo.pupils import demo_roster

        self.organisation = organisation
        self.plan = plan
        self.today = today
        self.pupils = demo_roster(plan, today)
        self.ids = dict(Pupil.objects.filter(organisation=organisation).values_list("upn", "id"))
        self.sites = {s.code: s for s in Site.objects.filter(organisation=organisation)}
        self.calendar = SchoolCalendar.for_site(self.sites[plan.sites[0].code])
        self.years = list(AcademicYear.objects.filter(organisation=organisation, starts_on__lte=today).order_by("starts_on"))
        current = self.years[-1]
        self.year_start = self.calendar.school_days_between(current.starts_on, current.ends_on)[0]
        self.stories = stories_place(plan, self.pupils, self.calendar, today, self.year_start)
        from safewell.accounts.models import User

        self.users = dict(User.objects.filter(username__in=[p.username for p in plan.staff]).values_list("username", "id"))

    def load(self) -> None:
        for index, year in enumerate(self.years):
            if not SessionStore.objects.filter(academic_year=year, pupil__organisation=self.organisation).exists():
                self._year_write(year, seed=self.plan.seed * 100 + index)
        self._planned_absences_load()
        self._registers_load(self.years[-1])
        self._lessons_load(self.years[-1])

    # -- marks ------------------------------------------------------------------------------

    def _population(self) -> synthetic.Population:
        """The setting's pupils as the simulation's population: one school, phase special
        (the nearest published figures for both an AP and a special school [estimate]),
        each pupil their own family."""
        n = len(self.pupils)
        groups = sorted({(p.site_code, p.group) for p in self.pupils})
        group_of = np.array([groups.index((p.site_code, p.group)) for p in self.pupils], dtype=np.int32)
        has = {kind: np.array([kind in p.characteristics for p in self.pupils]) for kind in (
            "free_school_meals", "ehc_plan", "sen_support", "child_in_need", "child_protection_plan",
            "looked_after", "young_carer",
        )}
        year_group = np.array([int(p.year_group) for p in self.pupils], dtype=np.int8)
        return synthetic.Population(
            school=np.zeros(n, dtype=np.int32),
            phase=np.full(n, synthetic.SPECIAL, dtype=np.uint8),
            year_group=year_group,
            group=group_of,
            family=np.arange(n, dtype=np.int32),
            male=np.array([p.sex == "M" for p in self.pupils]),
            gypsy_roma_traveller=np.zeros(n, dtype=bool),
            school_phase=np.array([synthetic.SPECIAL], dtype=np.uint8),
            school_local_authority=np.zeros(1, dtype=np.int16),
            group_school=np.zeros(len(groups), dtype=np.int32),
            group_year=np.array([year_group[group_of == g][0] for g in range(len(groups))], dtype=np.int8),
            **has,
        )

    def _background(self, year: AcademicYear, seed: int) -> tuple[np.ndarray, dict[tuple[int, int], int]]:
        """(pupils × session index) store bytes of the simulation, and the minutes of its
        L and U marks, for the sessions before today on which each pupil was on roll."""
        index = year_sessions(year)
        sessions = index.sessions()
        open_columns = np.flatnonzero(self.calendar.open_session_mask(year.name))
        timeline = synthetic.SessionTimeline.build(
            np.array([sessions[i][0] for i in open_columns], dtype="datetime64[D]"),
            np.array([sessions[i][1] == "PM" for i in open_columns]),
        )
        simulated = synthetic.marks_simulate_all(population=self._population(), timeline=timeline, seed=seed)
        to_byte = np.array([CODE_TO_BYTE[c] if c else 0 for c in synthetic.SIM_CODES], dtype=np.uint8)
        # Part-time timetables are the story's alone: a C2 needs its agreed plan.
        c2_rows, c2_columns = np.nonzero(simulated == synthetic.SIM["C2"])
        simulated[c2_rows, c2_columns] = np.where(timeline.is_pm[c2_columns], synthetic.SIM["\\"], synthetic.SIM["/"])
        matrix = np.zeros((len(self.pupils), len(index)), dtype=np.uint8)
        matrix[:, open_columns] = to_byte[simulated]
        dates = np.array([d for d, _ in sessions], dtype="datetime64[D]")
        admitted = np.array([p.admission_date for p in self.pupils], dtype="datetime64[D]")
        matrix[(dates[None, :] < admitted[:, None]) | (dates[None, :] >= np.datetime64(self.today))] = 0
        self._dual_days(matrix, sessions)
        rng = _rng(seed)
        minutes = {}
        for row, column in zip(*np.nonzero((matrix == CODE_TO_BYTE["L"]) | (matrix == CODE_TO_BYTE["U"]))):
            late = matrix[row, column] == CODE_TO_BYTE["L"]
            minutes[(int(row), int(column))] = int(rng.integers(2, REGISTER_OPEN_MINUTES) if late else rng.integers(REGISTER_OPEN_MINUTES + 1, 90))
        return matrix, minutes

    def _dual_days(self, matrix: np.ndarray, sessions) -> None:
        """D on the sessions a dual-registered pupil spends at the placing school (reg 10
        Table 2 [S]: each school records D for sessions due at the other)."""
        weekdays = np.array([d.weekday() for d, _ in sessions])
        for row, pupil in enumerate(self.pupils):
            if pupil.dual_weekday is not None:
                columns = (weekdays == pupil.dual_weekday) & (matrix[row] > 0)
                matrix[row, columns] = CODE_TO_BYTE["D"]

    def _year_write(self, year: AcademicYear, seed: int) -> None:
        matrix, minutes = self._background(year, seed)
        index = year_sessions(year)
        rows = {p.upn: i for i, p in enumerate(self.pupils)}
        for override in self.stories.overrides:
            if override.date in index and override.date < self.today and override.date >= self.pupils[rows[override.upn]].admission_date:
                column = index.session_index(override.date, override.session)
                matrix[rows[override.upn], column] = CODE_TO_BYTE[override.code]
                minutes.pop((rows[override.upn], column), None)
                if override.minutes_late is not None:
                    minutes[(rows[override.upn], column)] = override.minutes_late
        self._marks_write(year, matrix, minutes)

    def _marks_write(self, year: AcademicYear, matrix: np.ndarray, minutes: dict[tuple[int, int], int]) -> None:
        from safewell.attendance.management.commands.generate import bulk_insert
        from safewell.audit.services import audit_log

        index = year_sessions(year)
        sessions = index.sessions()
        rows, columns = np.nonzero(matrix)
        if not len(rows):
            return
        pupil_ids = np.array([self.ids[p.upn] for p in self.pupils], dtype=np.int64)
        tutors = np.array([self._tutor_id(p) or 0 for p in self.pupils], dtype=np.int64)
        frame = pl.DataFrame({
            "pupil_id": pupil_ids[rows],
            "date": pl.Series([sessions[c][0] for c in columns], dtype=pl.Date),
            "session": [sessions[c][1] for c in columns],
            "code": [BYTE_TO_CODE[b] for b in matrix[rows, columns]],
            "minutes_late": pl.Series([minutes.get((int(r), int(c))) for r, c in zip(rows, columns)], dtype=pl.Int16),
            "recorded_at": pl.Series([self._recorded_at(self.pupils[r], *sessions[c]) for r, c in zip(rows, columns)],
                                     dtype=pl.Datetime("us", "UTC")),
            "recorded_by_id": pl.Series([int(tutors[r]) or None for r in rows], dtype=pl.Int64),
            "source": np.full(len(rows), int(MarkSource.GENERATED), dtype=np.int16),
        })
        bulk_insert(Mark._meta.db_table, frame)
        on_roll = np.flatnonzero(matrix.any(axis=1))
        order = on_roll[np.argsort(pupil_ids[on_roll])]
        session_stores_write(academic_year_id=year.id, pupil_ids=pupil_ids[order], marks=matrix[order])
        audit_log(
            action="create", target_type="attendance.mark",
            detail=f"demo: {len(rows)} generated session marks for {self.organisation} {year.name}, to {self.today:%d %b %Y}",
        )

    def _tutor_id(self, pupil: PupilPlan) -> int | None:
        group = next(g for g in self.plan.site(pupil.site_code).groups if g.name == pupil.group)
        return self.users.get(group.tutor)

    def _recorded_at(self, pupil: PupilPlan, day: dt.date, session: str) -> dt.datetime:
        """A few minutes after the register opened, local time, as UTC."""
        site = self.plan.site(pupil.site_code)
        opens = site.am_register[0] if session == "AM" else site.pm_register[0]
        local = dt.datetime.combine(day, opens, LONDON) + dt.timedelta(minutes=4 + day.toordinal() % 9)
        return local.astimezone(dt.UTC)

    # -- registers and planned absences -----------------------------------------------------------

    def _registers_load(self, year: AcademicYear) -> None:
        """The current year's session registers before today, taken and closed, so the
        missing-registers board and amendments see them as taken (today's stay untaken)."""
        from safewell.pupils.models import RegistrationGroup

        groups = {(g.site.code, g.name): g for g in RegistrationGroup.objects.filter(site__organisation=self.organisation).select_related("site")}
        existing = set(SessionRegister.objects.filter(site__organisation=self.organisation, date__gte=year.starts_on)
                       .values_list("registration_group_id", "date", "session"))
        registers = []
        for site_plan in self.plan.sites:
            for group_plan in site_plan.groups:
                group = groups[(site_plan.code, group_plan.name)]
                first = min((p.admission_date for p in self.pupils if p.group == group_plan.name and p.site_code == site_plan.code))
                tutor = self.users.get(group_plan.tutor)
                for day, session in self.calendar.sessions_between(max(first, year.starts_on), self.today - dt.timedelta(days=1)):
                    if (group.id, day, session) in existing:
                        continue
                    opens, closes = site_plan.am_register if session == "AM" else site_plan.pm_register
                    registers.append(SessionRegister(
                        site=group.site, registration_group=group, date=day, session=session, version=1,
                        taken_at=dt.datetime.combine(day, opens, LONDON) + dt.timedelta(minutes=4), taken_by_id=tutor,
                        closed_at=dt.datetime.combine(day, closes, LONDON),
                    ))
        SessionRegister.objects.bulk_create(registers, batch_size=2000)

    def _lessons_load(self, year: AcademicYear) -> None:
        """Every lesson register of the current year before today, taken by the class's
        teacher, with a mark for each member of the class (today's stay untaken)."""
        from safewell.attendance.management.commands.generate import bulk_insert
        from safewell.attendance.models import LessonMark, LessonRegister
        from safewell.audit.services import audit_log
        from safewell.pupils.models import ClassMembership, Lesson

        lessons = list(Lesson.objects.filter(teaching_class__site__organisation=self.organisation)
                       .select_related("period", "period__site", "teaching_class"))
        if LessonRegister.objects.filter(lesson__in=lessons, date__gte=year.starts_on).exists():
            return
        members: dict[int, list[tuple[int, dt.date, dt.date | None]]] = {}
        for class_id, pupil_id, starts_on, ends_on in ClassMembership.objects.filter(
            teaching_class__site__organisation=self.organisation
        ).values_list("teaching_class_id", "pupil_id", "starts_on", "ends_on"):
            members.setdefault(class_id, []).append((pupil_id, starts_on, ends_on))
        session_codes = {
            (pupil_id, day, session): code
            for pupil_id, day, session, code in Mark.objects.filter(
                pupil__organisation=self.organisation, date__gte=year.starts_on
            ).values_list("pupil_id", "date", "session", "code")
        }
        missed = {
            (self.ids[a.upn], a.date, a.teaching_class, a.period): unexplained_code(self.calendar, a.date, self.today)
            for a in self.stories.lesson_absences
        }
        marks_of = _LessonMarks(session_codes, missed)
        registers, marks = [], []
        for day in self.calendar.school_days_between(year.starts_on, self.today - dt.timedelta(days=1)):
            held = self.calendar.sessions(day)
            for lesson in lessons:
                if lesson.weekday != day.weekday() or lesson.period.session not in held:
                    continue
                register, lesson_marks = self._lesson_register(lesson, day, members.get(lesson.teaching_class_id, []), marks_of)
                if lesson_marks:
                    registers.append(register)
                    marks.append(lesson_marks)
        # The registers' ids come back from bulk_create (both databases); the marks, tens of
        # thousands, go in through the generator's COPY/executemany path.
        LessonRegister.objects.bulk_create(registers, batch_size=2000)
        rows = [(register.pk, *mark) for register, group in zip(registers, marks) for mark in group]
        bulk_insert(LessonMark._meta.db_table, pl.DataFrame(
            {
                "lesson_register_id": [r[0] for r in rows],
                "pupil_id": [r[1] for r in rows],
                "code": [r[2] for r in rows],
                "minutes_late": pl.Series([None] * len(rows), dtype=pl.Int16),
                "recorded_at": pl.Series([r[3] for r in rows], dtype=pl.Datetime("us", "UTC")),
                "recorded_by_id": pl.Series([r[4] for r in rows], dtype=pl.Int64),
            }
        ))
        audit_log(
            action="create", target_type="attendance.lessonmark",
            detail=f"demo: {len(registers)} lesson registers with {sum(map(len, marks))} lesson marks for "
                   f"{self.organisation} {year.name}, to {self.today:%d %b %Y}",
        )

    def _lesson_register(self, lesson, day: dt.date, members, marks_of: _LessonMarks):
        """The register of `lesson` on `day` and its marks as (pupil id, code, recorded at,
        recorded by) rows."""
        from safewell.attendance.models import LessonRegister

        starts = dt.datetime.combine(day, lesson.period.starts_at, LONDON)
        teacher_id = lesson.teaching_class.teacher_id
        register = LessonRegister(
            lesson=lesson, date=day, version=1, taken_at=starts + dt.timedelta(minutes=3), taken_by_id=teacher_id,
            closed_at=dt.datetime.combine(day, lesson.period.ends_at, LONDON),
        )
        recorded_at = (starts + dt.timedelta(minutes=3)).astimezone(dt.UTC)
        marks = []
        for pupil_id, starts_on, ends_on in members:
            if starts_on <= day and (ends_on is None or day <= ends_on):
                code = marks_of.code(pupil_id, day, lesson.period.session, lesson.teaching_class.name, lesson.period.name)
                if code is not None:
                    marks.append((pupil_id, code, recorded_at, teacher_id))
        return register, marks

    def _planned_absences_load(self) -> None:
        from safewell.attendance.registers import planned_absence_record
        from safewell.pupils.models import Enrolment

        now = dt.datetime.combine(self.year_start, dt.time(8), LONDON)
        for upn, code, starts_on, ends_on, sessions, review_on, reason in self.stories.planned:
            pupil_id = self.ids[upn]
            if PlannedAbsence.objects.filter(pupil_id=pupil_id, code=code).exists():
                continue
            planned_absence_record(
                pupil=Pupil.objects.get(pk=pupil_id), code=code, starts_on=starts_on, ends_on=ends_on,
                sessions=sessions, review_on=review_on, reason=reason, now=now,
            )
        for pupil in self.pupils:
            if pupil.dual_weekday is None or PlannedAbsence.objects.filter(pupil_id=self.ids[pupil.upn], code="D").exists():
                continue
            enrolment = Enrolment.objects.get(pupil_id=self.ids[pupil.upn], dual_registration__gt="")
            planned_absence_record(
                pupil=enrolment.pupil, code="D", enrolment=enrolment, starts_on=pupil.admission_date,
                sessions=session_bit(pupil.dual_weekday, "AM") | session_bit(pupil.dual_weekday, "PM"),
                reason=f"At {pupil.placing_school} every {('Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday')[pupil.dual_weekday]}",
                now=now,
            )


class _LessonMarks:
    """What each pupil's lesson mark is, from their session mark: present at registration
    means present in the lesson (unless a story says they missed it); otherwise the
    lesson carries the session's code (ill, at the placing school, on a part-time
    timetable…)."""

    # Present at registration, so in the lesson: /, \\, L (late to registration, then in
    # lessons) and U (arrived after the register closed, then in lessons).
    IN_SCHOOL = frozenset({"/", "\\", "L", "U"})

    def __init__(self, session_codes: dict[tuple[int, dt.date, str], str], missed: dict[tuple[int, dt.date, str, str], str]):
        self.session_codes = session_codes
        self.missed = missed

    def code(self, pupil_id: int, day: dt.date, session: str, class_name: str, period: str) -> str | None:
        session_code = self.session_codes.get((pupil_id, day, session))
        if session_code is None:
            return None
        missed = self.missed.get((pupil_id, day, class_name, period))
        if missed is not None:
            return missed
        return PRESENT[session] if session_code in self.IN_SCHOOL else session_code


def lesson_absences(organisation_key: str, today: dt.date) -> list[LessonAbsence]:
    """The lessons the story pupils of a setting miss (for lesson registers, and tests)."""
    plan = demo_plan().organisation(organisation_key)
    organisation = Organisation.objects.get(name=plan.name)
    return DemoAttendance(organisation, plan, today).stories.lesson_absences

