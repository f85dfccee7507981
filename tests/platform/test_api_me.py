"""GET /api/me: who the token or session belongs to, with their memberships."""

from __future__ import annotations

import pytest

from safewell.accounts.models import Membership, Role
from safewell.accounts.services import api_token_create
from safewell.config.api import AUTHENTICATION_REQUIRED, INVALID_TOKEN


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_signed_in_teacher_gets_their_details_by_session(client, personas):
    personas.teacher.first_name, personas.teacher.last_name = "Ada", "Quill"
    personas.teacher.save()
    client.force_login(personas.teacher)

    response = client.get("/api/me")

    assert response.status_code == 200
    assert response.json() == {
        "username": "teacher",
        "email": "teacher@example.org",
        "name": "Ada Quill",
        "memberships": [
            {
                "site_code": "north",
                "site_name": "North site",
                "organisation": "Testbridge Academy",
                "role": "teacher",
                "role_name": "Teacher",
            }
        ],
    }


def test_a_dsl_with_mfa_gets_their_details_by_token(client, personas):
    # The DSL is an MFA role with TOTP set up; a token is the integration's credential.
    Membership.objects.create(user=personas.dsl, site=personas.south, role=Role.DEPUTY_DSL)
    _, raw = api_token_create(user=personas.dsl, name="MIS sync", created_by=personas.admin)

    response = client.get("/api/me", **bearer(raw))

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "dsl"
    assert [(m["site_code"], m["role"]) for m in body["memberships"]] == [
        ("north", "dsl"),
        ("south", "deputy_dsl"),
    ]


def test_a_token_works_without_a_csrf_token_or_cookie(personas):
    from django.test import Client

    _, raw = api_token_create(user=personas.teacher, name="Registers", created_by=personas.admin)
    strict = Client(enforce_csrf_checks=True)
    assert strict.get("/api/me", **bearer(raw)).status_code == 200


def test_an_unknown_token_gets_a_json_401_saying_so(client, personas):
    response = client.get("/api/me", **bearer("sw_notarealtoken0000000000000000"))

    assert response.status_code == 401
    assert response.json() == {"detail": INVALID_TOKEN}
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_refused_even_beside_a_valid_session(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/api/me", **bearer("sw_notarealtoken0000000000000000"))
    assert response.status_code == 401
    assert response.json() == {"detail": INVALID_TOKEN}


def test_a_revoked_token_gets_a_json_401(client, personas):
    from safewell.accounts.services import api_token_revoke

    token, raw = api_token_create(user=personas.teacher, name="Old MIS", created_by=personas.admin)
    api_token_revoke(token=token)
    response = client.get("/api/me", **bearer(raw))
    assert response.status_code == 401
    assert response.json() == {"detail": INVALID_TOKEN}


def test_a_token_of_a_deactivated_user_gets_a_json_401(client, personas):
    _, raw = api_token_create(user=personas.teacher, name="MIS", created_by=personas.admin)
    personas.teacher.is_active = False
    personas.teacher.save()
    assert client.get("/api/me", **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_no_credentials_get_a_json_401_explaining_how_to_authenticate(client):
    response = client.get("/api/me")

    assert response.status_code == 401
    assert response.json() == {"detail": AUTHENTICATION_REQUIRED}


@pytest.mark.urls("tests.platform.api_probe_urls")
def test_a_request_by_token_runs_as_its_user_for_the_audit_log(client, personas):
    _, raw = api_token_create(user=personas.teacher, name="MIS", created_by=personas.admin)
    response = client.get("/probe-api/acting", **bearer(raw))
    assert response.json() == {"actor_id": personas.teacher.pk}
