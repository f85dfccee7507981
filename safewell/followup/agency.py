"""Telling the others the same day (issue 6 §4): the placing school or commissioner of a
pupil in alternative provision, the social worker of a child with one, the virtual school
of a looked-after child, and the youth justice worker.

- WTTISA expects schools to tell a pupil's social worker and youth offending team worker
  about unexplained absence (statutory.md §3.6, §5.1 [S], para 52 via Enfield).
- Virtual schools watch looked-after children's attendance daily (statutory.md §5.2 [S],
  local practice).
- An AP tells the placing school (seed 000 §5: "placing schools or commissioning bodies will
  be informed"); when, is the profile's `placing_school_notification` (statutory.md §5.3:
  no national deadline [U]).

Each notice is an email through the follow-up outbox (messages.py delivers it, with its
status) and a contact attempt on the pupil's record (contacted: another agency). It says who
is absent, when, and that no reason has been given yet: nothing of the child's safeguarding
record. A professional with no email address cannot be sent one: the attendance officer's
day page lists them to phone.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from safewell.core.outbox import deliver_after_commit
from safewell.followup import templates
from safewell.followup.models import (
    ContactAttempt,
    ContactChannel,
    ContactedKind,
    ContactOutcome,
    MessagePurpose,
    OutboundMessage,
    TemplateKind,
)
from safewell.followup.profile_settings import followup_settings
from safewell.followup.selectors import AbsentSession, calling_list, local, site_calendar
from safewell.followup.services import contact_attempt_log
from safewell.pupils.models import Enrolment, ProfessionalContact, Pupil
from safewell.schools.models import Site

logger = logging.getLogger("safewell.followup.agency")

# statutory.md §3.6, §5.1, §5.2 [S]: who hears of a child's unexplained absence the same day.
PROFESSIONAL_ROLES = ("social_worker", "virtual_school", "youth_justice")
WHY_YOU = {
    "placing_school": "the pupil is placed with us by your school or service",
    "social_worker": "you are the pupil's allocated social worker",
    "virtual_school": "the pupil is looked after and your virtual school oversees their education",
    "youth_justice": "you are the pupil's youth justice worker",
}
SESSION_WORDS = {"AM": "morning", "PM": "afternoon"}


@dataclass(frozen=True)
class AgencyRecipient:
    role: str
    name: str
    organisation: str
    email: str
    phone: str
    professional: ProfessionalContact | None = None


def agencies_to_tell(pupil: Pupil, day: dt.date) -> list[AgencyRecipient]:
    """Who outside the school hears of `pupil`'s unexplained absence on `day`."""
    found: list[AgencyRecipient] = []
    enrolment = Enrolment.objects.filter(
        pupil=pupil, site_id=pupil.site_id, admission_date__lte=day
    ).filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=day)).select_related("placing_school").first()
    if enrolment is not None and (contact := enrolment.daily_attendance_contact) is not None:
        name, email, phone = contact
        found.append(AgencyRecipient("placing_school", name or enrolment.placing_school.name,
                                     enrolment.placing_school.name if enrolment.placing_school else "", email, phone))
    professionals = ProfessionalContact.objects.filter(pupil=pupil, role__in=PROFESSIONAL_ROLES, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)).order_by("role", "-starts_on")
    for professional in professionals:
        found.append(AgencyRecipient(professional.role, professional.name, professional.organisation,
                                     professional.email, professional.phone, professional))
    return found


def _dedupe_key(pupil: Pupil, day: dt.date, recipient: AgencyRecipient, per_session: str) -> str:
    return f"agency:{pupil.pk}:{day.isoformat()}:{recipient.role}:{recipient.email.lower()}{per_session}"


def agency_notice_send(
    *, pupil: Pupil, day: dt.date, sessions: list[AbsentSession], recipient: AgencyRecipient, actor,
    now: dt.datetime, per_session: bool = False,
) -> ContactAttempt | None:
    """Queue one notice and record it as a contact attempt. None when it was already sent
    (the dedupe key: once a day, or once a session when the profile asks for that)."""
    suffix = f":{sessions[-1].session}" if per_session else ""
    key = _dedupe_key(pupil, day, recipient, suffix)
    if not recipient.email or OutboundMessage.objects.filter(dedupe_key=key).exists():
        return None
    wording = templates.filled(templates.wording_for(pupil.organisation_id, TemplateKind.AGENCY_EMAIL), {
        "pupil_name": pupil.display_name, "date_of_birth": f"{pupil.date_of_birth:%-d %B %Y}",
        "school": pupil.organisation.name, "date": f"{day:%A %-d %B %Y}",
        "sessions": " and ".join(SESSION_WORDS[s.session] for s in sessions), "why_you": WHY_YOU[recipient.role],
    })
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            site_id=pupil.site_id, pupil=pupil, purpose=MessagePurpose.AGENCY_NOTICE, channel=ContactChannel.EMAIL,
            address=recipient.email, recipient_name=recipient.name, subject=wording.subject, body=wording.body,
            next_attempt_at=now, dedupe_key=key, created_by=actor, created_at=now,
        )
        attempt = contact_attempt_log(
            actor=actor, pupil=pupil, absence_date=day, channel=ContactChannel.EMAIL,
            contacted_kind=ContactedKind.AGENCY, professional=recipient.professional,
            contacted_name=recipient.name, address=recipient.email, outcome=ContactOutcome.MESSAGE_SENT,
            attempted_at=now, now=now, message=message,
        )
        deliver_after_commit(OutboundMessage)
    return attempt


def agency_notices_send(*, site, day: dt.date, now: dt.datetime, actor=None, roles: frozenset[str] | None = None) -> int:
    """Send the notices due for `site`'s calling list of `day` (pupils with no contact made),
    to the recipients of `roles` (all when None). The job calls it every few minutes; the
    day page's button calls it by hand."""
    per_session = followup_settings(site.organisation_id).placing_school_notification == "end_of_each_session"
    sent = 0
    for family in calling_list(site=site, day=day, now=now).to_contact:
        for entry in family.entries:
            if entry.contact_made:
                continue
            for recipient in agencies_to_tell(entry.pupil, day):
                if roles is not None and recipient.role not in roles:
                    continue
                sent += agency_notice_send(
                    pupil=entry.pupil, day=day, sessions=entry.sessions, recipient=recipient, actor=actor, now=now,
                    per_session=per_session and recipient.role == "placing_school",
                ) is not None
    return sent


def agency_notices_send_due(*, now: dt.datetime) -> int:
    """The job: today's notices at every site. Where the profile tells placing schools on the
    next school day, their notices about a day go with the next school day's first run; the
    professionals still hear the same day."""
    today, sent = local(now).date(), 0
    for site in Site.objects.select_related("organisation").order_by("pk"):
        if followup_settings(site.organisation_id).placing_school_notification != "next_school_day":
            sent += agency_notices_send(site=site, day=today, now=now)
            continue
        sent += agency_notices_send(site=site, day=today, now=now, roles=frozenset(PROFESSIONAL_ROLES))
        calendar = site_calendar(site, today - dt.timedelta(days=21), today)
        if calendar is not None and calendar.is_school_day(today):
            sent += agency_notices_send(site=site, day=calendar.nth_school_day_before(today, 1), now=now,
                                        roles=frozenset({"placing_school"}))
    return sent
