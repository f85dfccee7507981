"""Signal receivers: sign-in and MFA events into the security log, and role-cache busting."""

from __future__ import annotations

import logging

from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator

from safewell.accounts import security
from safewell.accounts.models import Membership, User
from safewell.accounts.sessions import forget_second_factor


@receiver(account_signals.user_logged_in)
def record_login(sender, request: HttpRequest, user: User, **kwargs) -> None:
    # allauth sends this only once every step (password, then MFA if set up) has passed.
    security.security_event_record(
        action=security.LOGIN_SUCCEEDED, user=user, login=user.get_username(), signed_in=True,
        detail="signed in", level=logging.INFO,
    )


@receiver(account_signals.password_changed)
def record_password_change(sender, request: HttpRequest, user: User, **kwargs) -> None:
    security.security_event_record(
        action=security.PASSWORD_CHANGED, user=user, signed_in=True,
        detail="changed their password", level=logging.INFO,
    )


@receiver(mfa_signals.authenticator_added)
def record_mfa_enrolled(sender, request, user: User, authenticator: Authenticator, **kwargs) -> None:
    security.security_event_record(
        action=security.MFA_ENROLLED, user=user, signed_in=True, level=logging.INFO,
        detail=f"added {authenticator.get_type_display()}",
    )


@receiver(mfa_signals.authenticator_removed)
def record_mfa_removed(sender, request, user: User, authenticator: Authenticator, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        forget_second_factor(request)
    security.security_event_record(
        action=security.MFA_REMOVED, user=user, signed_in=True,
        detail=f"removed {authenticator.get_type_display()}",
    )


@receiver(mfa_signals.authenticator_reset)
def record_recovery_codes_regenerated(sender, request, user: User, authenticator, **kwargs) -> None:
    security.security_event_record(
        action=security.MFA_RECOVERY_CODES_RESET, user=user, signed_in=True,
        level=logging.INFO, detail=f"regenerated {authenticator.get_type_display()}",
    )


@receiver([post_save, post_delete], sender=Membership)
def bump_roles_version(sender, instance: Membership, **kwargs) -> None:
    """Sessions cache roles by this number (accounts/sessions.py): a new role applies at once.

    A conditional UPDATE, so two concurrent membership changes both count. (QuerySet.update()
    and bulk_create() send no signals: change memberships through the model or the services.)
    """
    User.objects.filter(pk=instance.user_id).update(roles_version=F("roles_version") + 1)
