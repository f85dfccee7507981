"""Reads of registers, scoped to who is asking: the register page and API, the missing
registers board, the out-of-window amendments report and the N deadlines.

Who may do what with a site's registers (roles held at the register's site):

| role                                          | read the register | take / amend it | safeguarding flags |
|-----------------------------------------------|-------------------|-----------------|--------------------|
| teacher                                       | yes               | yes             | no                 |
| attendance officer, dsl, deputy dsl, pastoral | yes               | yes             | yes (read audited) |
| admin                                         | yes               | yes             | no                 |
| external (placing school, agency)             | no (403)          | no (403)        | no                 |

External users (a placing school, an agency) read the attendance of the pupils they may see
on those pupils' pages and through the pupil API; a whole class's register lists children
who are none of their business, so the page, the API and anything else built on
`register_for_user` / `lesson_register_for_user` refuse them (403). Someone with no role at
the site is told the group does not exist (404), as for pupils.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from safewell.accounts.models import Role
from safewell.accounts.selectors import roles_for, sites_for
from safewell.attendance import codes
from safewell.attendance.models import LessonMark, LessonRegister, Mark, MarkAmendment, RegisterNudge, Session, SessionRegister
from safewell.attendance.register_times import local_moment, register_closes_at, register_is_closed, register_opens_at
from safewell.attendance.registers import planned_codes, pupils_on_roll_in_group
from safewell.schools.calendar import OutsideCalendar, SchoolCalendar

ROLES_TAKING_REGISTERS = frozenset({
    Role.TEACHER, Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL, Role.PASTORAL, Role.ADMIN,
})
ROLES_SEEING_PLANNED_REASONS = frozenset({Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL, Role.PASTORAL, Role.ADMIN})
READ_ONLY = "You can read this register but not change it."
NOT_A_REGISTER_READER = (
    "Registers are the school's own: you can read the attendance of your pupils on their pages."
)


# --- One register ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    pupil_id: int
    name: str
    year_group: str
    code: str  # "" = not yet marked
    minutes_late: int | None
    # Pre-filled from a planned absence (leave, C2, B/K, D); the page shows it as the mark
    # to submit unless the teacher overrides it (with a reason).
    planned_code: str
    planned_reason: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class RegisterView:
    site_id: int
    site_code: str
    site_name: str
    group_id: int
    group_name: str
    date: dt.date
    session: str
    register_id: int | None
    version: int
    taken_at: dt.datetime | None
    taken_by: str
    closed: bool
    opens_at: dt.datetime
    closes_at: dt.datetime
    # False on a day the site does not meet: nothing can be submitted.
    is_school_session: bool
    rows: tuple[RegisterRow, ...]


def register_group_for_user(user, group_id: int):
    """(group, roles at its site), or Http404 for a group at a site the user has no role at."""
    from safewell.pupils.models import RegistrationGroup

    group = RegistrationGroup.objects.select_related("site", "site__organisation").filter(
        pk=group_id, site__in=sites_for(user)
    ).first()
    if group is None:
        raise Http404("No such registration group")
    return group, roles_for(user, group.site)


def can_take_registers(roles: set[str]) -> bool:
    return bool(roles & ROLES_TAKING_REGISTERS)


def register_for_user(user, group_id: int, date: dt.date, session: str, *, now: dt.datetime) -> tuple[RegisterView, bool]:
    """The register of a group for one session, as `user` may see it, and whether they may
    take it. Pupils on roll in the group that day, their marks, the planned codes, and the
    flags their role allows. A read of safeguarding flags is audited here. PermissionDenied
    for an external user (every reader now may also take it, so `can_edit` is True; it
    stays in the contract for a read-only role)."""
    if session not in Session.values:
        raise Http404("No such session")
    group, roles = register_group_for_user(user, group_id)
    _refuse_outsiders(roles)
    site = group.site
    register = SessionRegister.objects.filter(registration_group=group, date=date, session=session).select_related(
        "taken_by"
    ).first()
    on_roll = pupils_on_roll_in_group(site, group, date)
    rows = _rows(sorted(on_roll), date, session, roles, group)
    view = RegisterView(
        site_id=site.pk, site_code=site.code, site_name=site.name, group_id=group.pk, group_name=group.name,
        date=date, session=session, register_id=register.pk if register else None,
        version=register.version if register else 0, taken_at=register.taken_at if register else None,
        taken_by=_name(register.taken_by) if register and register.taken_by else "",
        closed=register_is_closed(register, site, date, session, now),
        opens_at=register_opens_at(site, date, session), closes_at=register_closes_at(site, date, session),
        is_school_session=_is_school_session(site, date, session), rows=tuple(rows),
    )
    return view, can_take_registers(roles)


def _refuse_outsiders(roles: set[str]) -> None:
    """A whole register is read only by the staff who take registers (the table above)."""
    if not can_take_registers(roles):
        raise PermissionDenied(NOT_A_REGISTER_READER)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _is_school_session(site, date: dt.date, session: str) -> bool:
    try:
        return session in SchoolCalendar.for_site(site, date, date).scheduled_sessions(date)
    except OutsideCalendar:
        return False


def _rows(pupil_ids: Sequence[int], date: dt.date, session: str, roles: set[str], group) -> list[RegisterRow]:
    from safewell.pupils.models import Pupil

    pupils = list(Pupil.objects.filter(id__in=list(pupil_ids)))
    marks = _session_marks(pupil_ids, date, session)
    planned = planned_codes(pupil_ids=pupil_ids, date=date, session=session)
    sees_reasons = bool(roles & ROLES_SEEING_PLANNED_REASONS)
    flags, shown_safeguarding = _flags_by_pupil(pupil_ids, date, roles)
    rows = []
    for pupil in pupils:
        code, minutes = marks.get(pupil.pk, ("", None))
        plan = planned.get(pupil.pk)
        rows.append(RegisterRow(
            pupil_id=pupil.pk, name=pupil.display_name, year_group=pupil.year_group, code=code, minutes_late=minutes,
            planned_code=plan.code if plan else "", planned_reason=(plan.reason if plan and sees_reasons else ""),
            flags=flags.get(pupil.pk, ()),
        ))
    if shown_safeguarding:
        _audit_flags_read("pupils.registrationgroup", group.pk, f"the {date.isoformat()} {session} register", shown_safeguarding)
    rows.sort(key=_register_order)
    return rows


def _register_order(row) -> tuple:
    return (row.name.split(" ")[-1].lower(), row.name.lower(), row.pupil_id)


def _session_marks(pupil_ids: Sequence[int], date: dt.date, session: str) -> dict[int, tuple[str, int | None]]:
    return {
        pupil_id: (code, minutes)
        for pupil_id, code, minutes in Mark.objects.filter(
            pupil_id__in=list(pupil_ids), date=date, session=session
        ).values_list("pupil_id", "code", "minutes_late")
    }


def _flags_by_pupil(pupil_ids: Sequence[int], date: dt.date, roles: set[str]) -> tuple[dict[int, tuple[str, ...]], list[int]]:
    """({pupil id: the characteristic kinds this role may see}, [pupils shown a
    safeguarding flag]): a teacher sees no safeguarding kind (CP, CIN, looked after…)."""
    from safewell.pupils.selectors import (
        ROLES_SEEING_CHARACTERISTICS,
        ROLES_SEEING_SAFEGUARDING,
        SAFEGUARDING_CHARACTERISTICS,
        characteristic_kinds_by_pupil,
    )

    if not roles & ROLES_SEEING_CHARACTERISTICS:
        return {}, []
    sees_safeguarding = bool(roles & ROLES_SEEING_SAFEGUARDING)
    flags: dict[int, tuple[str, ...]] = {}
    shown_safeguarding = []
    for pupil_id, kinds in characteristic_kinds_by_pupil(pupil_ids, date).items():
        visible = tuple(sorted(k for k in kinds if sees_safeguarding or k not in SAFEGUARDING_CHARACTERISTICS))
        flags[pupil_id] = visible
        if any(k in SAFEGUARDING_CHARACTERISTICS for k in visible):
            shown_safeguarding.append(pupil_id)
    return flags, sorted(shown_safeguarding)


def _audit_flags_read(target_type: str, target_id: int, register: str, pupil_ids: list[int]) -> None:
    from safewell.audit.models import Action
    from safewell.audit.services import audit_log

    audit_log(
        action=Action.READ, target_type=target_type, target_id=str(target_id),
        detail=f"safeguarding flags on {register} of pupils " + ", ".join(str(p) for p in pupil_ids),
    )


# --- One lesson register -----------------------------------------------------------------------


@dataclass(frozen=True)
class LessonRow:
    """One pupil on a lesson register, with their session mark beside the lesson mark so a
    teacher sees "present at registration, missing now" (seed 004: on site but missing
    lessons). The planned fields are empty: planned absences pre-fill session registers."""

    pupil_id: int
    name: str
    year_group: str
    registration_group: str
    code: str  # the lesson mark; "" = not yet marked
    minutes_late: int | None
    session_code: str  # the session register's mark for the lesson's session; "" = none yet
    flags: tuple[str, ...]
    planned_code: str = ""
    planned_reason: str = ""

    @property
    def on_site(self) -> bool:
        """Present at registration (/ \\ L, reg 10(2) Table 1 [C]), as the rules engine reads it."""
        return self.session_code in codes.PRESENT

    @property
    def missing_on_site(self) -> bool:
        """Present at registration and absent from this lesson."""
        return self.on_site and self.code in codes.ABSENT


@dataclass(frozen=True)
class LessonRegisterView:
    site_id: int
    site_code: str
    site_name: str
    lesson_id: int
    class_name: str
    subject: str
    period_name: str
    room: str
    teacher: str
    date: dt.date
    session: str  # the register session the lesson's period falls in
    starts_at: dt.datetime
    ends_at: dt.datetime
    register_id: int | None
    version: int
    taken_at: dt.datetime | None
    taken_by: str
    # False when the lesson is not held that day (not its weekday, or its session is not held).
    is_held: bool
    rows: tuple[LessonRow, ...]

    @property
    def opens_at(self) -> dt.datetime:
        """Minutes late to a lesson count from its start (registers.lesson_register_submit)."""
        return self.starts_at


def lesson_for_user(user, lesson_id: int):
    """(lesson, roles at its site), Http404 for a lesson at a site the user has no role at,
    PermissionDenied for an external user (a whole class is not theirs)."""
    from safewell.pupils.models import Lesson

    lesson = Lesson.objects.select_related(
        "period", "period__site", "teaching_class", "teaching_class__site", "teaching_class__subject",
        "teaching_class__teacher",
    ).filter(pk=lesson_id, teaching_class__site__in=sites_for(user)).first()
    if lesson is None:
        raise Http404("No such lesson")
    roles = roles_for(user, lesson.teaching_class.site)
    _refuse_outsiders(roles)
    return lesson, roles


def lesson_register_for_user(user, lesson_id: int, date: dt.date) -> tuple[LessonRegisterView, bool]:
    """A lesson's register on `date` as `user` may see it, and whether they may take it:
    the pupils in the class that day (pupils.timetable.class_members_on), their lesson
    marks, their session mark for the lesson's session, and the flags their role allows (a
    read of safeguarding flags is audited). 404 / 403 as `lesson_for_user`."""
    from safewell.pupils.timetable import class_members_on

    lesson, roles = lesson_for_user(user, lesson_id)
    site, period = lesson.teaching_class.site, lesson.period
    register = LessonRegister.objects.filter(lesson=lesson, date=date).select_related("taken_by").first()
    pupils = list(class_members_on(lesson.teaching_class, date))
    pupil_ids = [p.pk for p in pupils]
    lesson_marks = {
        pupil_id: (code, minutes)
        for pupil_id, code, minutes in LessonMark.objects.filter(lesson_register=register, pupil_id__in=pupil_ids)
        .values_list("pupil_id", "code", "minutes_late")
    } if register is not None else {}
    session_marks = _session_marks(pupil_ids, date, period.session)
    flags, shown_safeguarding = _flags_by_pupil(pupil_ids, date, roles)
    rows = sorted((
        LessonRow(
            pupil_id=p.pk, name=p.display_name, year_group=p.year_group,
            registration_group=p.registration_group.name if p.registration_group else "",
            code=lesson_marks.get(p.pk, ("", None))[0], minutes_late=lesson_marks.get(p.pk, ("", None))[1],
            session_code=session_marks.get(p.pk, ("", None))[0], flags=flags.get(p.pk, ()),
        )
        for p in pupils
    ), key=_register_order)
    if shown_safeguarding:
        _audit_flags_read("pupils.lesson", lesson.pk, f"the {date.isoformat()} register of {lesson}", shown_safeguarding)
    view = LessonRegisterView(
        site_id=site.pk, site_code=site.code, site_name=site.name, lesson_id=lesson.pk,
        class_name=lesson.teaching_class.name, subject=lesson.teaching_class.subject.name, period_name=period.name,
        room=lesson.where, teacher=_name(lesson.teaching_class.teacher) if lesson.teaching_class.teacher else "",
        date=date, session=period.session, starts_at=local_moment(date, period.starts_at),
        ends_at=local_moment(date, period.ends_at), register_id=register.pk if register else None,
        version=register.version if register else 0, taken_at=register.taken_at if register else None,
        taken_by=_name(register.taken_by) if register and register.taken_by else "",
        is_held=_lesson_is_held(lesson, site, date), rows=tuple(rows),
    )
    return view, can_take_registers(roles)


def _lesson_is_held(lesson, site, date: dt.date) -> bool:
    if date.weekday() != lesson.weekday:
        return False
    try:
        return lesson.period.session in SchoolCalendar.for_site(site, date, date).sessions(date)
    except OutsideCalendar:
        return False


# --- The missing registers board -----------------------------------------------------------


@dataclass(frozen=True)
class MissingRegister:
    group_id: int
    group_name: str
    pupils_on_roll: int
    last_nudged_at: dt.datetime | None


def registers_missing(*, site, date: dt.date, session: str, now: dt.datetime) -> list[MissingRegister]:
    """The registration groups of `site` with pupils on roll on `date` whose `session`
    register has not been submitted, once it has opened (nothing is missing before then,
    or on a day the site does not meet). Four queries, whatever the number of groups."""
    from django.db.models import Count

    from safewell.pupils.models import Enrolment, RegistrationGroup

    if now < register_opens_at(site, date, session) or not _is_school_session(site, date, session):
        return []
    on_roll = dict(
        Enrolment.objects.filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=date), site=site, admission_date__lte=date,
                                 pupil__registration_group__site=site)
        .values("pupil__registration_group").annotate(n=Count("pupil", distinct=True))
        .values_list("pupil__registration_group", "n")
    )
    taken = set(
        SessionRegister.objects.filter(site=site, date=date, session=session, taken_at__isnull=False)
        .values_list("registration_group_id", flat=True)
    )
    nudges: dict[int, dt.datetime] = {}
    for group_id, at in RegisterNudge.objects.filter(site=site, date=date, session=session).values_list(
        "registration_group_id", "nudged_at"
    ):
        nudges[group_id] = max(at, nudges.get(group_id, at))
    groups = RegistrationGroup.objects.filter(site=site, pk__in=[g for g in on_roll if g not in taken]).order_by("name")
    return [MissingRegister(g.pk, g.name, on_roll[g.pk], nudges.get(g.pk)) for g in groups]


# --- The out-of-window amendments report -------------------------------------------------------


def out_of_window_amendments(site, start: dt.date, end: dt.date) -> QuerySet[MarkAmendment]:
    """Changes made after a register closed, at `site`, to sessions from `start` to `end`
    (both included), oldest session first: old and new code, who, when, why."""
    return (
        MarkAmendment.objects.filter(site=site, out_of_window=True, date__gte=start, date__lte=end)
        .select_related("pupil", "amended_by")
        .order_by("date", "session", "amended_at", "id")
    )


# --- N marks and their 5-school-day deadline ---------------------------------------------------

# reg 10(7)-(9) 2024 Regulations [S] (statutory.md §1, §9): N ("reason not yet established")
# must be replaced within 5 **school** days, else it becomes O.
N_DEADLINE_SCHOOL_DAYS = 5
# How far back a calendar must reach to find 6 school days before a date: the longest
# holiday (summer, about 6 weeks) plus the days themselves, with room to spare.
_CALENDAR_LOOKBACK = dt.timedelta(days=120)


def stale_n_cutoff(calendar: SchoolCalendar, today: dt.date) -> dt.date:
    """The last date whose N is overdue on `today`. An N recorded on school day D may be
    replaced on D and the 5 school days after it (our reading: the count starts the school
    day after D, and the whole 5th day is allowed) [U: reg 10(7)-(9) read via secondary
    sources]. So on `today` an N is overdue when D is on or before the 6th school day
    before `today`."""
    return calendar.nth_school_day_before(today, N_DEADLINE_SCHOOL_DAYS + 1)


def site_calendar_around(site, today: dt.date, ahead: int = 70) -> SchoolCalendar | None:
    try:
        return SchoolCalendar.for_site(site, today - _CALENDAR_LOOKBACK, today + dt.timedelta(days=ahead))
    except OutsideCalendar:
        return None


def n_marks_overdue(*, site, today: dt.date) -> QuerySet[Mark]:
    """The N marks of the site's pupils that are past their 5-school-day deadline on `today`."""
    calendar = site_calendar_around(site, today)
    try:
        cutoff = stale_n_cutoff(calendar, today) if calendar else None
    except OutsideCalendar:
        cutoff = None
    if cutoff is None:
        return Mark.objects.none()
    return Mark.objects.filter(pupil__site=site, code="N", date__lte=cutoff).order_by("date", "session", "pupil_id")


