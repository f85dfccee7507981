"""Register pages: a teacher's registers for today, the session register and the lesson
register, and the attendance officer's register tools (the late book, the missing registers
board, the out-of-window amendments report, the unexplained absences (N) page).

The register pages work without JavaScript: the form posts here and the view calls
`registers.register_submit` (or `lesson_register_submit`) directly. With JavaScript
(core/frontend/register.js) the same marks go to `POST /api/registers/submit` (or
`/api/lesson-registers/submit`) as JSON, with an idempotency key kept in the browser until
the server has answered (issue 4 §6: no lost marks). Both pages share one form template
(_register_form.html).

Who may use what (roles held at the site in question; a site where the user has no role
does not exist for them: 404):

| page                          | teacher | attendance officer | dsl, deputy dsl | pastoral | admin | external |
|-------------------------------|---------|--------------------|-----------------|----------|-------|----------|
| my registers, a (lesson) register | yes | yes                | yes             | yes      | yes   | 403      |
| late book                     | no      | yes                | no              | yes      | yes   | no       |
| missing registers, amendments | no      | yes                | yes             | no       | yes   | no       |
| unexplained absences (N)      | no      | yes                | yes             | no       | yes   | no       |

External users (placing schools, agencies) read marks of their pupils through the pupil
pages; a whole class's register is the school's business.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safewell.accounts.models import Role
from safewell.accounts.selectors import roles_for, sites_for
from safewell.attendance import codes, jobs, lateness, register_times, registers, selectors
from safewell.attendance.models import Mark, RegisterNudge, Session, SessionRegister
from safewell.accounts.current_site import current_site
from safewell.pupils.models import CharacteristicKind, RegistrationGroup
from safewell.pupils.selectors import pupil_for_user, pupil_search
from safewell.schools.calendar import OutsideCalendar, SchoolCalendar

LONDON = register_times.LONDON

LATE_BOOK_ROLES = frozenset({Role.ATTENDANCE_OFFICER, Role.PASTORAL, Role.ADMIN})
# The people who chase missing registers and answer for amendments: the attendance officer,
# the DSL team (a deputy does the DSL's job at their site) and administrators.
REGISTER_OVERSIGHT_ROLES = frozenset({Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL, Role.ADMIN})

NOT_A_REGISTER_TAKER = "Registers are taken by the school's staff; you can read your pupils' attendance on their pages."
NO_LATE_BOOK = "The late book is for reception: attendance officers, pastoral staff and administrators."
NO_OVERSIGHT = "This page is for attendance officers, the DSL team and administrators."
NO_SUCH_DATE = "There is no date {day}."
ARRIVAL_TIME_INVALID = "Enter the arrival time as hours and minutes, like 09:05."
ARRIVAL_IN_THE_FUTURE = "The arrival time {arrived:%H:%M} is later than now ({now:%H:%M})."
CHOOSE_A_PUPIL = "Choose the pupil who has arrived."
REGISTER_SAVED = "Register saved: {applied} mark(s) recorded (version {version})."
REGISTER_ALREADY_SAVED = "These marks were already saved (version {version})."
REGISTER_NOTHING_CHANGED = "Nothing had changed, so nothing was saved."
REGISTER_REJECTED = "Nothing was saved: {count} problem(s). Correct the marks shown and save again."
REGISTER_CONFLICT = (
    "Nothing was saved: {count} of your marks were changed by someone else since you opened the register. "
    "Each is shown below with their mark; your marks are still in the boxes. Keep or change them, then save again."
)
LATE_SIGNED_IN = "{name} signed in at {arrived:%H:%M}: {code} ({meaning}), {minutes} minutes late."
NUDGED = "{group}: {teacher} has been reminded to take the {session} register."
NUDGED_NO_TEACHER = jobs.NO_TEACHER_FOUND
AMENDMENTS_END_BEFORE_START = "The end date must be on or after the start date."
AMENDMENTS_RANGE_TOO_LONG = "Choose at most {days} days."
AMENDMENTS_MAX_DAYS = 366

SESSION_NAMES = {Session.AM: "morning", Session.PM: "afternoon"}
PRESENT_CODES = {Session.AM: "/", Session.PM: "\\"}
_KIND_LABELS = dict(CharacteristicKind.choices)


def _now() -> dt.datetime:
    """The one place these views read the clock; everything below is given `now`."""
    return timezone.now()


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, LONDON)


def _parse_day(day: str) -> dt.date:
    try:
        return dt.date.fromisoformat(day)
    except ValueError:
        raise Http404(NO_SUCH_DATE.format(day=day)) from None


def _sessions_held(site, day: dt.date) -> tuple[str, ...]:
    """The sessions the site meant to hold on `day` (the register takes a mark on each)."""
    try:
        calendar = SchoolCalendar.for_site(site, day, day)
        return calendar.scheduled_sessions(day) if calendar.years else ()
    except OutsideCalendar:
        return ()


def _current_session(site, now: dt.datetime) -> str:
    """AM until the afternoon register opens, then PM (local wall clock)."""
    return Session.AM if _local(now).time() < site.pm_register_opens_at else Session.PM


def _site_for(request: HttpRequest, roles: frozenset[str], refused: str):
    """The site a tool page is about: ?site=<code> among the user's sites where they hold
    one of `roles`, else their current site if it is one, else the first. 403 with none."""
    sites = list(sites_for(request.user, roles=roles).order_by("organisation__name", "name"))
    if not sites:
        raise PermissionDenied(refused)
    wanted = request.GET.get("site") or request.POST.get("site")
    if wanted:
        for site in sites:
            if site.code == wanted:
                return site, sites
        raise Http404("No such site")
    chosen = current_site(request)
    return (chosen if chosen in sites else sites[0]), sites


def _register_url(group_id: int, day: dt.date, session: str) -> str:
    return reverse("attendance:register", kwargs={"group_id": group_id, "day": day.isoformat(), "session": session})


# --- My registers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterLink:
    group_name: str
    session: str
    session_name: str
    url: str
    status: str
    taken: bool
    # Opened and not taken yet: one to take now (or one missed).
    due: bool = False


@dataclass
class GroupRegisters:
    group: RegistrationGroup
    links: list[RegisterLink] = field(default_factory=list)


# How far back "whose group is this" looks: the taker of a group's recent registers.
_RECENT_TAKERS_DAYS = 42


def _recent_taker_by_group(site, today: dt.date) -> dict[int, int]:
    """{group id: user id of whoever took its most recent register} over the last weeks:
    for a group with no tutor recorded, a teacher's groups are the ones whose registers they
    have been taking."""
    rows = (
        SessionRegister.objects.filter(
            site=site, taken_by__isnull=False, date__gte=today - dt.timedelta(days=_RECENT_TAKERS_DAYS), date__lte=today
        )
        .order_by("registration_group_id", "-date", "-session")
        .values_list("registration_group_id", "taken_by_id")
    )
    takers: dict[int, int] = {}
    for group_id, user_id in rows:
        takers.setdefault(group_id, user_id)
    return takers


def _is_theirs(group: RegistrationGroup, takers: dict[int, int], user) -> bool:
    """A group is this person's when they are its tutor, or (no tutor recorded) when they
    took its most recent register."""
    if group.tutor_id is not None:
        return group.tutor_id == user.pk
    return takers.get(group.pk) == user.pk


def _register_status(register: SessionRegister | None, site, day: dt.date, session: str, now: dt.datetime) -> str:
    closes = register_times.register_closes_at(site, day, session)
    if register is not None and register.taken_at is not None:
        who = register.taken_by.get_full_name() or register.taken_by.get_username() if register.taken_by else "Safewell"
        return f"Taken at {_local(register.taken_at):%H:%M} by {who}"
    if now < register_times.register_opens_at(site, day, session):
        return f"Opens at {_local(register_times.register_opens_at(site, day, session)):%H:%M}"
    if register_times.register_is_closed(register, site, day, session, now):
        return f"Not taken: closed at {_local(closes):%H:%M}"
    return f"Not taken yet: closes at {_local(closes):%H:%M}"


@dataclass
class RegistersOfDay:
    """A person's registers at a site on one day: their groups first, then the others, and
    the lessons they teach."""

    site: object
    day: dt.date
    sessions: tuple[str, ...]
    mine: list[GroupRegisters]
    others: list[GroupRegisters]
    lessons: list[LessonLine]

    @property
    def due(self) -> int:
        """Session registers of the day that have opened and are not taken yet, over every group."""
        return sum(link.due for entry in (*self.mine, *self.others) for link in entry.links)


def registers_of_day(site, user, day: dt.date, now: dt.datetime) -> RegistersOfDay:
    """The session registers of every group at `site` on `day` with their state, split
    into the groups this person has been taking and the rest, and their lessons that day.
    Used by My registers and the teacher's home page."""
    today = _local(now).date()
    sessions = _sessions_held(site, day)
    takers = _recent_taker_by_group(site, today)
    taken = {
        (r.registration_group_id, r.session): r
        for r in SessionRegister.objects.filter(site=site, date=day).select_related("taken_by")
    }
    mine, others = [], []
    for group in RegistrationGroup.objects.filter(site=site).order_by("name"):
        entry = GroupRegisters(group)
        for session in sessions:
            register = taken.get((group.pk, session))
            is_taken = bool(register and register.taken_at)
            entry.links.append(RegisterLink(
                group.name, session, SESSION_NAMES[session], _register_url(group.pk, day, session),
                _register_status(register, site, day, session, now), is_taken,
                due=not is_taken and now >= register_times.register_opens_at(site, day, session),
            ))
        (mine if _is_theirs(group, takers, user) else others).append(entry)
    return RegistersOfDay(site, day, sessions, mine, others, _my_lessons(site, user, day))


