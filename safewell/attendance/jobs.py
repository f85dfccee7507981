"""The registers' background work: closing registers, the N → O deadline, nudges.

Each job is a plain function taking "now" or "today" (so tests and replays set the clock)
and a django-tasks task that calls it with the real clock; `SAFEWELL_SCHEDULE` in settings
enqueues the tasks (core/scheduler.py).

- `registers_close_due(now=…)`: every minute; closes each open register whose site's close
  time (local wall clock) has passed. Submissions check the close time themselves too
  (register_times.register_is_closed), so a late or missed run never leaves a register open.
- `stale_n_marks_convert(today=…)`: daily; an N past its 5-school-day deadline becomes O
  (reg 10(7)-(9) 2024 Regulations [S], statutory.md §1), as an audited amendment.
- `n_marks_notice_send(today=…)`: daily; tells each site's attendance officers how many N
  marks turn into O on the next school day. A count and a link only: no pupil names leave
  Safewell by email.
- `register_nudge(…)`: the missing-registers board's nudge button records a nudge and
  enqueues `register_nudge_email_send(nudge_id)`, its email, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from safewell.attendance.models import RegisterNudge, SessionRegister
from safewell.attendance.register_times import LONDON, register_closes_at
from safewell.attendance.registers import Amendment, actor_name, register_marks_amend
from safewell.attendance.selectors import n_marks_due_tomorrow, n_marks_overdue, site_calendar_around

logger = logging.getLogger("safewell.attendance.jobs")

# The amendment reason on every N the job turns into O (reg 10(7)-(9) [S]).
N_TO_O_REASON = "No reason established within 5 school days (reg 10(7)-(9), 2024 Regulations): N becomes O."
N_NOTICE_SUBJECT = "{site}: {count} unexplained absence mark(s) (N) become O tomorrow"
N_NOTICE_BODY = (
    "{count} N mark(s) at {site} reach the 5-school-day limit today (reg 10(7)-(9), 2024 "
    "Regulations). Replace each with the right code today, or Safewell will record O "
    "(absent in other or unknown circumstances) on {tomorrow:%A %-d %B %Y}.\n\n"
    "See them in Safewell: {link}\n"
)
NUDGE_SUBJECT = "Register not yet taken: {group}, {session} {date:%-d %B %Y}"
NUDGE_BODY = (
    "The {session} register of {group} at {site} for {date:%A %-d %B %Y} has not been taken yet. "
    "Please take it now: {link}\n\nSent by {sender} from the missing registers board."
)
# Where the UI shows a register; relative to SAFEWELL_BASE_URL. A site's N marks are at
# attendance:unexplained_marks (register_views.unexplained_marks), reversed when sending.
REGISTER_PATH = "/attendance/registers/{group}/{date}/{session}/"


def _link(path: str) -> str:
    return getattr(settings, "SAFEWELL_BASE_URL", "").rstrip("/") + path


# --- Closing registers --------------------------------------------------------------------


def registers_close_due(*, now: dt.datetime) -> int:
    """Close every register still open whose close time has passed; returns how many.
    The open registers are today's (and any a missed run left behind): a few per group."""
    today = timezone.localtime(now, LONDON).date()
    open_registers = SessionRegister.objects.filter(closed_at__isnull=True, date__lte=today).select_related("site")
    due = [r.pk for r in open_registers if now >= register_closes_at(r.site, r.date, r.session)]
    if not due:
        return 0
    # A conditional UPDATE: a register closed meanwhile by another run keeps its time.
    return SessionRegister.objects.filter(pk__in=due, closed_at__isnull=True).update(closed_at=now)


@task()
def close_registers() -> int:
    return registers_close_due(now=timezone.now())


# --- N → O ----------------------------------------------------------------------------------


def stale_n_marks_convert(*, today: dt.date, now: dt.datetime | None = None) -> int:
    """Turn every overdue N into O, site by site, each as an amendment with the reason
    N_TO_O_REASON by no one (Safewell), audited. Returns the marks converted."""
    from safewell.schools.models import Site

    now = now or timezone.now()
    converted = 0
    for site in Site.objects.select_related("organisation").order_by("pk"):
        overdue = list(n_marks_overdue(site=site, today=today).values_list("pupil_id", "date", "session"))
        if not overdue:
            continue
        converted += register_marks_amend(
            amendments=[Amendment(pupil_id, date, session, "O") for pupil_id, date, session in overdue],
            reason=N_TO_O_REASON, actor=None, now=now, detail="N past its 5-school-day limit",
        )
    if converted:
        logger.info("Turned %d overdue N mark(s) into O", converted)
    return converted


