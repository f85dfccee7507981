"""Admins, DSLs and deputy DSLs reach nothing but MFA set-up until they have MFA."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safewell.accounts.middleware import MFA_REQUIRED_API_MESSAGE
from safewell.accounts.models import Membership, Role
from tests.conftest import PERSONA_PASSWORD, make_user

MFA_ROLES = [Role.ADMIN, Role.DSL, Role.DEPUTY_DSL]
OTHER_ROLES = [Role.TEACHER, Role.ATTENDANCE_OFFICER, Role.PASTORAL, Role.EXTERNAL]
SET_UP = reverse("mfa_activate_totp")


@pytest.mark.parametrize("role", MFA_ROLES)
def test_an_mfa_role_without_mfa_is_sent_to_set_up_from_every_page(client, personas, role):
    client.force_login(make_user(f"new_{role}", personas.north, role, with_mfa=False))
    for path in [reverse("home"), reverse("accounts:mfa_status"), reverse("account_change_password"), "/no-such-page/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == SET_UP, path


@pytest.mark.parametrize("role", MFA_ROLES)
def test_an_mfa_role_without_mfa_gets_a_json_403_from_the_api(client, personas, role):
    client.force_login(make_user(f"new_{role}", personas.north, role, with_mfa=False))
    response = client.get("/api/me")
    assert response.status_code == 403
    assert response.json() == {"detail": MFA_REQUIRED_API_MESSAGE}


@pytest.mark.parametrize("role", MFA_ROLES)
def test_an_mfa_role_without_mfa_can_reach_set_up_and_sign_out(client, personas, role):
    make_user(f"new_{role}", personas.north, role, with_mfa=False)
    # A real sign-in: set-up asks for the password again unless it was given just now.
    signed_in = client.post(reverse("account_login"), {"login": f"new_{role}", "password": PERSONA_PASSWORD})
    assert signed_in.status_code == 302
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert "you must set up two-factor authentication" in page.content.decode()
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_not_asked_for_mfa(client, personas, role):
    client.force_login(make_user(f"new_{role}", personas.north, role, with_mfa=False))
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("persona", ["admin", "dsl", "deputy_dsl_south"])
def test_mfa_roles_with_totp_reach_their_home_page(client, personas, persona):
    client.force_login(personas.all_signed_in()[persona])
    assert client.get(reverse("home")).status_code == 200


def test_a_new_dsl_role_is_gated_on_the_very_next_request(client, personas):
    teacher = make_user("promoted", personas.north, Role.TEACHER, with_mfa=False)
    client.force_login(teacher)
    assert client.get(reverse("home")).status_code == 200
    Membership.objects.create(user=teacher, site=personas.south, role=Role.DSL)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == SET_UP


def test_django_admin_staff_need_mfa_too(client, personas):
    staff = make_user("superuser", personas.north, Role.TEACHER, with_mfa=False)
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and response["Location"] == SET_UP
