"""First-day messages to families (issue 6 §5): to whom, in which words, sent once, and
never lost when the SMS provider is down (its retries and the failing fake)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from safewell.core.outbox import MAX_ATTEMPTS
from safewell.core.sms import FailingSmsProvider
from safewell.followup import messages
from safewell.followup.models import ContactAttempt, MessageTemplate, OutboundMessage
from safewell.pupils.services import characteristic_add
from tests.followup.followup_school import TUESDAY, london

NOW = london(TUESDAY, 10, 0)


def send(school, pupil, channel="sms", now=NOW):
    return messages.first_day_message_send(pupil=pupil, day=TUESDAY, channel=channel,
                                           actor=school.personas.attendance_officer, now=now)


def test_the_text_goes_to_the_first_contact_with_parental_responsibility_and_says_only_the_first_name(school):
    attempt = send(school, school.bea)
    message = attempt.message
    assert (message.address, message.recipient_name) == ("+447700900102", "Bryony Calltest")
    assert "Bea is not in school today (Tuesday 10 November)" in message.body
    assert "Calltest" not in message.body and message.status == "queued"
    assert (attempt.channel, attempt.outcome, attempt.contacted_kind) == ("sms", "message_sent", "contact")


def test_a_contact_who_must_not_be_contacted_is_skipped(school):
    assert send(school, school.dan).message.recipient_name == "Dina Calltest"


def test_an_adult_student_gets_her_own_text(school):
    assert send(school, school.eli).message.address == "+447700900105"


def test_one_text_a_day_by_each_channel(school):
    send(school, school.bea)
    with pytest.raises(ValidationError, match="already sent today"):
        send(school, school.bea, now=NOW + dt.timedelta(minutes=30))
    assert OutboundMessage.objects.count() == 1


def test_no_one_to_text_is_a_clear_refusal(school):
    school.contact(school.ada).delete()
    with pytest.raises(ValidationError, match="no contact with a mobile number"):
        send(school, school.ada)


# (why the gentler words, how it is set up)
GENTLE = [
    ("medical needs recorded", lambda s: characteristic_add(pupil=s.dan, kind="medical_needs", starts_on=dt.date(2026, 9, 1))),
    ("the last absence was illness", lambda s: s.take_register(TUESDAY - dt.timedelta(days=1), "AM", {s.dan: "I"})),
]


@pytest.mark.parametrize(("why", "setup"), GENTLE, ids=[g[0] for g in GENTLE])
def test_the_gentler_wording_when_the_child_may_be_unwell(school, why, setup):
    setup(school)
    assert "we hope Dan is all right" in send(school, school.dan).message.body


def test_a_child_under_five_gets_the_gentler_wording(school):
    from tests.followup.followup_school import admit
    from safewell.pupils.services import contact_add

    little = admit(school.personas, school.group, "Ivy", born=dt.date(2022, 1, 10), year="R")
    contact_add(pupil=little, name="Iona Calltest", relationship="mother", parental_responsibility=True,
                mobile_phone="07700 900120")
    assert "we hope Ivy is all right" in send(school, little).message.body


def test_the_schools_own_wording_is_used(school):
    MessageTemplate.objects.create(organisation=school.personas.organisation, kind="first_day_sms",
                                   body="{school}: where is {forename} today, {date}? Please call us.", updated_at=NOW)
    assert send(school, school.bea).message.body == "Testbridge Academy: where is Bea today, Tuesday 10 November? Please call us."


def test_with_the_provider_down_texts_stay_queued_are_retried_and_none_is_lost(school):
    for pupil in (school.bea, school.dan, school.eli):
        send(school, pupil)
    down = FailingSmsProvider(failures=6)  # refuses the first 6 hand-offs, then recovers
    now = NOW
    for _ in range(4):
        messages.messages_deliver_due(now=now, sms_provider=down)
        now += dt.timedelta(hours=1)
    assert sorted(to for to, _ in down.sent) == ["+447700900102", "+447700900104", "+447700900105"]
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert down.refused == 6 and len(down.sent) == 3  # each text delivered exactly once


def test_a_provider_that_never_recovers_leaves_the_text_failed_with_its_error_and_its_attempt(school):
    send(school, school.bea)
    down = FailingSmsProvider()
    now = NOW
    for _ in range(MAX_ATTEMPTS + 2):
        messages.messages_deliver_due(now=now, sms_provider=down)
        now += dt.timedelta(hours=3)
    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert "gateway unavailable" in message.last_error
    assert ContactAttempt.objects.get(message=message).outcome == "message_sent"  # the record of the try stays


def test_an_email_goes_through_the_mail_backend(school):
    send(school, school.bea, channel="email")
    assert messages.messages_deliver_due(now=NOW).sent == 1
    assert mail.outbox[0].to == ["bryony@example.org"] and mail.outbox[0].subject == "Bea is not in school today"


def test_the_automatic_messages_go_at_the_profiles_time_to_each_family_once(school):
    school.take_register(TUESDAY, "AM", {school.bea: "N", school.cal: "N", school.dan: "N"})
    assert messages.first_day_messages_send_due(now=london(TUESDAY, 9, 55)) == 0  # the statutory profile: 10:00
    assert messages.first_day_messages_send_due(now=london(TUESDAY, 10, 0)) == 2  # Bea and Cal share a mother
    assert messages.first_day_messages_send_due(now=london(TUESDAY, 10, 5)) == 0
    assert sorted(OutboundMessage.objects.values_list("address", flat=True)) == ["+447700900102", "+447700900104"]
    assert ContactAttempt.objects.filter(recorded_by__isnull=True).count() == 2
