"""First-day messages to families (issue 6 §5), and delivering the follow-up outbox.

A message is a row of the outbox (`OutboundMessage`) and a contact attempt (`outcome =
message_sent`) written together; the worker delivers it at least once with retries
(core/outbox.py) and its status (queued, sent, failed) shows beside the attempt. While the
SMS provider or the mail server is down, messages wait as "queued" and are retried; after the
last retry they are "failed", kept and shown: none is lost.

Who gets it: the first contact in priority order who has parental responsibility or lives
with the pupil, is not marked "do not contact" and has a mobile number (text) or an email
address (email). A student of 18 or over gets it themselves (their own contact, relationship
"self"); their family only where the profile and their consent allow (selectors.
parents_contactable; seed 004, Safeguarding Over 18s).

Which words: the school's own template or Safewell's default (templates.py); the gentler
one for a child under 5, a child with medical needs recorded, or one whose last absence was
illness or a medical appointment (parents complain most about blunt, context-blind messages).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction

from safewell.core.outbox import DeliveryReport, deliver_after_commit, deliver_due
from safewell.core.sms import SmsProvider, sms_provider_from_settings
from safewell.followup import templates
from safewell.followup.models import (
    ContactAttempt,
    ContactChannel,
    ContactedKind,
    ContactOutcome,
    MessagePurpose,
    MessageStatus,
    OutboundMessage,
    TemplateKind,
)
from safewell.followup.profile_settings import followup_settings
from safewell.followup.selectors import calling_list, contact_is_family, local, parents_contactable
from safewell.followup.services import contact_attempt_log
from safewell.pupils import age
from safewell.pupils.models import CharacteristicKind, Contact, Pupil, Relationship
from safewell.schools.models import Site

logger = logging.getLogger("safewell.followup.messages")

NO_ONE_TO_MESSAGE = "{pupil} has no contact who may be sent a {channel} ({why})."
OUTSIDE_FAMILY_HOURS = (
    "Messages to families go between {start:%H:%M} and {end:%H:%M} (the policy profile); it is {now:%H:%M}. "
    "Phone instead if it cannot wait."
)
NOT_SENT_HOURS_ENDED = (
    "Not sent: the hours for messages to families ({end:%H:%M}) ended before it could be delivered. "
    "It will not be sent on another day; send a new one by hand if it is still needed."
)
# The automatic first-day messages go within this long after the profile's time (a job that
# ran late still sends them); after it, a message waits for a person (issue 11 §3: texts went
# to families at 16:00 when the job first ran in the afternoon) [U: product default].
AUTOMATIC_SEND_WINDOW = dt.timedelta(hours=1)
ALREADY_SENT = "A first-day {channel} about {pupil} was already sent today."
# Gentler wording below this age (issue 6 §5: "Under-5s").
GENTLE_UNDER_AGE = 5
# A last absence for these reasons asks for the gentler wording too.
GENTLE_AFTER_CODES = frozenset({"I", "M"})
TEMPLATE_FOR = {
    (ContactChannel.SMS, False): TemplateKind.FIRST_DAY_SMS,
    (ContactChannel.EMAIL, False): TemplateKind.FIRST_DAY_EMAIL,
    (ContactChannel.SMS, True): TemplateKind.GENTLE_SMS,
    (ContactChannel.EMAIL, True): TemplateKind.GENTLE_EMAIL,
}
# A student of 18 or over who gets the message themselves is spoken to, not about (issue 11 §3).
TEMPLATE_FOR_STUDENT = {ContactChannel.SMS: TemplateKind.STUDENT_SMS, ContactChannel.EMAIL: TemplateKind.STUDENT_EMAIL}


def _address(contact: Contact, channel: str) -> str:
    return contact.mobile_phone if channel == ContactChannel.SMS else contact.email


def message_recipient(pupil: Pupil, day: dt.date, channel: str) -> tuple[Contact | None, str]:
    """(who to send a first-day message to by `channel`, or None with why not)."""
    contacts = [c for c in pupil.contacts.all().order_by("priority") if not c.do_not_contact and _address(c, channel)]
    if pupil.is_over_18(day):
        own = next((c for c in contacts if c.relationship == Relationship.SELF), None)
        if own is not None:
            return own, ""
    over_18_option = followup_settings(pupil.organisation_id).over_18_parent_notification
    if not parents_contactable(pupil, day, over_18_parent_notification=over_18_option):
        return None, "18 or over, with no consent to contact the family and no number or email of their own"
    family = [c for c in contacts if contact_is_family(c)]
    carers = [c for c in family if c.parental_responsibility or c.lives_with]
    if carers or family:
        return (carers or family)[0], ""
    return None, "no contact with a mobile number" if channel == ContactChannel.SMS else "no contact with an email address"


def needs_gentle_wording(pupil: Pupil, day: dt.date) -> bool:
    from safewell.attendance.models import Mark

    if age.age_on(pupil.date_of_birth, day) < GENTLE_UNDER_AGE:
        return True
    if pupil.characteristics.filter(kind=CharacteristicKind.MEDICAL_NEEDS, starts_on__lte=day).exclude(ends_on__lt=day).exists():
        return True
    last_absence = Mark.objects.filter(pupil=pupil, date__lt=day).exclude(code__in=["/", "\\", "L"]).order_by(
        "-date", "-session").values_list("code", flat=True).first()
    return last_absence in GENTLE_AFTER_CODES


def _values(pupil: Pupil, day: dt.date) -> dict[str, str]:
    return {"forename": pupil.forename, "school": pupil.organisation.name, "date": f"{day:%A %-d %B}"}


def within_family_hours(organisation_id: int, now: dt.datetime) -> bool:
    start, end = followup_settings(organisation_id).family_hours
    return start <= local(now).time() < end


def _template_kind(pupil: Pupil, contact: Contact, day: dt.date, channel: str) -> str:
    if contact.relationship == Relationship.SELF:
        return TEMPLATE_FOR_STUDENT[channel]
    return TEMPLATE_FOR[(channel, needs_gentle_wording(pupil, day))]


def first_day_message_send(
    *, pupil: Pupil, day: dt.date, channel: str, actor, now: dt.datetime
) -> ContactAttempt:
    """Queue one first-day message about `pupil`'s absence on `day` and record it as a
    contact attempt. By hand (`actor`) or by the daily job (None). ValidationError when no
    one may be sent it, one was already sent today by this channel, or it is outside the
    profile's hours for messages to families."""
    contact, why = message_recipient(pupil, day, channel)
    label = "text" if channel == ContactChannel.SMS else "email"
    if not within_family_hours(pupil.organisation_id, now):
        start, end = followup_settings(pupil.organisation_id).family_hours
        raise ValidationError(OUTSIDE_FAMILY_HOURS.format(start=start, end=end, now=local(now)))
    if contact is None:
        raise ValidationError(NO_ONE_TO_MESSAGE.format(pupil=pupil, channel=label, why=why))
    key = f"first_day:{pupil.pk}:{day.isoformat()}:{channel}"
    if _first_day_message_sent([pupil], day, channel):
        raise ValidationError(ALREADY_SENT.format(channel=label, pupil=pupil))
    wording = templates.filled(
        templates.wording_for(pupil.organisation_id, _template_kind(pupil, contact, day, channel)), _values(pupil, day),
    )
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            site_id=pupil.site_id, pupil=pupil, purpose=MessagePurpose.FIRST_DAY, channel=channel,
            address=_address(contact, channel), recipient_name=contact.name, subject=wording.subject,
            body=wording.body, next_attempt_at=now, dedupe_key=key, created_by=actor, created_at=now,
        )
        own = contact.relationship == Relationship.SELF
        attempt = contact_attempt_log(
            actor=actor, pupil=pupil, absence_date=day, channel=channel,
            contacted_kind=ContactedKind.PUPIL if own else ContactedKind.CONTACT, contact=None if own else contact,
            address=message.address, outcome=ContactOutcome.MESSAGE_SENT, attempted_at=now, now=now, message=message,
        )
        deliver_after_commit(OutboundMessage)
    return attempt


