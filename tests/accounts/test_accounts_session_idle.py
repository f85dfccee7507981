"""Sessions end after inactivity: 30 minutes for admins and DSLs, longer for other staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safewell.accounts.models import Membership, Role

SHORT_ROLES = ["admin", "dsl", "deputy_dsl_south"]
LONG_ROLES = ["teacher", "attendance_officer", "external"]


@pytest.mark.parametrize("persona", SHORT_ROLES)
def test_safeguarding_and_admin_sessions_expire_after_30_idle_minutes(client, personas, persona):
    client.force_login(personas.all_signed_in()[persona])
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 30 * 60


@pytest.mark.parametrize("persona", LONG_ROLES)
def test_other_staff_sessions_expire_after_120_idle_minutes(client, personas, persona):
    client.force_login(personas.all_signed_in()[persona])
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 120 * 60


def test_the_idle_minutes_come_from_settings(client, personas, settings):
    settings.SAFEWELL_SESSION_IDLE_MINUTES = 10
    settings.SAFEWELL_STAFF_SESSION_IDLE_MINUTES = 45
    client.force_login(personas.dsl)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 10 * 60
    client.force_login(personas.teacher)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 45 * 60


def test_the_session_row_expires_with_the_idle_timeout(client, personas):
    """The database refuses an idle session too, not only the browser's cookie."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(personas.dsl)
    client.get(reverse("home"))
    row = Session.objects.get(session_key=client.session.session_key)
    remaining = (row.expire_date - timezone.now()).total_seconds()
    assert 29 * 60 < remaining <= 30 * 60


def test_the_sign_in_request_itself_sets_the_idle_expiry(client, personas):
    from tests.conftest import PERSONA_PASSWORD

    client.post(reverse("account_login"), {"login": "teacher", "password": PERSONA_PASSWORD})
    assert client.session.get_expiry_age() == 120 * 60


def test_a_teacher_made_dsl_gets_the_short_timeout_on_the_next_request(client, personas):
    client.force_login(personas.teacher)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 120 * 60
    Membership.objects.create(user=personas.teacher, site=personas.north, role=Role.DSL)
    client.get(reverse("account_logout"))  # reachable while the gate asks for MFA
    assert client.session.get_expiry_age() == 30 * 60
