"""allauth's pages render inside our shell, in GOV.UK markup, with no inline script or style."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from safewell.accounts.models import Role
from safewell.audit.models import AuditEvent
from tests.accounts.mfa_helpers import code_valid_for, totp_secret_of
from tests.conftest import PERSONA_PASSWORD, make_user

# A <script> is fine when it loads a file (src=) or only carries data (type="application/json").
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle=", re.IGNORECASE)

SIGNED_IN_PAGES = [
    "account_change_password", "account_logout", "account_reauthenticate",
    "mfa_index", "mfa_reauthenticate", "mfa_add_webauthn", "mfa_list_webauthn",
]
ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password"]


def assert_in_shell_without_inline_code(html: str) -> None:
    assert "govuk-template__body" in html
    assert not INLINE_SCRIPT.findall(html), INLINE_SCRIPT.findall(html)
    assert not STYLE_ATTRIBUTE.search(html)
    assert "<style" not in html


@pytest.fixture
def dsl_signed_in_with_mfa(client, personas):
    client.post(reverse("account_login"), {"login": "dsl", "password": PERSONA_PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": code_valid_for(totp_secret_of(personas.dsl))})
    assert int(client.session["_auth_user_id"]) == personas.dsl.pk
    return client


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_account_pages_render_in_the_shell(dsl_signed_in_with_mfa, name):
    response = dsl_signed_in_with_mfa.get(reverse(name))
    assert response.status_code == 200, name
    assert_in_shell_without_inline_code(response.content.decode())


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_signed_out_account_pages_render_in_the_shell(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200, name
    assert_in_shell_without_inline_code(response.content.decode())


def test_the_mfa_sign_in_and_set_up_pages_have_no_inline_code(client, personas):
    client.post(reverse("account_login"), {"login": "dsl", "password": PERSONA_PASSWORD})
    assert_in_shell_without_inline_code(client.get(reverse("mfa_authenticate")).content.decode())
    client.post(reverse("account_logout"))
    make_user("new_dsl", personas.north, Role.DSL, with_mfa=False)
    client.post(reverse("account_login"), {"login": "new_dsl", "password": PERSONA_PASSWORD})
    set_up = client.get(reverse("mfa_activate_totp"))
    assert set_up.status_code == 200
    assert_in_shell_without_inline_code(set_up.content.decode())


def test_a_teacher_changes_their_password_and_it_is_audited(client, personas):
    client.post(reverse("account_login"), {"login": "teacher", "password": PERSONA_PASSWORD})
    new_password = "a-fresh-long-passphrase-42"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PERSONA_PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    personas.teacher.refresh_from_db()
    assert personas.teacher.check_password(new_password)
    assert AuditEvent.objects.filter(action="password_changed", actor_id=personas.teacher.pk).exists()
