"""Signing in with MFA: a wrong code and a reused code each get their own message and log line."""

from __future__ import annotations

import logging

import pyotp
from allauth.mfa.models import Authenticator
from django.urls import reverse

from safewell.accounts.adapter import CANNOT_REMOVE_LAST_SECOND_FACTOR, LOCKED_OUT, REPLAYED_CODE, WRONG_CODE
from safewell.accounts.models import Role
from safewell.audit.models import AuditEvent
from tests.accounts.mfa_helpers import code_valid_for, totp_secret_of
from tests.conftest import PERSONA_PASSWORD, make_user

MFA_AUTHENTICATE = reverse("mfa_authenticate")


def sign_in_with_password(client, login: str) -> None:
    response = client.post(reverse("account_login"), {"login": login, "password": PERSONA_PASSWORD})
    assert response.status_code == 302 and response["Location"] == MFA_AUTHENTICATE


def enter_code(client, code: str):
    return client.post(MFA_AUTHENTICATE, {"code": code})


def signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_a_dsl_with_totp_is_asked_for_a_code_after_the_password(client, personas):
    sign_in_with_password(client, "dsl")
    assert signed_in_user_id(client) is None
    page = client.get(MFA_AUTHENTICATE)
    assert "Enter your authenticator code" in page.content.decode()


def test_the_right_code_completes_sign_in(client, personas):
    sign_in_with_password(client, "dsl")
    response = enter_code(client, code_valid_for(totp_secret_of(personas.dsl)))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_user_id(client) == personas.dsl.pk
    assert AuditEvent.objects.filter(action="login_succeeded", actor_id=personas.dsl.pk).exists()


def test_a_wrong_code_gets_a_clear_message_and_is_logged(client, personas, caplog):
    caplog.set_level(logging.WARNING, logger="safewell.security")
    sign_in_with_password(client, "dsl")
    right = pyotp.TOTP(totp_secret_of(personas.dsl)).now()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = enter_code(client, wrong)
    assert WRONG_CODE in response.content.decode()
    assert signed_in_user_id(client) is None
    assert "mfa_code_rejected" in caplog.text
    assert AuditEvent.objects.filter(action="mfa_code_rejected", target_id=str(personas.dsl.pk)).exists()


def test_a_replayed_code_is_refused_with_its_own_message_and_logged(client, personas, caplog):
    caplog.set_level(logging.WARNING, logger="safewell.security")
    code = code_valid_for(totp_secret_of(personas.dsl), seconds=15)
    sign_in_with_password(client, "dsl")
    assert enter_code(client, code).status_code == 302
    client.post(reverse("account_logout"))

    sign_in_with_password(client, "dsl")
    response = enter_code(client, code)
    html = response.content.decode()
    assert REPLAYED_CODE in html
    assert WRONG_CODE not in html
    assert signed_in_user_id(client) is None
    assert "mfa_code_replayed" in caplog.text
    assert AuditEvent.objects.filter(action="mfa_code_replayed", target_id=str(personas.dsl.pk)).exists()


def test_five_wrong_codes_lock_the_second_step(client, personas):
    sign_in_with_password(client, "dsl")
    for _ in range(5):
        enter_code(client, "000000")
    response = enter_code(client, code_valid_for(totp_secret_of(personas.dsl)))
    assert LOCKED_OUT in response.content.decode()
    assert signed_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="mfa_locked_out", target_id=str(personas.dsl.pk)).exists()


def test_the_code_that_confirmed_set_up_cannot_also_sign_in(client, personas, django_capture_on_commit_callbacks):
    make_user("new_dsl", personas.north, Role.DSL, with_mfa=False)
    client.post(reverse("account_login"), {"login": "new_dsl", "password": PERSONA_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    code = code_valid_for(secret, seconds=15)
    # allauth announces the new authenticator once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        activated = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert activated.status_code == 302
    assert AuditEvent.objects.filter(action="mfa_enrolled", actor__username="new_dsl").exists()
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("account_logout"))

    sign_in_with_password(client, "new_dsl")
    assert REPLAYED_CODE in enter_code(client, code).content.decode()


def test_a_dsl_cannot_remove_their_only_authenticator_app(client, personas):
    sign_in_with_password(client, "dsl")
    enter_code(client, code_valid_for(totp_secret_of(personas.dsl)))
    response = client.post(reverse("mfa_deactivate_totp"))
    assert CANNOT_REMOVE_LAST_SECOND_FACTOR in response.content.decode()
    assert Authenticator.objects.filter(user=personas.dsl, type=Authenticator.Type.TOTP).exists()