def automatic_send_is_open(setting, now: dt.datetime) -> bool:
    """Whether the automatic first-day messages go now: from the profile's time, for
    AUTOMATIC_SEND_WINDOW, and within the hours for messages to families."""
    at = dt.datetime.combine(local(now).date(), setting.send_messages_at, tzinfo=local(now).tzinfo)
    start, end = setting.family_hours
    return setting.send_messages_automatically and at <= now < at + AUTOMATIC_SEND_WINDOW \
        and start <= local(now).time() < end


def first_day_messages_send_due(*, now: dt.datetime) -> int:
    """The daily job (every few minutes): in the hour from each organisation's
    `first_day_calling.send_messages_at`, send a first-day message to the family of every
    pupil on a calling list with no contact made yet and no first-day message today. A
    child who joins the list after that hour gets no automatic message: a person decides."""
    today, sent = local(now).date(), 0
    for site in Site.objects.select_related("organisation").order_by("pk"):
        setting = followup_settings(site.organisation_id)
        if not automatic_send_is_open(setting, now):
            continue
        for family in calling_list(site=site, day=today, now=now).to_contact:
            sent += _send_to_family(family, today, setting.message_channels, now)
    return sent


def _send_to_family(family, day: dt.date, channels, now: dt.datetime) -> int:
    """One message per channel for a family: to the first pupil's contact (siblings share
    it), unless any of them already had one today."""
    pupils = [e.pupil for e in family.entries]
    sent = 0
    for channel in channels:
        if _first_day_message_sent(pupils, day, channel):
            continue
        for pupil in pupils:
            try:
                first_day_message_send(pupil=pupil, day=day, channel=channel, actor=None, now=now)
            except ValidationError as refusal:
                logger.info("First-day %s not sent for pupil %s: %s", channel, pupil.pk, refusal.messages[0])
                continue
            sent += 1
            break
    return sent


