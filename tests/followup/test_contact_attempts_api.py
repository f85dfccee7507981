"""The API of first-day calling: log an attempt (422 naming each field, nothing written),
read a pupil's attempts (audited), and who may do either."""

from __future__ import annotations

import pytest

from safewell.audit.models import AuditEvent
from safewell.followup.models import ContactAttempt
from tests.followup.followup_school import TUESDAY, london

AT = london(TUESDAY, 9, 40)


def body(school, **changes) -> dict:
    return {
        "pupil_id": school.dan.pk, "absence_date": TUESDAY.isoformat(), "channel": "phone",
        "contacted_kind": "contact", "contact_id": school.contact(school.dan).pk, "outcome": "reached",
        "attempted_at": AT.isoformat(), "whereabouts_known": True, "reason_category": "illness", **changes,
    }


@pytest.fixture(autouse=True)
def after_the_call(monkeypatch):
    import datetime as dt

    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: london(TUESDAY, 10, 0).astimezone(dt.UTC))


def test_an_attendance_officer_logs_an_attempt_and_reads_it_back(client, school):
    client.force_login(school.personas.attendance_officer)
    response = client.post("/api/contact-attempts", body(school), content_type="application/json")
    assert response.status_code == 201 and response.json()["outcome"] == "reached"
    listed = client.get(f"/api/pupils/{school.dan.pk}/contact-attempts").json()
    assert [a["contacted_name"] for a in listed] == ["Dina Calltest"]
    assert AuditEvent.objects.filter(action="read", detail__startswith="contact history through the API").exists()


def test_a_refused_attempt_is_a_422_naming_each_field_and_writes_nothing(client, school):
    client.force_login(school.personas.attendance_officer)
    father = school.dan.contacts.get(relationship="father")
    response = client.post("/api/contact-attempts", body(school, contact_id=father.pk, outcome="dunno",
                                                         whereabouts_known=None, reason_category=""),
                           content_type="application/json")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.contact", "body.outcome"}
    assert not ContactAttempt.objects.exists()


# (persona, status): the teacher and admin have no follow-up duties; South's deputy cannot see Dan.
REFUSED = [("teacher", 403), ("admin", 403), ("external", 403), ("deputy_dsl_south", 404)]


@pytest.mark.parametrize(("persona", "status"), REFUSED)
def test_staff_without_follow_up_duties_at_the_pupils_site_are_refused(client, school, persona, status):
    client.force_login(getattr(school.personas, persona))
    assert client.post("/api/contact-attempts", body(school), content_type="application/json").status_code == status
    assert client.get(f"/api/pupils/{school.dan.pk}/contact-attempts").status_code == status
    assert not ContactAttempt.objects.exists()


def test_anonymous_callers_are_asked_to_authenticate(client, school):
    assert client.post("/api/contact-attempts", body(school), content_type="application/json").status_code == 401
