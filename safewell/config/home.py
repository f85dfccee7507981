"""What each role's home page says, read from the selectors of the lists it links to.

Every figure on a home page is a `Figure`: a count, what it counts and the URL of the list
that shows those same rows. The count is taken from the object that list's own view renders
(the inbox's paginator, the dashboard's lists, the calling list's families, the missing
registers board), never recounted here, so the home page and the list cannot disagree
(issue 11 §4). config is at the top of design.md's Shape, so it may read every app.

Scope: a DSL's figures cover every child they answer for (a lead DSL: every site of the
organisation), as the inbox and the dashboard do when opened with no filter; the attendance
officer's, pastoral staff's, teacher's and external user's figures are for the current site,
as their lists are, and the links carry the site.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from safewell.accounts.models import Role, User
from safewell.schools.models import Site

LONDON = ZoneInfo("Europe/London")
# How far back an external user's "new" notices reach.
EXTERNAL_NEWS_DAYS = 7


@dataclass(frozen=True)
class Figure:
    count: int
    # Singular and plural: "1 urgent alert", "3 urgent alerts".
    one: str
    many: str
    url: str

    @property
    def label(self) -> str:
        return self.one if self.count == 1 else self.many


def _url(name: str, query: dict | None = None, anchor: str = "") -> str:
    url = reverse(name)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


# --- DSL and deputy DSL ---------------------------------------------------------------------


def _inbox_count(user: User, now: dt.datetime, **filters) -> int:
    """How many rows the inbox lists with these filters: its own paginator's count. A row is a
    child (issue 11 §2), so the figures name children, as the inbox's heading does."""
    from safewell.policy.selectors import InboxFilter, alert_inbox

    return alert_inbox(user, filters=InboxFilter(**filters), now=now).page.paginator.count


def dsl_home(user: User, site: Site, now: dt.datetime) -> dict:
    """Every child the person answers for, whatever the current site (the module docstring)."""
    from safewell.policy.models import Severity
    from safewell.safeguarding.selectors import dashboard_for_user

    board = dashboard_for_user(user, now=now)
    overdue_deadlines = [d for d in board.deadlines if d.overdue]
    alerts = [
        Figure(_inbox_count(user, now, severity=Severity.URGENT),
               "child with an urgent alert", "children with urgent alerts",
               _url("policy:inbox", {"severity": Severity.URGENT})),
        Figure(_inbox_count(user, now, overdue_only=True), "child with an alert not acknowledged in time",
               "children with alerts not acknowledged in time", _url("policy:inbox", {"overdue": "1"})),
        Figure(_inbox_count(user, now), "child with open alerts", "children with open alerts", _url("policy:inbox")),
    ]
    cases = [
        Figure(len(overdue_deadlines), "overdue deadline on a case", "overdue deadlines on cases",
               _url("safeguarding:dashboard", anchor="deadlines")),
        Figure(len(board.overdue_tasks), "overdue task", "overdue tasks",
               _url("safeguarding:dashboard", anchor="overdue-tasks")),
        Figure(len(board.new_concerns), "new concern from staff", "new concerns from staff",
               _url("safeguarding:dashboard", anchor="concerns")),
        Figure(len(board.open_cases), "open case", "open cases", _url("safeguarding:dashboard", anchor="open-cases")),
    ]
    return {"alert_figures": alerts, "case_figures": cases}


# --- Attendance officer ---------------------------------------------------------------------


def _missing_registers(site: Site, now: dt.datetime) -> list[Figure]:
    """One figure per session whose register has opened today, as the board shows it; none
    before then (a register that has not opened cannot be missing)."""
    from safewell.attendance.models import Session
    from safewell.attendance.register_times import register_opens_at
    from safewell.attendance.selectors import registers_missing

    today = now.astimezone(LONDON).date()
    figures = []
    for session, name in ((Session.AM, "morning"), (Session.PM, "afternoon")):
        if now < register_opens_at(site, today, session):
            continue
        missing = registers_missing(site=site, date=today, session=session, now=now)
        figures.append(Figure(len(missing), f"{name} register not taken", f"{name} registers not taken",
                              _url("attendance:missing_registers", {"site": site.code, "session": session})))
    return figures


def attendance_officer_home(user: User, site: Site, now: dt.datetime) -> dict:
    from safewell.followup import selectors as followup

    calling = followup.calling_list(site=site, day=followup.calling_day(site, now), now=now)
    day = _url("followup:day", {"site": site.code})
    figures = [
        Figure(len(calling.to_contact), "family to contact", "families to contact", f"{day}#calling"),
        Figure(len(followup.proposals_waiting(site)), "code to accept", "codes to accept", f"{day}#proposals"),
        Figure(len(followup.replies_waiting(site)), "reply from a family", "replies from families", f"{day}#replies"),
        Figure(len(followup.reports_waiting(site)), "parent's absence report", "parents' absence reports",
               f"{day}#reports"),
        *_missing_registers(site, now),
        Figure(_inbox_count(user, now, site=site.code), "child with open alerts", "children with open alerts",
               _url("policy:inbox", {"site": site.code})),
    ]
    return {"figures": figures, "calling": calling}


# --- Pastoral staff -------------------------------------------------------------------------


