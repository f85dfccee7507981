"""allauth adapters: no self-sign-up, lock-out per account, clear messages, every failure logged."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from safewell.accounts import security
from safewell.accounts.models import User
from safewell.accounts.sessions import SECOND_FACTOR_TYPES, user_requires_mfa
from safewell.accounts.selectors import roles_for

WRONG_PASSWORD = (
    "The username, email address or password is not right. Check them and try again."
)
LOCKED_OUT = (
    "Too many failed attempts to sign in to this account, so signing in is paused for up to "
    "15 minutes. If this was not you, tell your Safewell administrator."
)
WRONG_CODE = (
    "That code is not right. Enter the 6-digit code your authenticator app shows now, "
    "or a recovery code you have not used before."
)
REPLAYED_CODE = (
    "That code has already been used. Wait for your authenticator app to show a new code, "
    "then enter the new one."
)
CANNOT_REMOVE_LAST_SECOND_FACTOR = (
    "Your role requires two-factor authentication, so you cannot remove your only "
    "authenticator app or security key. Add another one first."
)


def user_named_by_login(login: str) -> User | None:
    """The one user whose username or email address is `login`, ignoring case."""
    login = login.strip()
    if not login:
        return None
    matches = list(User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login))[:2])
    return matches[0] if len(matches) == 1 else None


def _authenticated_moments_ago(request: HttpRequest | None) -> bool:
    if request is None or not request.user.is_authenticated:
        return False
    records = get_authentication_records(request, request.user)
    timeout = account_settings.REAUTHENTICATION_TIMEOUT
    return any(time.time() - record["at"] < timeout for record in records)


def _login_from(credentials: dict[str, Any]) -> str:
    return credentials.get("email") or credentials.get("username") or ""


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": WRONG_PASSWORD,
        "email_password_mismatch": WRONG_PASSWORD,
        "too_many_login_attempts": LOCKED_OUT,
    }

    def is_open_for_signup(self, request) -> bool:
        """Accounts are made by an administrator: schools know exactly who their staff are."""
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Count failures per account, so guessing by username and by email share one limit."""
        login = _login_from(credentials)
        user = user_named_by_login(login)
        if user is not None:
            return f"user:{user.pk}"
        return f"login:{login.strip().lower()}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login = _login_from(credentials)
            security.security_event_record(
                action=security.LOGIN_LOCKED_OUT,
                user=user_named_by_login(login),
                login=login,
                detail="sign-in refused: too many failed attempts",
            )
            raise

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """allauth asks for the password again before MFA changes; not if it was just typed.

        Someone made to set up MFA straight after signing in would otherwise be asked for
        their password twice in a row. Any sign-in or re-authentication within
        ACCOUNT_REAUTHENTICATION_TIMEOUT (5 minutes) counts, as in sudo.
        """
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        return not _authenticated_moments_ago(context.request)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login = _login_from(credentials)
        user = user_named_by_login(login)
        security.security_event_record(
            action=security.LOGIN_FAILED,
            user=user,
            login=login,
            detail="wrong password" if user is not None else "no account with this login",
        )


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": WRONG_CODE,
        "cannot_delete_authenticator": CANNOT_REMOVE_LAST_SECOND_FACTOR,
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Someone whose role needs MFA keeps at least one TOTP app or security key."""
        user = authenticator.user
        if not user_requires_mfa(user, frozenset(roles_for(user))):
            return True
        if authenticator.type not in SECOND_FACTOR_TYPES:
            return True
        others = Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exclude(
            pk=authenticator.pk
        )
        return others.exists()
