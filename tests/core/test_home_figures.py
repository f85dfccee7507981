"""What each role's home page counts (config/home.py), on small fixtures: the figures and
lists that the demo walk in test_home_pages_through_the_day_in_browser.py cannot set up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from safewell.accounts.models import Role
from safewell.followup.models import MessagePurpose, OutboundMessage
from safewell.safeguarding import services
from tests.conftest import make_user
from tests.pupils.pupil_factory import make_pupil
from tests.safeguarding.casework_factory import NOW, TODAY, case_of


@pytest.fixture
def at_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW + dt.timedelta(hours=1))


def test_pastoral_staff_see_the_actions_a_dsl_gave_them_and_nothing_done(client, personas, at_now):
    pastoral = make_user("pastoral", personas.north, Role.PASTORAL)
    case = case_of(personas, make_pupil(personas.north, forename="Rosa", surname="Kettleby"))
    task = services.task_add(case=case, actor=personas.dsl, now=NOW, action=services.Action(
        "Home visit with the attendance officer", pastoral, TODAY + dt.timedelta(days=2)))
    services.task_add(case=case, actor=personas.dsl, now=NOW, action=services.Action(
        "Call the social worker", personas.dsl, TODAY + dt.timedelta(days=1)))
    client.force_login(pastoral)
    content = client.get("/").content.decode()
    assert "Actions given to you (1)" in content
    assert "Home visit with the attendance officer: Rosa Kettleby, by Wednesday 4 November" in content
    assert "Call the social worker" not in content
    services.task_complete(task=task, actor=personas.dsl, now=NOW)
    assert "No actions given to you." in client.get("/").content.decode()


def test_the_dsl_home_counts_the_cases_the_dashboard_lists(client, personas, at_now):
    case_of(personas)
    client.force_login(personas.dsl)
    home = client.get("/").content.decode()
    assert 'href="/safeguarding/#open-cases" data-figure="1"><strong class="govuk-!-font-size-27">1</strong> open case<' in home
    assert "Open cases (1)" in client.get("/safeguarding/").content.decode()


def test_an_external_user_sees_the_notices_sent_to_them_and_no_one_elses(client, personas, at_now):
    pupil = make_pupil(personas.north, forename="Theo", surname="Marrable")
    for address, subject in ((personas.external.email, "Theo is absent today"), ("someone@example.org", "Not yours")):
        OutboundMessage.objects.create(
            site=personas.north, pupil=pupil, purpose=MessagePurpose.AGENCY_NOTICE, channel="email", address=address,
            recipient_name="An agency", subject=subject, body="…", next_attempt_at=NOW, dedupe_key=address,
            created_at=NOW,
        )
    client.force_login(personas.external)
    content = client.get("/").content.decode()
    assert 'data-figure="1"><strong class="govuk-!-font-size-27">1</strong> pupil shared with you' in content
    assert "Theo Marrable</a>, Theo is absent today" in content
    assert "Not yours" not in content


def test_the_admin_task_list_says_what_is_not_set_up_yet(client, personas, at_now):
    client.force_login(personas.admin)
    content = client.get("/").content.decode()
    # No term dates, no groups or pupils, no policy profile of their own; a DSL and MFA are there.
    assert "Set-up (3 to do)" in content
    assert "Until one is installed, the statutory minimum applies." in content
    assert "Alerts about children go to the DSL team." in content


def test_the_attendance_officer_sees_no_missing_registers_before_any_register_opens(client, personas, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 11, 2, 7, 0, tzinfo=dt.UTC))
    client.force_login(personas.attendance_officer)
    content = client.get("/").content.decode()
    assert "families to contact" in content
    assert "registers not taken" not in content
