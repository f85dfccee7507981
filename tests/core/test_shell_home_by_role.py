"""Each role gets its own home page, chosen by its highest role at the current site."""

from __future__ import annotations

import pytest

from safewell.accounts.models import Membership, Role
from tests.conftest import make_user

HOME_TEMPLATE_OF_PERSONA = [
    ("admin", "core/home/admin.html"),
    ("dsl", "core/home/dsl.html"),
    ("deputy_dsl_south", "core/home/dsl.html"),
    ("attendance_officer", "core/home/attendance_officer.html"),
    ("teacher", "core/home/teacher.html"),
    ("external", "core/home/external.html"),
]


@pytest.mark.parametrize(("persona", "template"), HOME_TEMPLATE_OF_PERSONA)
def test_each_persona_gets_the_home_page_of_their_role(client, personas, persona, template):
    client.force_login(getattr(personas, persona))
    response = client.get("/")
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]


def test_pastoral_staff_get_the_pastoral_home_page(client, personas):
    client.force_login(make_user("pastoral", personas.north, Role.PASTORAL))
    response = client.get("/")
    assert "core/home/pastoral.html" in [t.name for t in response.templates]
    assert b"No actions given to you." in response.content
    assert b"home visits due" in response.content


def test_the_dsl_home_page_counts_alerts_and_links_to_the_inbox(client, personas):
    client.force_login(personas.dsl)
    response = client.get("/")
    assert b'href="/policy/alerts/" data-figure="0"><strong class="govuk-!-font-size-27">0</strong> children with open alerts' in response.content
    assert b'href="/safeguarding/#open-cases" data-figure="0"><strong class="govuk-!-font-size-27">0</strong> open cases' in response.content


def test_someone_with_two_roles_gets_the_home_page_of_the_higher_one(client, personas):
    Membership.objects.create(user=personas.teacher, site=personas.north, role=Role.ATTENDANCE_OFFICER)
    client.force_login(personas.teacher)
    response = client.get("/")
    assert "core/home/attendance_officer.html" in [t.name for t in response.templates]


def test_the_home_page_follows_the_role_at_the_current_site(client, personas):
    # Teacher at North, attendance officer at South: switching site changes the home page.
    Membership.objects.create(user=personas.teacher, site=personas.south, role=Role.ATTENDANCE_OFFICER)
    client.force_login(personas.teacher)
    assert "core/home/teacher.html" in [t.name for t in client.get("/").templates]
    client.post("/site/switch/", {"site_id": personas.south.pk})
    assert "core/home/attendance_officer.html" in [t.name for t in client.get("/").templates]


def test_someone_with_no_site_is_told_to_ask_an_administrator(client, personas):
    from safewell.accounts.models import User

    nobody = User.objects.create_user(username="nobody", password="x" * 20)
    client.force_login(nobody)
    response = client.get("/")
    assert "core/home/no_site.html" in [t.name for t in response.templates]
    assert b"You do not have a site yet" in response.content


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
