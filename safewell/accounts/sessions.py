"""Per-session facts about the signed-in user: their roles (cached) and their idle timeout.

The MFA gate and the idle timeout run on every request, so the user's roles are cached in
the session. The cache is keyed by `User.roles_version`, which a membership change bumps;
the user row is loaded on every request anyway, so a new role counts from the next request.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from allauth.mfa.models import Authenticator

from safewell.accounts.models import ROLES_REQUIRING_MFA, User
from safewell.accounts.selectors import roles_for

ROLES_SESSION_KEY = "safewell.roles"
MFA_SESSION_KEY = "safewell.mfa_ok"
# TOTP and security keys are second factors; recovery codes only stand in for them.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def _cache_stamp(user: User) -> list[int]:
    return [user.pk, user.roles_version]


def session_roles(request: HttpRequest) -> frozenset[str]:
    """The signed-in user's roles at any site, from the session when still current."""
    user = request.user
    cached = request.session.get(ROLES_SESSION_KEY)
    if cached and cached.get("stamp") == _cache_stamp(user):
        return frozenset(cached["roles"])
    roles = roles_for(user)
    request.session[ROLES_SESSION_KEY] = {"stamp": _cache_stamp(user), "roles": sorted(roles)}
    return frozenset(roles)


def user_requires_mfa(user: User, roles: frozenset[str]) -> bool:
    # Django-admin staff can read and change every record, so they count as administrators.
    return user.is_superuser or user.is_staff or bool(roles & ROLES_REQUIRING_MFA)


def user_has_second_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


def session_has_second_factor(request: HttpRequest) -> bool:
    """Whether the user has TOTP or a security key; a yes is remembered in the session."""
    user = request.user
    if request.session.get(MFA_SESSION_KEY) == _cache_stamp(user):
        return True
    if not user_has_second_factor(user):
        return False
    request.session[MFA_SESSION_KEY] = _cache_stamp(user)
    return True


def forget_second_factor(request: HttpRequest) -> None:
    """Called when an authenticator is removed, so the gate looks again."""
    request.session.pop(MFA_SESSION_KEY, None)


def idle_minutes_for(user: User, roles: frozenset[str]) -> int:
    """Minutes of inactivity before the session ends.

    The roles that must use MFA (admin, DSL, deputy DSL) see safeguarding records or manage
    users, so their sessions end sooner (design.md §6, least privilege).
    """
    if user_requires_mfa(user, roles):
        return settings.SAFEWELL_SESSION_IDLE_MINUTES
    return settings.SAFEWELL_STAFF_SESSION_IDLE_MINUTES
