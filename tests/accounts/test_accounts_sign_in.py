"""Signing in by username or email, no self-sign-up, and every failure logged."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from safewell.accounts.adapter import LOCKED_OUT, WRONG_PASSWORD
from safewell.accounts.models import User
from safewell.audit.models import AuditEvent
from tests.conftest import PERSONA_PASSWORD

LOGIN = reverse("account_login")


def sign_in(client, login: str, password: str = PERSONA_PASSWORD):
    return client.post(LOGIN, {"login": login, "password": password})


def security_events_about(user: User) -> list[str]:
    """The sign-in events about `user` (not the record-change events of their account)."""
    return list(
        AuditEvent.objects.filter(target_type="accounts.user", target_id=str(user.pk))
        .exclude(action__in=["create", "update", "delete"])
        .values_list("action", flat=True)
    )


def test_the_sign_in_page_uses_govuk_form_markup(client, db):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    for css_class in ("govuk-form-group", "govuk-label", "govuk-input", "govuk-button"):
        assert css_class in html
    assert "sign up" not in html.lower()
    assert "Username or email address" in html


def test_a_teacher_signs_in_by_username(client, personas):
    response = sign_in(client, "teacher")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_teacher_signs_in_by_email_in_any_case(client, personas):
    response = sign_in(client, "Teacher@Example.org")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == personas.teacher.pk


def test_a_successful_sign_in_is_audited_with_the_user_as_actor(client, personas):
    sign_in(client, "teacher")
    event = AuditEvent.objects.get(action="login_succeeded")
    assert event.actor_id == personas.teacher.pk
    assert event.target_id == str(personas.teacher.pk)


def test_no_one_can_sign_themselves_up(client, db):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert "You cannot make your own account" in page.content.decode()
    client.post(
        reverse("account_signup"),
        {"username": "newcomer", "email": "newcomer@example.org",
         "password1": "a-long-enough-password", "password2": "a-long-enough-password"},
    )
    assert not User.objects.filter(username="newcomer").exists()


def test_a_wrong_password_gets_a_clear_message_and_is_logged(client, personas, caplog):
    caplog.set_level(logging.WARNING, logger="safewell.security")
    response = sign_in(client, "teacher", "not-my-password")
    html = response.content.decode()
    assert response.status_code == 200
    assert WRONG_PASSWORD in html
    assert "govuk-error-summary" in html
    assert "_auth_user_id" not in client.session
    assert any(
        "login_failed" in r.getMessage() and f"user={personas.teacher.pk}" in r.getMessage()
        for r in caplog.records if r.name == "safewell.security"
    )
    assert security_events_about(personas.teacher) == ["login_failed"]


def test_the_password_is_never_logged(client, personas, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in(client, "teacher", "my-secret-guess")
    assert "my-secret-guess" not in caplog.text
    assert not AuditEvent.objects.filter(detail__contains="my-secret-guess").exists()


def test_a_login_that_names_nobody_is_logged_too(client, personas, caplog):
    caplog.set_level(logging.WARNING, logger="safewell.security")
    response = sign_in(client, "nobody-here", "whatever")
    assert WRONG_PASSWORD in response.content.decode()
    assert "login='nobody-here'" in caplog.text
    assert AuditEvent.objects.filter(action="login_failed", target_id="").exists()


def test_five_failures_lock_the_account_even_with_the_right_password(client, personas):
    for _ in range(5):
        assert WRONG_PASSWORD in sign_in(client, "teacher", "wrong").content.decode()
    response = sign_in(client, "teacher")
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "login_locked_out" in security_events_about(personas.teacher)


def test_failures_by_username_and_by_email_count_against_the_same_account(client, personas):
    for login in ("teacher", "teacher@example.org", "TEACHER", "teacher", "Teacher@example.org"):
        sign_in(client, login, "wrong")
    assert LOCKED_OUT in sign_in(client, "teacher@example.org").content.decode()


def test_one_account_locked_out_leaves_others_alone(client, personas):
    for _ in range(5):
        sign_in(client, "teacher", "wrong")
    assert sign_in(client, "attendance").status_code == 302


def test_the_django_admin_sends_people_to_our_sign_in(client, db):
    response = client.get(reverse("admin:login") + "?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "next=%2Fdjango-admin%2F" in response["Location"]


def test_signed_in_non_staff_are_refused_the_django_admin(client, personas):
    client.force_login(personas.teacher)
    assert client.get(reverse("admin:login")).status_code == 403


@pytest.mark.parametrize("path", ["/django-admin/accounts/user/", "/django-admin/accounts/membership/"])
def test_staff_with_mfa_can_manage_users_and_memberships_in_the_django_admin(client, personas, path):
    personas.admin.is_staff = True
    personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    response = client.get(path)
    assert response.status_code == 200
    assert "dsl" in response.content.decode()


def test_a_whole_staff_signing_in_from_one_school_address_is_not_throttled(db, personas):
    """At 8:40 a school's staff sign in from behind one NAT address within a minute."""
    from django.test import Client

    staff = [User.objects.create_user(username=f"staff{n}", password=PERSONA_PASSWORD) for n in range(40)]
    for user in staff:
        response = sign_in(Client(REMOTE_ADDR="192.0.2.10"), user.username)
        assert response.status_code == 302, f"{user.username} was refused ({response.status_code})"
