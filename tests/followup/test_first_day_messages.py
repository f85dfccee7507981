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
from safewell.pupils.models import Contact
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


def test_a_text_to_an_adult_student_speaks_to_her_not_about_her(school):
    body = send(school, school.eli).message.body
    assert "Eli, you are not in school today (Tuesday 10 November) and we have not heard from you" in body
    assert "Eli is not in school" not in body and "heard why" not in body
    Contact.objects.filter(pupil=school.eli, relationship="self").update(email="eli@example.org")
    email = send(school, school.eli, channel="email").message
    assert (email.address, email.subject) == ("eli@example.org", "Eli, you are not in school today")
    assert email.body.startswith("Dear Eli,")


@pytest.mark.parametrize("hour,minute", [(7, 59), (18, 0), (21, 30)])
def test_nothing_is_sent_to_a_family_by_hand_outside_the_profiles_hours(school, hour, minute):
    with pytest.raises(ValidationError, match="Messages to families go between 08:00 and 18:00"):
        send(school, school.bea, now=london(TUESDAY, hour, minute))
    assert not OutboundMessage.objects.exists()


def test_a_text_still_undelivered_when_the_hours_end_is_not_sent_the_next_day(school):
    send(school, school.bea, now=london(TUESDAY, 17, 50))
    down = FailingSmsProvider(failures=1)
    messages.messages_deliver_due(now=london(TUESDAY, 17, 50), sms_provider=down)  # refused: retried at 17:51
    messages.messages_deliver_due(now=london(TUESDAY, 18, 5), sms_provider=down)
    messages.messages_deliver_due(now=london(TUESDAY + dt.timedelta(days=1), 8, 30), sms_provider=down)
    message = OutboundMessage.objects.get()
    assert message.status == "failed" and down.sent == []
    assert "hours for messages to families (18:00) ended" in message.last_error


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
    for _ in range(30):  # every 15 minutes to 17:30: the retries (about 4 hours) fit in the day's hours
        messages.messages_deliver_due(now=now, sms_provider=down)
        now += dt.timedelta(minutes=15)
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


def test_an_automatic_text_whose_hour_has_passed_waits_for_a_person(school):
    school.take_register(TUESDAY, "AM", {school.bea: "N"})
    school.take_register(TUESDAY, "PM", {school.dan: "N"})
    # The statutory profile sends at 10:00; the job did not run until the afternoon.
    assert messages.first_day_messages_send_due(now=london(TUESDAY, 11, 0)) == 0
    assert messages.first_day_messages_send_due(now=london(TUESDAY, 16, 0)) == 0
    assert not OutboundMessage.objects.exists()
    assert send(school, school.dan, now=london(TUESDAY, 16, 0)).message.status == "queued"  # a person sends it


def test_the_calling_list_says_when_texts_go_and_when_a_person_must_send_them(school):
    from safewell.followup.selectors import texts_note

    assert texts_note(school.north, TUESDAY, london(TUESDAY, 9, 30)) == \
        "First-day texts go automatically at 10:00 to the families still to contact."
    assert texts_note(school.north, TUESDAY, london(TUESDAY, 16, 0)).startswith(
        "The automatic first-day texts went at 10:00. For a child added to the list since, send the text yourself")
    assert texts_note(school.north, TUESDAY, london(TUESDAY, 19, 0)).startswith(
        "No texts or emails go to families now: only between 08:00 and 18:00.")