def n_marks_due_tomorrow(*, site, today: dt.date) -> QuerySet[Mark]:
    """The N marks that become overdue (and turn into O) on the next school day after
    `today`, i.e. whose last day to be replaced is today: what the attendance officer is
    told the day before. Empty when today is not a school day (the school day before
    already said so)."""
    calendar = site_calendar_around(site, today)
    if calendar is None or not calendar.is_school_day(today):
        return Mark.objects.none()
    try:
        tomorrow = calendar.nth_school_day_after(today, 1)
        due_by = stale_n_cutoff(calendar, tomorrow)
    except OutsideCalendar:
        return Mark.objects.none()
    try:
        already = stale_n_cutoff(calendar, today)
    except OutsideCalendar:
        already = None
    marks = Mark.objects.filter(pupil__site=site, code="N", date__lte=due_by)
    if already is not None:
        marks = marks.filter(date__gt=already)
    return marks.order_by("date", "session", "pupil_id")


@dataclass(frozen=True)
class UnexplainedMark:
    """An N still on the register, with the last school day to replace it."""

    pupil_id: int
    pupil_name: str
    registration_group_id: int | None
    registration_group: str
    date: dt.date
    session: str
    recorded_at: dt.datetime
    # The 5th school day after `date` (stale_n_cutoff's reading of reg 10(7)-(9) [S/U]);
    # None when the calendar does not reach that far (then it is long overdue).
    replace_by: dt.date | None
    school_days_left: int | None  # 0 = today is the last day; None when overdue

    @property
    def overdue(self) -> bool:
        return self.school_days_left is None


