"""API tokens: stored hashed, shown once, revocable, and only the right token finds its user."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from safewell.accounts.models import ApiToken
from safewell.accounts.selectors import user_for_api_token
from safewell.accounts.services import (
    TOKEN_ALREADY_REVOKED,
    TOKEN_NAME_REQUIRED,
    api_token_create,
    api_token_revoke,
)
from safewell.accounts.views import TOKEN_USER_NOT_YOURS
from safewell.audit.models import AuditEvent

TOKENS = reverse("accounts:api_tokens")


def test_a_token_is_stored_only_as_its_hash_and_prefix(personas):
    token, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    token.refresh_from_db()
    assert raw.startswith("sw_") and len(raw) > 40
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:11]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in [str(value) for value in stored.values()]


def test_the_raw_token_finds_its_user(personas):
    _, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    assert user_for_api_token(raw) == personas.teacher


@pytest.mark.parametrize("mangle", [
    lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),
    lambda raw: raw[:11],
    lambda raw: "",
    lambda raw: "sw_" + "x" * 43,
])
def test_a_wrong_token_finds_no_one(personas, mangle):
    _, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    assert user_for_api_token(mangle(raw)) is None


def test_a_revoked_token_finds_no_one(personas):
    token, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    api_token_revoke(token=token)
    assert token.revoked_at is not None
    assert user_for_api_token(raw) is None
    assert AuditEvent.objects.filter(target_type="accounts.apitoken", target_id=str(token.pk), action="update").exists()


def test_a_token_cannot_be_revoked_twice(personas):
    token, _ = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    api_token_revoke(token=token)
    with pytest.raises(ValidationError, match=TOKEN_ALREADY_REVOKED):
        api_token_revoke(token=token)


def test_a_deactivated_users_token_finds_no_one(personas):
    _, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    personas.teacher.is_active = False
    personas.teacher.save()
    assert user_for_api_token(raw) is None


def test_a_token_needs_a_name(personas):
    with pytest.raises(ValidationError) as error:
        api_token_create(user=personas.teacher, name="  ", created_by=personas.admin)
    assert error.value.message_dict == {"name": [TOKEN_NAME_REQUIRED]}
    assert not ApiToken.objects.exists()


def test_last_used_is_written_at_most_once_a_minute(personas):
    token, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    first = timezone.now()
    user_for_api_token(raw, now=first)
    user_for_api_token(raw, now=first + timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == first
    later = first + timedelta(seconds=61)
    user_for_api_token(raw, now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_an_admin_creates_a_token_and_sees_it_once(client, personas):
    client.force_login(personas.admin)
    response = client.post(TOKENS, {"user": personas.teacher.pk, "name": "MIS sync"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert user_for_api_token(raw) == personas.teacher
    assert raw not in client.get(TOKENS).content.decode()


def test_an_admin_cannot_make_a_token_for_someone_outside_their_organisation(client, personas):
    from safewell.accounts.models import Role
    from safewell.schools.models import Organisation, OrganisationKind, Site
    from tests.conftest import make_user

    other = Organisation.objects.create(name="Elsewhere School", kind=OrganisationKind.SCHOOL)
    stranger = make_user("stranger", Site.objects.create(organisation=other, name="E", code="e"), Role.TEACHER)
    client.force_login(personas.admin)
    response = client.post(TOKENS, {"user": stranger.pk, "name": "sneaky"})
    assert TOKEN_USER_NOT_YOURS in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_admin_revokes_a_token(client, personas):
    token, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    client.force_login(personas.admin)
    response = client.post(reverse("accounts:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert user_for_api_token(raw) is None


@pytest.mark.parametrize("persona", ["dsl", "teacher", "external"])
def test_non_admins_cannot_see_create_or_revoke_tokens(client, personas, persona):
    token, raw = api_token_create(user=personas.teacher, name="MIS sync", created_by=personas.admin)
    client.force_login(personas.all_signed_in()[persona])
    assert client.get(TOKENS).status_code == 403
    assert client.post(TOKENS, {"user": personas.teacher.pk, "name": "x"}).status_code == 403
    assert client.post(reverse("accounts:api_token_revoke", args=[token.pk])).status_code == 403
    assert user_for_api_token(raw) == personas.teacher
    assert ApiToken.objects.count() == 1


def test_the_command_prints_a_working_token(personas, capsys):
    call_command("api_token_create", "teacher", "LA returns")
    raw = capsys.readouterr().out.strip()
    assert user_for_api_token(raw) == personas.teacher
    assert ApiToken.objects.get().name == "LA returns"