def _first_day_message_sent(pupils: list[Pupil], day: dt.date, channel: str) -> bool:
    return OutboundMessage.objects.filter(
        pupil__in=pupils, purpose=MessagePurpose.FIRST_DAY, channel=channel,
        dedupe_key__in=[f"first_day:{p.pk}:{day.isoformat()}:{channel}" for p in pupils],
    ).exists()


# --- Delivery ---------------------------------------------------------------------------------


def _hold_outside_family_hours(now: dt.datetime) -> None:
    """First-day messages due now but outside their organisation's hours for families: held
    until the hours open that day, or, once the day's hours have ended, failed with why (a
    text saying "not in school today" must not arrive tomorrow)."""
    due = OutboundMessage.objects.filter(status=MessageStatus.QUEUED, purpose=MessagePurpose.FIRST_DAY,
                                         next_attempt_at__lte=now).select_related("site")
    for message in due:
        start, end = followup_settings(message.site.organisation_id).family_hours
        wall = local(now)
        if start <= wall.time() < end:
            continue
        if wall.time() < start and local(message.created_at).date() == wall.date():
            opens = dt.datetime.combine(wall.date(), start, tzinfo=wall.tzinfo)
            OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(next_attempt_at=opens)
            continue
        OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            status=MessageStatus.FAILED, last_error=NOT_SENT_HOURS_ENDED.format(end=end))


def messages_deliver_due(*, now: dt.datetime, sms_provider: SmsProvider | None = None) -> DeliveryReport:
    _hold_outside_family_hours(now)
    providers: list[SmsProvider] = [sms_provider] if sms_provider is not None else []

    def send(message: OutboundMessage) -> str | None:
        if message.channel == ContactChannel.EMAIL:
            EmailMessage(subject=message.subject, body=message.body, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[message.address]).send(fail_silently=False)
            return None
        if not providers:
            providers.append(sms_provider_from_settings())
        return providers[0].send(to=message.address, body=message.body)

    return deliver_due(OutboundMessage, now=now, send=send)