@task()
def convert_stale_n_marks() -> int:
    return stale_n_marks_convert(today=timezone.localdate())


def n_marks_notice_send(*, today: dt.date) -> int:
    """Email each site's attendance officers the number of N marks that become O on the
    next school day (none sent when there are none). Returns the emails sent."""
    from safewell.accounts.models import Membership, Role
    from safewell.schools.models import Site

    sent = 0
    for site in Site.objects.order_by("pk"):
        due = n_marks_due_tomorrow(site=site, today=today)
        count = due.count()
        if not count:
            continue
        recipients = sorted(set(
            Membership.objects.filter(site=site, role=Role.ATTENDANCE_OFFICER, user__is_active=True)
            .exclude(user__email="").values_list("user__email", flat=True)
        ))
        if not recipients:
            logger.warning("%s has %d N mark(s) due and no attendance officer with an email", site.code, count)
            continue
        # n_marks_due_tomorrow found marks, so the calendar knows the next school day.
        tomorrow = site_calendar_around(site, today).nth_school_day_after(today, 1)
        send_mail(
            N_NOTICE_SUBJECT.format(site=site.name, count=count),
            N_NOTICE_BODY.format(count=count, site=site.name, tomorrow=tomorrow,
                                 link=_link(f"{reverse('attendance:unexplained_marks')}?site={site.code}")),
            None, recipients,
        )
        sent += 1
    return sent


@task()
def notify_n_marks_due() -> int:
    return n_marks_notice_send(today=timezone.localdate())


# --- Nudges ---------------------------------------------------------------------------------

NO_TEACHER_FOUND = (
    "Safewell does not know who takes {group}'s register yet (it has no tutor, no one has taken it, "
    "and {site} has more than one teacher): tell them another way."
)


def register_taker_of(group) -> object | None:
    """Who to nudge for a group's register: its tutor (RegistrationGroup.tutor) while
    active; failing that, whoever took this group's most recent register; failing that, the
    site's only teacher; otherwise no one."""
    from safewell.accounts.models import Membership, Role

    if group.tutor_id is not None and group.tutor.is_active:
        return group.tutor
    last = (
        SessionRegister.objects.filter(registration_group=group, taken_by__isnull=False, taken_by__is_active=True)
        .select_related("taken_by").order_by("-date", "-session").first()
    )
    if last is not None:
        return last.taken_by
    teachers = list(
        Membership.objects.filter(site_id=group.site_id, role=Role.TEACHER, user__is_active=True).select_related("user")[:2]
    )
    return teachers[0].user if len(teachers) == 1 else None


def register_nudge(*, group, date: dt.date, session: str, actor, now: dt.datetime):
    """Record a nudge to take a missing register and enqueue its email (the database
    queue's row is written in the same transaction, so a rolled-back nudge sends nothing). Returns the RegisterNudge; its
    `sent_to` is None when no teacher is known (the board says so: NO_TEACHER_FOUND)."""
    with transaction.atomic():
        nudge = RegisterNudge.objects.create(
            site_id=group.site_id, registration_group=group, date=date, session=session,
            sent_to=register_taker_of(group), nudged_by=actor if actor is not None and actor.pk else None, nudged_at=now,
        )
        if nudge.sent_to is not None:
            register_nudge_email_send.enqueue(nudge.pk)
    return nudge


def register_nudge_email(nudge: RegisterNudge) -> bool:
    """Send one nudge's email; False when there is no one to send it to."""
    recipient = nudge.sent_to
    if recipient is None or not recipient.email:
        return False
    session = "morning" if nudge.session == "AM" else "afternoon"
    sender = actor_name(nudge.nudged_by)
    send_mail(
        NUDGE_SUBJECT.format(group=nudge.registration_group.name, session=nudge.session, date=nudge.date),
        NUDGE_BODY.format(
            session=session, group=nudge.registration_group.name, site=nudge.site.name, date=nudge.date,
            link=_link(REGISTER_PATH.format(group=nudge.registration_group_id, date=nudge.date.isoformat(), session=nudge.session)),
            sender=sender,
        ),
        None, [recipient.email],
    )
    return True


@task()
def register_nudge_email_send(nudge_id: int) -> bool:
    nudge = RegisterNudge.objects.select_related("site", "registration_group", "sent_to", "nudged_by").filter(pk=nudge_id).first()
    return bool(nudge) and register_nudge_email(nudge)