# The page lists at most this many N marks (the daily job keeps the list short).
UNEXPLAINED_MARKS_SHOWN = 1000


def n_marks_open(*, site, today: dt.date) -> list[UnexplainedMark]:
    """The N marks of the site's pupils (their current site, as the N -> O job reads them),
    oldest session first, each with the last school day to replace it (reg 10(7)-(9) 2024
    Regulations [S]: within 5 school days, else it becomes O). Two queries and one calendar."""
    calendar = site_calendar_around(site, today)
    marks = (
        Mark.objects.filter(pupil__site=site, code="N", date__lte=today)
        .select_related("pupil", "pupil__registration_group")
        .order_by("date", "session", "pupil__legal_surname", "pupil_id")[:UNEXPLAINED_MARKS_SHOWN]
    )
    return [_unexplained(mark, calendar, today) for mark in marks]


def _unexplained(mark: Mark, calendar: SchoolCalendar | None, today: dt.date) -> UnexplainedMark:
    replace_by = days_left = None
    try:
        if calendar is not None:
            replace_by = calendar.nth_school_day_after(mark.date, N_DEADLINE_SCHOOL_DAYS)
            if replace_by >= today:
                days_left = _school_days_between(calendar, today, replace_by)
    except OutsideCalendar:
        replace_by = None
    group = mark.pupil.registration_group
    return UnexplainedMark(
        pupil_id=mark.pupil_id, pupil_name=mark.pupil.display_name, registration_group_id=group.pk if group else None,
        registration_group=group.name if group else "", date=mark.date, session=mark.session,
        recorded_at=mark.recorded_at, replace_by=replace_by, school_days_left=days_left,
    )


def _school_days_between(calendar: SchoolCalendar, today: dt.date, last: dt.date) -> int:
    """School days after `today` up to and including `last` (0 when `last` is today)."""
    days, day = 0, today
    while day < last:
        day = calendar.nth_school_day_after(day, 1)
        days += 1
    return days


assert "N" in codes.UNEXPLAINED