@require_GET
@login_required
def my_registers(request: HttpRequest) -> HttpResponse:
    """Today's session registers at the current site: this person's groups first (those they
    tutor, or without a tutor, whose registers they have been taking), then every other
    group (cover, supply, the office), and today's lessons they teach."""
    site = current_site(request)
    if site is None or not selectors.can_take_registers(roles_for(request.user, site)):
        raise PermissionDenied(NOT_A_REGISTER_TAKER)
    now = _now()
    today = _local(now).date()
    # ?date= shows an earlier day's registers (one missed yesterday); never a future day.
    day = min(_parse_day(request.GET["date"]), today) if request.GET.get("date") else today
    found = registers_of_day(site, request.user, day, now)
    return render(request, "attendance/registers/my_registers.html", {
        "site": site, "day": day, "is_today": day == today, "sessions": found.sessions, "mine": found.mine,
        "others": found.others, "previous_school_day": _previous_school_day(site, day), "lessons": found.lessons,
    })


def _previous_school_day(site, day: dt.date) -> dt.date | None:
    try:
        return SchoolCalendar.for_site(site, day - dt.timedelta(days=120), day).nth_school_day_before(day, 1)
    except OutsideCalendar:
        return None


@dataclass(frozen=True)
class LessonLine:
    starts_at: dt.time
    ends_at: dt.time
    name: str
    subject: str
    room: str
    url: str
    status: str
    taken: bool


