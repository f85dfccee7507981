"""Events written during a request carry its id and address; the admin shows the log read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safewell.accounts.models import ApiToken, User
from safewell.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_write_made_through_a_page_is_logged_with_the_request_id_actor_and_address(client, personas):
    client.force_login(personas.admin)

    response = client.post(
        reverse("accounts:api_tokens"),
        {"user": personas.teacher.pk, "name": "MIS sync"},
        REMOTE_ADDR="203.0.113.9",
    )

    token = ApiToken.objects.get(name="MIS sync")
    [created] = AuditEvent.objects.filter(action="create", target_type="accounts.apitoken", target_id=str(token.pk))
    assert created.request_id == response["X-Request-ID"]
    assert (created.actor, created.ip_address) == (personas.admin, "203.0.113.9")
    assert created.changes["token_hash"] == [None, "[redacted]"]


@pytest.fixture
def superuser(db) -> User:
    """A Django-admin superuser, with the TOTP authenticator superusers must have."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = User.objects.create_superuser(username="root", email="root@example.org", password="unused-password-1")
    TOTP.activate(user, generate_totp_secret())
    return user


def test_the_admin_lists_audit_events(client, superuser):
    event = AuditEvent.objects.get(target_type="accounts.user", target_id=str(superuser.pk))
    client.force_login(superuser)

    response = client.get(reverse("admin:audit_auditevent_changelist"))

    assert response.status_code == 200
    assert reverse("admin:audit_auditevent_change", args=[event.pk]) in response.content.decode()


def test_the_admin_cannot_add_change_or_delete_an_event(client, superuser):
    event = AuditEvent.objects.get(target_type="accounts.user", target_id=str(superuser.pk))
    client.force_login(superuser)

    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    change = client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"detail": "edited"})
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.detail == ""
    view = client.get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