def pastoral_home(user: User, site: Site, now: dt.datetime) -> dict:
    """Home visits due on today's calling list (seed 004: home visits by pastoral staff) and
    the actions a DSL has given this person."""
    from safewell.followup import selectors as followup
    from safewell.followup.ladder import HOME_VISIT
    from safewell.safeguarding.selectors import tasks_owned_by

    calling = followup.calling_list(site=site, day=followup.calling_day(site, now), now=now)
    visits = [f for f in calling.to_contact
              if any(e.ladder is not None and e.ladder.due is not None and e.ladder.due.step == HOME_VISIT
                     for e in f.entries)]
    day = _url("followup:day", {"site": site.code})
    figures = [
        Figure(len(visits), "home visit due", "home visits due", f"{day}#calling"),
        Figure(len(calling.to_contact), "family to contact", "families to contact", f"{day}#calling"),
    ]
    return {"figures": figures, "visits": visits, "tasks": tasks_owned_by(user), "today": now.astimezone(LONDON).date()}


# --- Teacher --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToTake:
    what: str
    status: str
    url: str


def teacher_home(user: User, site: Site, now: dt.datetime) -> dict:
    """The registers this person should take now: their groups' session registers that have
    opened and are not taken (the same `due` flag My registers uses), and their lessons that
    have started and are not taken."""
    from safewell.attendance.register_views import registers_of_day
    from safewell.safeguarding.selectors import tasks_owned_by

    local = now.astimezone(LONDON)
    found = registers_of_day(site, user, local.date(), now)
    to_take = [ToTake(f"{link.group_name}, {link.session_name.lower()} register", link.status, link.url)
               for group in found.mine for link in group.links if link.due]
    to_take += [ToTake(f"{lesson.name} ({lesson.subject}), {lesson.starts_at:%H:%M}", lesson.status, lesson.url)
                for lesson in found.lessons if not lesson.taken and lesson.starts_at <= local.time()]
    return {"to_take": to_take, "tasks": tasks_owned_by(user), "today": local.date()}


# --- External users -------------------------------------------------------------------------


def external_home(user: User, site: Site, now: dt.datetime) -> dict:
    """The pupils shared with this person (the pupil list at this site) and the absence
    notices the school sent to their email address in the last week: what is new."""
    from safewell.followup.selectors import notices_sent_to
    from safewell.pupils.selectors import pupil_search

    pupils = pupil_search(user, site_code=site.code)
    shared = Figure(pupils.count(), "pupil shared with you", "pupils shared with you",
                    _url("pupils:list", {"site": site.code}))
    notices = notices_sent_to(user.email, pupils=pupils, since=now - dt.timedelta(days=EXTERNAL_NEWS_DAYS))
    return {"figures": [shared], "notices": notices, "news_days": EXTERNAL_NEWS_DAYS}


# --- Administrators -------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupTask:
    """A row of the GOV.UK task list: a set-up step, whether it is done, and where to do it."""

    name: str
    done: bool
    hint: str
    # None when the page where it is done is not part of this deployment's URLs.
    url: str | None


def _page(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def admin_home(user: User, site: Site, now: dt.datetime) -> dict:
    from safewell.accounts.models import Membership
    from safewell.accounts.selectors import mfa_status_for_admin
    from safewell.policy.profile_selectors import profile_in_force, review_status
    from safewell.pupils.models import Pupil, RegistrationGroup
    from safewell.schools.models import AcademicYear

    today = now.astimezone(LONDON).date()
    organisation = site.organisation
    has_year = AcademicYear.objects.filter(organisation=organisation, starts_on__lte=today, ends_on__gte=today).exists()
    groups = RegistrationGroup.objects.filter(site=site).count()
    pupils = Pupil.objects.filter(site=site).count()
    has_dsl = Membership.objects.filter(site__organisation=organisation, role=Role.DSL).exists()
    mfa_missing = sum(row.missing_mfa for row in mfa_status_for_admin(user))
    in_force = profile_in_force(organisation)
    pupil_list = _page("pupils:list")
    tasks = [
        SetupTask("Term dates for this school year", has_year,
                  "Registers and every count of school days need them.",
                  _page("schools:site_calendar", code=site.code)),
        SetupTask("Registration groups and pupils", groups > 0 and pupils > 0,
                  f"{groups} registration group{'s' if groups != 1 else ''} and {pupils} "
                  f"pupil{'s' if pupils != 1 else ''} at {site.name}.",
                  pupil_list and f"{pupil_list}?{urlencode({'site': site.code})}"),
        SetupTask("A designated safeguarding lead", has_dsl,
                  "Alerts about children go to the DSL team." if has_dsl else
                  f"Give someone the DSL role at {organisation.name}: until then no one receives alerts about children.",
                  _page("accounts:mfa_status")),
        SetupTask("Two-step sign-in for everyone who needs it", mfa_missing == 0,
                  "Everyone set up." if mfa_missing == 0 else
                  f"{mfa_missing} {'person has' if mfa_missing == 1 else 'people have'} not set it up.",
                  _page("accounts:mfa_status")),
        SetupTask("Your own policy profile", not in_force.is_fallback,
                  "Until one is installed, the statutory minimum applies." if in_force.is_fallback else
                  f"In force: {in_force.profile.title or in_force.profile.name}.", _page("policy:profile")),
    ]
    return {"setup_tasks": tasks, "setup_left": sum(not t.done for t in tasks),
            "profile": in_force.profile, "review": review_status(in_force.profile, today=today),
            "profile_url": _page("policy:profile")}