def _my_lessons(site, user, day: dt.date) -> list[LessonLine]:
    """The lessons this person teaches (TeachingClass.teacher) on `day`, each linked to its
    lesson register with whether it has been taken."""
    from safewell.attendance.models import LessonRegister
    from safewell.pupils.timetable import teacher_lessons_on

    try:
        lessons = teacher_lessons_on(site, user.pk, day)
    except OutsideCalendar:
        return []
    taken = {
        r.lesson_id: r
        for r in LessonRegister.objects.filter(lesson__in=lessons, date=day, taken_at__isnull=False).select_related("taken_by")
    }
    lines = []
    for lesson in lessons:
        register = taken.get(lesson.pk)
        status = (
            f"Taken at {_local(register.taken_at):%H:%M} by {actor_display(register.taken_by)}" if register
            else "Not taken yet"
        )
        lines.append(LessonLine(
            lesson.period.starts_at, lesson.period.ends_at, lesson.teaching_class.name,
            lesson.teaching_class.subject.name, lesson.where, _lesson_register_url(lesson.pk, day), status,
            register is not None,
        ))
    return lines


def actor_display(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else "Safewell"


# --- The register page ------------------------------------------------------------------------


@dataclass
class RowDisplay:
    """One pupil's line on the register page: the server's mark, what the box shows (the
    mark, a planned code, or what the teacher typed), and any error or conflict."""

    row: selectors.RegisterRow
    value: str
    arrived: str
    saved_arrived: str
    flags: list[str]
    error: str = ""
    conflict: dict | None = None

    @property
    def state(self) -> tuple[str, str]:
        if self.conflict is not None:
            return "conflict", "Conflict"
        if self.value and (self.value != self.row.code or self.arrived != self.saved_arrived):
            return "changed", "Not saved"
        if self.row.code:
            return "saved", "Saved"
        return "unmarked", "Not yet marked"

    @property
    def meaning(self) -> str:
        return _meaning(self.value)

    @property
    def session_meaning(self) -> str:
        """On a lesson register: what the pupil's session mark means."""
        return _meaning(getattr(self.row, "session_code", ""))


def _meaning(code: str) -> str:
    try:
        return codes.by_code(code).meaning if code else ""
    except codes.InvalidCode:
        return ""


# A session register or a lesson register: both have rows, a date, a session, a version and
# `opens_at` (minutes late count from there).
AnyRegisterView = selectors.RegisterView | selectors.LessonRegisterView


def _arrival_shown(view: AnyRegisterView, row) -> str:
    """The arrival time a late mark implies (minutes late count from the register opening,
    lateness.py, or the lesson's start), as HH:MM in London, or "" for any other mark."""
    if row.code not in ("L", "U") or row.minutes_late is None:
        return ""
    return f"{_local(view.opens_at + dt.timedelta(minutes=row.minutes_late)):%H:%M}"


def _rows_shown(view: AnyRegisterView) -> list[RowDisplay]:
    shown = []
    for row in view.rows:
        arrived = _arrival_shown(view, row)
        shown.append(RowDisplay(
            row=row, value=row.code or row.planned_code, arrived=arrived, saved_arrived=arrived,
            flags=[_KIND_LABELS.get(kind, kind) for kind in row.flags],
        ))
    return shown


def _catalogue_for(day: dt.date) -> list[dict]:
    """Every code for the page's own check as the teacher types (the server still decides)."""
    return [
        {
            "code": code.code,
            "meaning": code.meaning,
            "recordable": code.in_force_on(day),
            # The lesson register warns when a pupil present at registration is absent now.
            "absent": code.code in codes.ABSENT,
            "advice": "" if code.in_force_on(day) else codes.WITHDRAWN_CODE.format(
                code=code.code, advice=code.withdrawn_advice
            ),
        }
        for code in codes.ALL_CODES
    ]


def _register_context(request: HttpRequest, view: AnyRegisterView, rows: list[RowDisplay], *,
                      today: dt.date, key: str | None = None, errors: list[str] | None = None,
                      reason: str = "", reason_error: str = "", conflict_count: int = 0) -> dict:
    if isinstance(view, selectors.LessonRegisterView):
        urls = {
            "api_url": reverse("api:lesson_register_submit"),
            "state_url": reverse("api:lesson_register_detail", kwargs={"lesson_id": view.lesson_id, "day": view.date.isoformat()}),
            "register_name": view.class_name,
            "is_lesson": True,
            "opens_at": _local(view.starts_at),
            "closes_at": _local(view.ends_at),
        }
    else:
        urls = {
            "api_url": reverse("api:register_submit"),
            "state_url": reverse(
                "api:register_detail", kwargs={"group_id": view.group_id, "day": view.date.isoformat(), "session": view.session}
            ),
            "register_name": view.group_name,
            "is_lesson": False,
            "opens_at": _local(view.opens_at),
            "closes_at": _local(view.closes_at),
        }
    return {
        **urls,
        "view": view,
        "rows": rows,
        "today": today,
        "is_future": view.date > today,
        "session_name": SESSION_NAMES[view.session],
        "present_code": PRESENT_CODES[view.session],
        "catalogue": _catalogue_for(view.date),
        "idempotency_key": key or str(uuid.uuid4()),
        "errors": errors or [],
        "row_errors": [r for r in rows if r.error],
        "reason": reason,
        "reason_error": reason_error,
        "conflict_count": conflict_count,
        "back_url": reverse("attendance:my_registers"),
    }


def _render_register(request: HttpRequest, view: AnyRegisterView, rows: list[RowDisplay], *, today: dt.date,
                     status: int = 200, **context) -> HttpResponse:
    """The session or lesson register page (the same form, _register_form.html)."""
    template = (
        "attendance/registers/lesson_register.html" if isinstance(view, selectors.LessonRegisterView)
        else "attendance/registers/register.html"
    )
    return render(request, template, _register_context(request, view, rows, today=today, **context), status=status)


@require_http_methods(["GET", "POST"])
@login_required
def register(request: HttpRequest, group_id: str, day: str, session: str) -> HttpResponse:
    """A group's register for one session: GET shows it; POST (the page without
    JavaScript) submits the marks through `register_submit`, exactly as the API does."""
    date = _parse_day(day)
    now = _now()
    view, can_edit = selectors.register_for_user(request.user, int(group_id), date, session, now=now)
    if not can_edit:
        raise PermissionDenied(NOT_A_REGISTER_TAKER)
    today = _local(now).date()
    if request.method == "POST":
        return _register_post(request, view, now=now, today=today)
    return _render_register(request, view, _rows_shown(view), today=today)


@dataclass
class _Posted:
    marks: list[registers.MarkInput]
    rows: list[RowDisplay]
    errors_by_pupil: dict[int, str]


def _time_posted(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value) if value else None
    except ValueError:
        raise ValueError(ARRIVAL_TIME_INVALID) from None


def _marks_posted(post, view: AnyRegisterView) -> _Posted:
    """The marks the teacher set: every box whose code differs from the mark the page was
    rendered with (`was-<pupil>`), or whose arrival time changed. With "mark all present",
    every empty box counts as present."""
    fill = post.get("fill") == "present"
    present = PRESENT_CODES[view.session]
    posted = _Posted([], [], {})
    for row in view.rows:
        pupil = row.pupil_id
        value = post.get(f"code-{pupil}", "").strip().upper() or (present if fill else "")
        arrived = post.get(f"arrived-{pupil}", "").strip()
        was, was_arrived = post.get(f"was-{pupil}", row.code), post.get(f"was-arrived-{pupil}", "")
        shown = RowDisplay(row=row, value=value, arrived=arrived, saved_arrived=was_arrived,
                           flags=[_KIND_LABELS.get(k, k) for k in row.flags])
        posted.rows.append(shown)
        late = value in ("L", "U")
        if not value or (value == was and (not late or arrived == was_arrived)):
            continue
        try:
            at = _time_posted(arrived) if late else None
        except ValueError as error:
            shown.error = posted.errors_by_pupil[pupil] = str(error)
            continue
        arrived_at = dt.datetime.combine(view.date, at, tzinfo=LONDON) if at else None
        posted.marks.append(registers.MarkInput(pupil, value, None, arrived_at))
    return posted


def _register_post(request: HttpRequest, view: selectors.RegisterView, *, now: dt.datetime, today: dt.date) -> HttpResponse:
    posted = _marks_posted(request.POST, view)
    reason = request.POST.get("reason", "").strip()
    key = request.POST.get("idempotency_key", "").strip()
    if posted.errors_by_pupil:
        return _render_register(request, view, posted.rows, today=today, status=422, key=key, reason=reason,
                                errors=[REGISTER_REJECTED.format(count=len(posted.errors_by_pupil))])
    if not posted.marks:
        messages.info(request, REGISTER_NOTHING_CHANGED)
        return redirect(_register_url(view.group_id, view.date, view.session))
    try:
        base = int(request.POST.get("base_version", view.version))
    except ValueError:
        base = view.version
    site, group = _site_and_group(view)
    try:
        result = registers.register_submit(
            site=site, registration_group=group, date=view.date, session=view.session, marks=posted.marks,
            idempotency_key=key, base_version=base, actor=request.user, now=now, reason=reason,
        )
    except registers.SubmissionRejected as rejected:
        return _register_rejected(request, view, posted, rejected, today=today, reason=reason)
    except registers.SubmissionConflict as conflict:
        return _register_conflicted(request, view, posted, conflict, today=today, reason=reason)
    if result.replayed:
        messages.success(request, REGISTER_ALREADY_SAVED.format(version=result.version))
    else:
        messages.success(request, REGISTER_SAVED.format(applied=result.applied, version=result.version))
    return redirect(_register_url(view.group_id, view.date, view.session))


def _site_and_group(view: selectors.RegisterView):
    group = RegistrationGroup.objects.select_related("site").get(pk=view.group_id)
    return group.site, group


def _register_rejected(request, view, posted: _Posted, rejected: registers.SubmissionRejected, *,
                       today: dt.date, reason: str) -> HttpResponse:
    by_pupil = {r.row.pupil_id: r for r in posted.rows}
    general, reason_error = [], ""
    for error in rejected.errors:
        path, message = error["path"], error["message"]
        index = _mark_index(path)
        if index is not None and index < len(posted.marks):
            shown = by_pupil[posted.marks[index].pupil_id]
            shown.error = f"{shown.error} {message}".strip()
        elif path == "reason":
            reason_error = message
        else:
            general.append(message)
    # Nothing was applied, so the page gets a fresh key for the corrected submission.
    return _render_register(
        request, view, posted.rows, today=today, status=422, reason=reason, reason_error=reason_error,
        errors=[REGISTER_REJECTED.format(count=len(rejected.errors)), *general],
    )


def _mark_index(path: str) -> int | None:
    if not path.startswith("marks["):
        return None
    try:
        return int(path[len("marks["):path.index("]")])
    except ValueError:
        return None


def _register_conflicted(request, view, posted: _Posted, conflict: registers.SubmissionConflict, *,
                         today: dt.date, reason: str) -> HttpResponse:
    """Show each conflicting mark beside the pupil: theirs (who, when) and yours in the box.
    The page now stands on the server's version, and 'was' is their mark, so saving again
    sends only what still differs from theirs (keeping theirs means leaving it)."""
    by_pupil = {r.row.pupil_id: r for r in posted.rows}
    for item in conflict.conflicts:
        shown = by_pupil.get(int(item["pupil"]))
        if shown is None:
            continue
        shown.conflict = {**item, "at_local": _local(dt.datetime.fromisoformat(item["at"])) if item.get("at") else None}
    view = _with_version(view, conflict.version, {int(c["pupil"]): c.get("theirs") or "" for c in conflict.conflicts})
    for shown in posted.rows:
        shown.row = next(r for r in view.rows if r.pupil_id == shown.row.pupil_id)
    return _render_register(
        request, view, posted.rows, today=today, status=409, reason=reason, conflict_count=len(conflict.conflicts),
        errors=[REGISTER_CONFLICT.format(count=len(conflict.conflicts))],
    )


def _with_version(view: AnyRegisterView, version: int, theirs: dict[int, str]) -> AnyRegisterView:
    from dataclasses import replace

    rows = tuple(replace(r, code=theirs[r.pupil_id]) if r.pupil_id in theirs else r for r in view.rows)
    return replace(view, version=version, rows=rows)


# --- The lesson register page -------------------------------------------------------------------


def _lesson_register_url(lesson_id: int, day: dt.date) -> str:
    return reverse("attendance:lesson_register", kwargs={"lesson_id": lesson_id, "day": day.isoformat()})


@require_http_methods(["GET", "POST"])
@login_required
def lesson_register(request: HttpRequest, lesson_id: str, day: str) -> HttpResponse:
    """A lesson's register on one date, with each pupil's session mark beside them: GET
    shows it; POST (the page without JavaScript) submits through `lesson_register_submit`,
    as the API does. Taken by any staff who take registers at the site (cover included)."""
    date = _parse_day(day)
    view, can_edit = selectors.lesson_register_for_user(request.user, int(lesson_id), date)
    if not can_edit:
        raise PermissionDenied(NOT_A_REGISTER_TAKER)
    now = _now()
    today = _local(now).date()
    if request.method == "POST":
        return _lesson_register_post(request, view, now=now, today=today)
    return _render_register(request, view, _rows_shown(view), today=today)


def _lesson_register_post(request: HttpRequest, view: selectors.LessonRegisterView, *, now: dt.datetime,
                          today: dt.date) -> HttpResponse:
    from safewell.pupils.models import Lesson

    posted = _marks_posted(request.POST, view)
    key = request.POST.get("idempotency_key", "").strip()
    if posted.errors_by_pupil:
        return _render_register(request, view, posted.rows, today=today, status=422, key=key,
                                errors=[REGISTER_REJECTED.format(count=len(posted.errors_by_pupil))])
    if not posted.marks:
        messages.info(request, REGISTER_NOTHING_CHANGED)
        return redirect(_lesson_register_url(view.lesson_id, view.date))
    try:
        base = int(request.POST.get("base_version", view.version))
    except ValueError:
        base = view.version
    lesson = Lesson.objects.select_related("period", "period__site", "teaching_class", "teaching_class__site").get(
        pk=view.lesson_id
    )
    try:
        result = registers.lesson_register_submit(
            lesson=lesson, date=view.date, marks=posted.marks, idempotency_key=key, base_version=base,
            actor=request.user, now=now,
        )
    except registers.SubmissionRejected as rejected:
        return _register_rejected(request, view, posted, rejected, today=today, reason="")
    except registers.SubmissionConflict as conflict:
        return _register_conflicted(request, view, posted, conflict, today=today, reason="")
    if result.replayed:
        messages.success(request, REGISTER_ALREADY_SAVED.format(version=result.version))
    else:
        messages.success(request, REGISTER_SAVED.format(applied=result.applied, version=result.version))
    return redirect(_lesson_register_url(view.lesson_id, view.date))


# --- The late book ------------------------------------------------------------------------------


class LateArrivalForm(forms.Form):
    pupil = forms.IntegerField(error_messages={"required": CHOOSE_A_PUPIL, "invalid": CHOOSE_A_PUPIL})
    arrived = forms.TimeField(label="Arrived at", error_messages={"required": ARRIVAL_TIME_INVALID, "invalid": ARRIVAL_TIME_INVALID})
    idempotency_key = forms.CharField(required=False, max_length=100)


@require_http_methods(["GET", "POST"])
@login_required
def late_book(request: HttpRequest) -> HttpResponse:
    """Reception's late book: find the pupil, enter the arrival time (now by default), and
    the register gets L or U with the minutes late (registers.late_arrival_record)."""
    site, _ = _site_for(request, LATE_BOOK_ROLES, NO_LATE_BOOK)
    now = _now()
    query = request.GET.get("q", "").strip()
    form = LateArrivalForm(request.POST) if request.method == "POST" else None
    if form is not None:
        outcome = _late_arrival(request, form, site, now)
        if outcome is not None:
            return outcome
    return render(request, "attendance/registers/late_book.html", {
        "site": site,
        "query": query,
        "results": list(pupil_search(request.user, query=query, site_code=site.code)[:20]) if query else [],
        "arrived": (form.data.get("arrived") if form is not None else "") or f"{_local(now):%H:%M}",
        "form": form,
        "idempotency_key": str(uuid.uuid4()),
        "today_late": _late_today(site, _local(now).date()),
    }, status=422 if form is not None else 200)


def _late_arrival(request: HttpRequest, form: LateArrivalForm, site, now: dt.datetime) -> HttpResponse | None:
    """Record the arrival and redirect, or None with the form's errors set."""
    if not form.is_valid():
        return None
    pupil, _ = pupil_for_user(request.user, form.cleaned_data["pupil"])
    if pupil.site_id != site.pk or not roles_for(request.user, pupil.site) & LATE_BOOK_ROLES:
        raise Http404("No such pupil")
    local_now = _local(now)
    arrived_at = dt.datetime.combine(local_now.date(), form.cleaned_data["arrived"], tzinfo=LONDON)
    if arrived_at > now:
        form.add_error("arrived", ARRIVAL_IN_THE_FUTURE.format(arrived=_local(arrived_at), now=local_now))
        return None
    try:
        late = registers.late_arrival_record(
            pupil=pupil, arrived_at=arrived_at, actor=request.user, now=now,
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except lateness.NotLate as error:
        form.add_error("arrived", str(error))
        return None
    except registers.SubmissionRejected as rejected:
        for error in rejected.errors:
            form.add_error(None, error["message"])
        return None
    except registers.SubmissionConflict:
        form.add_error(None, "The register was being saved by someone else at the same moment: sign the pupil in again.")
        return None
    messages.success(request, LATE_SIGNED_IN.format(
        name=pupil.display_name, arrived=_local(arrived_at), code=late.code,
        meaning="late before the register closed" if late.code == "L" else "arrived after the register closed",
        minutes=late.minutes_late,
    ))
    return redirect(f"{reverse('attendance:late_book')}?site={site.code}")


@dataclass(frozen=True)
class LateLine:
    name: str
    session: str
    code: str
    minutes_late: int | None
    recorded_at: dt.datetime


def _late_today(site, today: dt.date) -> list[LateLine]:
    marks = (
        Mark.objects.filter(pupil__site=site, date=today, code__in=["L", "U"])
        .select_related("pupil").order_by("-recorded_at")[:50]
    )
    return [LateLine(m.pupil.display_name, m.session, m.code, m.minutes_late, _local(m.recorded_at)) for m in marks]


# --- The missing registers board -------------------------------------------------------------


def _board_context(request: HttpRequest, site, sites, now: dt.datetime) -> dict:
    today = _local(now).date()
    session = request.GET.get("session") or request.POST.get("session") or _current_session(site, now)
    if session not in Session.values:
        raise Http404("No such session")
    missing = selectors.registers_missing(site=site, date=today, session=session, now=now)
    sessions = _sessions_held(site, today)
    return {
        "site": site,
        "sites": sites,
        "today": today,
        "session": session,
        "session_name": SESSION_NAMES[session],
        "held": session in sessions,
        "opened": now >= register_times.register_opens_at(site, today, session),
        "opens_at": _local(register_times.register_opens_at(site, today, session)),
        "closes_at": _local(register_times.register_closes_at(site, today, session)),
        "missing": [
            {"register": m, "url": _register_url(m.group_id, today, session),
             "nudged_at": _local(m.last_nudged_at) if m.last_nudged_at else None}
            for m in missing
        ],
        "groups_total": RegistrationGroup.objects.filter(site=site).count(),
        "checked_at": _local(now),
    }


@require_GET
@login_required
def missing_registers(request: HttpRequest) -> HttpResponse:
    """The registers not yet taken this session at one site, refreshed every 20 seconds
    (htmx polls `missing_registers_board`), each with a nudge to its teacher."""
    site, sites = _site_for(request, REGISTER_OVERSIGHT_ROLES, NO_OVERSIGHT)
    return render(request, "attendance/registers/missing_registers.html", _board_context(request, site, sites, _now()))


@require_GET
@login_required
def missing_registers_board(request: HttpRequest) -> HttpResponse:
    """The board alone, for htmx to swap in."""
    site, sites = _site_for(request, REGISTER_OVERSIGHT_ROLES, NO_OVERSIGHT)
    return render(request, "attendance/registers/_missing_board.html", _board_context(request, site, sites, _now()))


@require_POST
@login_required
def register_nudge(request: HttpRequest) -> HttpResponse:
    """Remind a group's teacher to take its register (jobs.register_nudge)."""
    site, sites = _site_for(request, REGISTER_OVERSIGHT_ROLES, NO_OVERSIGHT)
    now = _now()
    session = request.POST.get("session", "")
    if session not in Session.values:
        raise Http404("No such session")
    try:
        group = RegistrationGroup.objects.get(pk=int(request.POST.get("group", "")), site=site)
    except (ValueError, RegistrationGroup.DoesNotExist):
        raise Http404("No such registration group") from None
    nudge = jobs.register_nudge(group=group, date=_local(now).date(), session=session, actor=request.user, now=now)
    message = _nudge_message(nudge, group, site, session)
    if request.headers.get("HX-Request"):
        context = _board_context(request, site, sites, now)
        context["nudge_message"] = message
        return render(request, "attendance/registers/_missing_board.html", context)
    (messages.success if nudge.sent_to else messages.warning)(request, message)
    return redirect(f"{reverse('attendance:missing_registers')}?site={site.code}&session={session}")


def _nudge_message(nudge: RegisterNudge, group, site, session: str) -> str:
    if nudge.sent_to is None:
        return NUDGED_NO_TEACHER.format(group=group.name, site=site.name)
    teacher = nudge.sent_to.get_full_name() or nudge.sent_to.get_username()
    return NUDGED.format(group=group.name, teacher=teacher, session=SESSION_NAMES[session])


# --- Unexplained absences (N) and their deadlines ---------------------------------------------


@require_GET
@login_required
def unexplained_marks(request: HttpRequest) -> HttpResponse:
    """The N marks still on a site's registers, oldest first, each with the last school day
    to replace it before the daily job records O (reg 10(7)-(9) 2024 Regulations [S]) and
    a link to its register. The N-deadline notice email links here."""
    site, sites = _site_for(request, REGISTER_OVERSIGHT_ROLES, NO_OVERSIGHT)
    today = _local(_now()).date()
    marks = selectors.n_marks_open(site=site, today=today)
    return render(request, "attendance/registers/unexplained_marks.html", {
        "site": site, "sites": sites, "today": today, "shown_max": selectors.UNEXPLAINED_MARKS_SHOWN,
        "lines": [
            {"mark": mark, "register_url": _register_url(mark.registration_group_id, mark.date, mark.session)
             if mark.registration_group_id else None,
             "pupil_url": reverse("attendance:pupil_attendance", kwargs={"pupil_id": mark.pupil_id})}
            for mark in marks
        ],
        "due_today": sum(1 for m in marks if m.school_days_left == 0),
        "overdue": sum(1 for m in marks if m.overdue),
    })


# --- The out-of-window amendments report -----------------------------------------------------


class AmendmentsForm(forms.Form):
    start = forms.DateField(label="Sessions from")
    end = forms.DateField(label="to")

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", AMENDMENTS_END_BEFORE_START)
            elif (end - start).days + 1 > AMENDMENTS_MAX_DAYS:
                self.add_error("end", AMENDMENTS_RANGE_TOO_LONG.format(days=AMENDMENTS_MAX_DAYS))
        return data


AMENDMENTS_HEADER = (
    "upn", "pupil", "date", "session", "old_code", "new_code", "old_minutes_late", "new_minutes_late",
    "amended_by", "amended_at", "reason",
)


@require_GET
@login_required
def amendments_report(request: HttpRequest) -> HttpResponse:
    """Changes made after a register closed, for a range of sessions: pupil, session, old
    → new, who, when and why; `?format=csv` downloads the same list (audited)."""
    site, sites = _site_for(request, REGISTER_OVERSIGHT_ROLES, NO_OVERSIGHT)
    today = _local(_now()).date()
    data = request.GET if "start" in request.GET or "end" in request.GET else {
        "start": (today - dt.timedelta(days=27)).isoformat(), "end": today.isoformat(),
    }
    form = AmendmentsForm(data)
    if not form.is_valid():
        return render(request, "attendance/registers/amendments.html",
                      {"form": form, "site": site, "sites": sites, "amendments": None}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    amendments = selectors.out_of_window_amendments(site, start, end)
    if request.GET.get("format") == "csv":
        return _amendments_csv(site, start, end, amendments)
    return render(request, "attendance/registers/amendments.html", {
        "form": form, "site": site, "sites": sites, "start": start, "end": end,
        "amendments": [_amendment_line(a) for a in amendments[:1000]], "total": amendments.count(),
        "csv_query": f"site={site.code}&start={start.isoformat()}&end={end.isoformat()}&format=csv",
    })


@dataclass(frozen=True)
class AmendmentLine:
    pupil_id: int
    pupil: str
    upn: str
    date: dt.date
    session: str
    old_code: str
    new_code: str
    old_minutes_late: int | None
    new_minutes_late: int | None
    amended_by: str
    amended_at: dt.datetime
    reason: str


def _amendment_line(amendment) -> AmendmentLine:
    who = amendment.amended_by
    return AmendmentLine(
        amendment.pupil_id, amendment.pupil.display_name, amendment.pupil.upn, amendment.date, amendment.session,
        amendment.old_code, amendment.new_code, amendment.old_minutes_late, amendment.new_minutes_late,
        (who.get_full_name() or who.get_username()) if who else "Safewell", _local(amendment.amended_at),
        amendment.reason,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    # A value beginning with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _amendments_lines(amendments) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(AMENDMENTS_HEADER)
    for amendment in amendments.iterator(chunk_size=2000):
        line = _amendment_line(amendment)
        yield writer.writerow((
            line.upn, _cell(line.pupil), line.date.isoformat(), line.session, line.old_code, line.new_code,
            "" if line.old_minutes_late is None else line.old_minutes_late,
            "" if line.new_minutes_late is None else line.new_minutes_late,
            _cell(line.amended_by), line.amended_at.isoformat(timespec="seconds"), _cell(line.reason),
        ))


def _amendments_csv(site, start: dt.date, end: dt.date, amendments) -> StreamingHttpResponse:
    from safewell.audit.services import audit_log

    audit_log(
        action="export", target_type="attendance.markamendment", target_id=site.code,
        detail=f"out-of-window amendments of {site.name}, sessions {start:%-d %B %Y} to {end:%-d %B %Y}: "
        f"{amendments.count()} rows",
    )
    response = StreamingHttpResponse(_amendments_lines(amendments), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="amendments-{site.code}-{start}-to-{end}.csv"'
    return response
