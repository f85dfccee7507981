"""Replies from families through the provider's signed webhook (issue 6 §5): matched to the
pupils whose contacts have the number, queued for a person; unknown numbers, malformed
payloads and bad signatures are refused, logged, and create nothing."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from safewell.followup import services
from safewell.followup.models import CodeProposal, ContactAttempt, InboundMessage
from safewell.followup.public_views import signature_for
from safewell.pupils.models import Contact
from tests.followup.followup_school import TUESDAY, london

SECRET = "test-webhook-secret-0123456789"
NOW = london(TUESDAY, 9, 50)


@pytest.fixture(autouse=True)
def signed(settings, monkeypatch):
    settings.SAFEWELL_SMS_WEBHOOK_SECRET = SECRET
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))


def post(client, payload, *, secret=SECRET, when=NOW, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    stamp = str(int(when.timestamp()))
    return client.post(reverse("followup:sms_webhook"), data=body, content_type="application/json",
                       HTTP_X_SAFEWELL_SIGNATURE=signature_for(body, stamp, secret))


def reply(**changes) -> dict:
    return {"id": "prov-1", "from": "07700 900102", "body": "Bea and Cal have a temperature, sorry", **changes}


def test_a_reply_from_a_mother_of_two_is_queued_with_both_children_as_possible(client, school):
    response = post(client, reply())
    assert response.status_code == 200 and response.json()["possible_pupils"] == 2
    message = InboundMessage.objects.get()
    assert message.from_number == "+447700900102" and message.status == "pending"
    assert set(message.possible_pupils.all()) == {school.bea, school.cal}
    assert not ContactAttempt.objects.exists()  # nothing happens until a person accepts it


def test_the_same_delivery_twice_is_stored_once(client, school):
    post(client, reply())
    assert post(client, reply()).status_code == 200
    assert InboundMessage.objects.count() == 1


# (what is wrong, how it is sent, the status)
REFUSED = [
    ("an unknown number", dict(payload=reply(**{"from": "07700 900999"})), 422),
    ("a bad signature", dict(payload=reply(), secret="not-the-secret"), 401),
    ("a stale signature", dict(payload=reply(), when=NOW - dt.timedelta(minutes=10)), 401),
    ("a body that is not JSON", dict(payload=None, raw=b"from=0770&body=hi"), 400),
    ("a list, not an object", dict(payload=["hi"]), 400),
    ("no sender", dict(payload={"id": "p", "body": "hi"}), 400),
    ("a sender that is not a phone number", dict(payload=reply(**{"from": "hello"})), 400),
]


@pytest.mark.parametrize(("what", "sent", "status"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_delivery_is_refused_logged_and_creates_nothing(client, school, caplog, what, sent, status):
    with caplog.at_level(logging.WARNING, logger="safewell.security"):
        response = post(client, **sent)
    assert response.status_code == status and response.json()["detail"]
    assert "SMS webhook refused" in caplog.text
    assert not InboundMessage.objects.exists() and Contact.objects.count() == 8  # the school's own contacts only


def test_without_a_secret_configured_the_webhook_refuses_everything(client, school, settings):
    settings.SAFEWELL_SMS_WEBHOOK_SECRET = ""
    assert post(client, reply()).status_code == 503
    assert not InboundMessage.objects.exists()


def test_accepting_a_reply_makes_it_a_contact_attempt_with_a_code_proposal(client, school):
    post(client, reply())
    message = InboundMessage.objects.get()
    services.inbound_message_accept(message=message, pupil=school.cal, actor=school.personas.attendance_officer,
                                    reason_category="illness", whereabouts_known=True, notes="", now=NOW)
    attempt = ContactAttempt.objects.get()
    assert (attempt.pupil, attempt.channel, attempt.outcome, attempt.reason_text) == (
        school.cal, "sms", "reached", "Bea and Cal have a temperature, sorry")
    assert CodeProposal.objects.get().code == "I"
    message.refresh_from_db()
    assert message.status == "accepted" and message.attempt == attempt


def test_a_reply_cannot_be_given_to_a_pupil_the_number_does_not_belong_to(client, school):
    post(client, reply())
    with pytest.raises(Exception, match="Choose one of the pupils"):
        services.inbound_message_accept(message=InboundMessage.objects.get(), pupil=school.dan,
                                        actor=school.personas.attendance_officer, reason_category="", whereabouts_known=None,
                                        notes="", now=NOW)
