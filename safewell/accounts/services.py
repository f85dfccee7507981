"""Writes for accounts: API tokens. (Users and memberships are made in the Django admin.)"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from safewell.accounts.models import ApiToken, User
from safewell.accounts.selectors import API_TOKEN_MARKER, API_TOKEN_PREFIX_LENGTH, api_token_hash
from safewell.audit.models import Action
from safewell.audit.services import audit_log

TOKEN_NAME_REQUIRED = "Give the token a name, such as the system that will use it."
TOKEN_NAME_TOO_LONG = "Use a token name of at most 100 characters."
TOKEN_USER_INACTIVE = "This user's account is deactivated, so it cannot have an API token."
TOKEN_ALREADY_REVOKED = "This token was already revoked."


@transaction.atomic
def api_token_create(*, user: User, name: str, created_by: User | None) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it with the raw value, which is never shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": TOKEN_NAME_REQUIRED})
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": TOKEN_NAME_TOO_LONG})
    if not user.is_active:
        raise ValidationError({"user": TOKEN_USER_INACTIVE})
    raw = API_TOKEN_MARKER + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:API_TOKEN_PREFIX_LENGTH],
        token_hash=api_token_hash(raw),
        created_by=created_by,
    )
    # The audit log records the new row by itself (its hash is redacted there).
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke `token` at once; a conditional UPDATE, so two revocations cannot both count."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not revoked:
        raise ValidationError(TOKEN_ALREADY_REVOKED)
    token.refresh_from_db()
    # A QuerySet.update sends no signals, so this write is audited here.
    audit_log(
        action=Action.UPDATE,
        target=token,
        changes={"revoked_at": [None, now.isoformat()]},
        detail=f"revoked API token {token.prefix}… of {token.user.username}",
    )
    return token
