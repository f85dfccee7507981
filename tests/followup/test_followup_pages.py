"""The attendance officer's day through real URLs: the page, the one-screen attempt form,
accepting a code, a first-day text, the pupil page's contact history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from safewell.attendance.models import Mark, MarkAmendment
from safewell.audit.models import AuditEvent
from safewell.followup.models import CodeProposal, ContactAttempt, OutboundMessage
from tests.followup.followup_school import TUESDAY, london


@pytest.fixture
def at_ten(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: london(TUESDAY, 10, 0).astimezone(dt.UTC))


@pytest.fixture
def officer(client, school, at_ten):
    school.take_register(TUESDAY, "AM", {school.ada: "N", school.bea: "N", school.cal: "N"})
    client.force_login(school.personas.attendance_officer)
    return client


def test_the_day_page_lists_the_families_to_contact_and_audits_the_read(officer, school):
    response = officer.get(reverse("followup:day"), {"site": "north"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 families to contact" in page
    assert page.index("Ada Calltest") < page.index("Bea Calltest")  # the child on a CP plan first
    assert "Child protection plan (s47)" in page
    assert AuditEvent.objects.filter(action="read", target_type="schools.site", detail__startswith="calling list").exists()


def test_the_live_list_alone_is_served_for_htmx(officer):
    response = officer.get(reverse("followup:calling_list"), {"site": "north", "day": TUESDAY.isoformat()})
    assert response.status_code == 200 and 'id="calling-list"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_logging_a_call_with_a_reason_records_it_and_proposes_the_code(officer, school):
    url = reverse("followup:attempt_new", kwargs={"pupil_id": school.bea.pk}) + f"?day={TUESDAY}"
    assert officer.get(url).status_code == 200
    response = officer.post(url, {
        "who": str(school.contact(school.bea).pk), "channel": "phone", "outcome": "reached",
        "whereabouts": "known", "reason_category": "illness", "reason_text": "Tummy bug", "at": "09:55",
    })
    assert response.status_code == 302 and f"#pupil-{school.bea.pk}" in response["Location"]
    attempt = ContactAttempt.objects.get(pupil=school.bea)
    assert (attempt.outcome, attempt.whereabouts_known, attempt.recorded_by) == ("reached", True, school.personas.attendance_officer)
    assert CodeProposal.objects.get(pupil=school.bea).code == "I"


def test_a_refused_attempt_shows_the_problem_on_its_field_and_saves_nothing(officer, school):
    dan_father = school.dan.contacts.get(relationship="father")
    url = reverse("followup:attempt_new", kwargs={"pupil_id": school.dan.pk}) + f"?day={TUESDAY}"
    response = officer.post(url, {"who": str(dan_father.pk), "channel": "phone", "outcome": "no_answer", "at": "09:55"})
    assert response.status_code == 400
    assert "Dev Calltest must not be contacted: Court order" in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_accepting_the_proposed_code_changes_the_mark_with_its_amendment(officer, school):
    url = reverse("followup:attempt_new", kwargs={"pupil_id": school.bea.pk}) + f"?day={TUESDAY}"
    officer.post(url, {"who": str(school.contact(school.bea).pk), "channel": "phone", "outcome": "reached",
                       "whereabouts": "known", "reason_category": "illness", "at": "09:55"})
    proposal = CodeProposal.objects.get(pupil=school.bea)
    response = officer.post(reverse("followup:proposal_decide", kwargs={"proposal_id": proposal.pk}), {"decision": "accept"})
    assert response.status_code == 302
    assert Mark.objects.get(pupil=school.bea, date=TUESDAY, session="AM").code == "I"
    amendment = MarkAmendment.objects.get(pupil=school.bea)
    assert (amendment.old_code, amendment.new_code, amendment.amended_by) == ("N", "I", school.personas.attendance_officer)
    assert "Bryony Calltest" in amendment.reason and "Illness" in amendment.reason


def test_a_teacher_may_not_accept_a_proposal(client, officer, school):
    url = reverse("followup:attempt_new", kwargs={"pupil_id": school.bea.pk}) + f"?day={TUESDAY}"
    officer.post(url, {"who": str(school.contact(school.bea).pk), "channel": "phone", "outcome": "reached",
                       "whereabouts": "known", "reason_category": "illness", "at": "09:55"})
    proposal = CodeProposal.objects.get(pupil=school.bea)
    client.force_login(school.personas.teacher)
    response = client.post(reverse("followup:proposal_decide", kwargs={"proposal_id": proposal.pk}), {"decision": "accept"})
    assert response.status_code == 403
    assert Mark.objects.get(pupil=school.bea, date=TUESDAY, session="AM").code == "N"


def test_a_first_day_text_by_hand_is_queued_and_recorded(officer, school):
    response = officer.post(reverse("followup:message_send", kwargs={"pupil_id": school.ada.pk}),
                            {"channel": "sms", "day": TUESDAY.isoformat()})
    assert response.status_code == 302
    message = OutboundMessage.objects.get(pupil=school.ada)
    assert message.address == "+447700900101" and "Ada" in message.body and "Calltest" not in message.body
    assert ContactAttempt.objects.get(pupil=school.ada, message=message).outcome == "message_sent"


def test_the_pupil_page_shows_the_contact_history_to_the_attendance_officer_not_the_teacher(client, officer, school):
    url = reverse("followup:attempt_new", kwargs={"pupil_id": school.bea.pk}) + f"?day={TUESDAY}"
    officer.post(url, {"who": str(school.contact(school.bea).pk), "channel": "phone", "outcome": "voicemail", "at": "09:55"})
    page = officer.get(reverse("pupils:detail", kwargs={"pupil_id": school.bea.pk})).content.decode()
    assert "Contact history" in page and "Left a voicemail" in page
    client.force_login(school.personas.teacher)
    page = client.get(reverse("pupils:detail", kwargs={"pupil_id": school.bea.pk})).content.decode()
    assert "Contact history" not in page


def test_one_call_to_a_mother_of_two_is_recorded_for_both_children(officer, school):
    url = reverse("followup:attempt_new", kwargs={"pupil_id": school.bea.pk}) + f"?day={TUESDAY}"
    page = officer.get(url).content.decode()
    assert "Cal Calltest, absent too" in page
    response = officer.post(url, {"who": str(school.contact(school.bea).pk), "channel": "phone", "outcome": "reached",
                                  "whereabouts": "known", "reason_category": "illness", "at": "09:55",
                                  "also_for": [str(school.cal.pk)]})
    assert response.status_code == 302
    attempts = ContactAttempt.objects.order_by("pupil__legal_forename")
    assert [(a.pupil, a.contact, a.outcome) for a in attempts] == [
        (school.bea, school.contact(school.bea), "reached"), (school.cal, school.contact(school.cal), "reached")]
    assert CodeProposal.objects.filter(code="I").count() == 2
