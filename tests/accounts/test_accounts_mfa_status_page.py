"""The administrator's page of who has MFA set up; no one else may see it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safewell.accounts.models import Role
from safewell.schools.models import Organisation, OrganisationKind, Site
from tests.conftest import make_user

MFA_STATUS = reverse("accounts:mfa_status")


def test_an_admin_sees_everyone_at_their_organisation_with_their_mfa(client, personas):
    make_user("unprotected_dsl", personas.south, Role.DSL, with_mfa=False)
    client.force_login(personas.admin)
    response = client.get(MFA_STATUS)
    assert response.status_code == 200
    rows = {row.user.username: row for row in response.context["rows"]}
    assert set(rows) == {"admin", "dsl", "deputy_south", "teacher", "attendance", "external", "unprotected_dsl"}
    assert rows["dsl"].totp_since is not None and not rows["dsl"].missing_mfa
    assert rows["unprotected_dsl"].missing_mfa
    assert not rows["teacher"].requires_mfa and not rows["teacher"].missing_mfa
    assert response.context["missing_count"] == 1


def test_the_page_flags_people_in_mfa_roles_without_it(client, personas):
    make_user("unprotected_dsl", personas.south, Role.DSL, with_mfa=False)
    client.force_login(personas.admin)
    html = client.get(MFA_STATUS).content.decode()
    assert "1 of 4 people who must use two-factor authentication has not set it up" in html
    flagged = html.split('id="user-unprotected_dsl"')[1].split("</tr>")[0]
    assert "MFA required, not set up" in flagged
    assert "MFA required, not set up" not in html.split('id="user-dsl"')[1].split("</tr>")[0]


def test_an_admin_does_not_see_another_organisation(client, personas):
    other = Organisation.objects.create(name="Elsewhere School", kind=OrganisationKind.SCHOOL)
    elsewhere = Site.objects.create(organisation=other, name="Elsewhere", code="elsewhere")
    make_user("stranger", elsewhere, Role.TEACHER)
    client.force_login(personas.admin)
    usernames = {row.user.username for row in client.get(MFA_STATUS).context["rows"]}
    assert "stranger" not in usernames


@pytest.mark.parametrize("persona", ["dsl", "deputy_dsl_south", "teacher", "attendance_officer", "external"])
def test_everyone_but_admins_is_refused(client, personas, persona):
    client.force_login(personas.all_signed_in()[persona])
    assert client.get(MFA_STATUS).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, personas):
    response = client.get(MFA_STATUS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
