"""Who may see what: the reads every view and API endpoint scope themselves with."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.mfa.models import Authenticator
from django.db.models import Q, QuerySet
from django.utils import timezone

from safewell.accounts.models import ROLES_REQUIRING_MFA, ApiToken, Membership, Role, User
from safewell.schools.models import Organisation, Site

# Tokens look like "sw_" + 43 url-safe characters; the first 11 are kept in the clear.
API_TOKEN_MARKER = "sw_"
API_TOKEN_PREFIX_LENGTH = 11
API_TOKEN_LAST_USED_PRECISION = timedelta(minutes=1)


def memberships_for(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("site", "site__organisation")


def sites_for(user: User, roles: Iterable[Role] | None = None) -> QuerySet[Site]:
    """The sites where `user` holds any of `roles` (any role when None)."""
    memberships = memberships_for(user)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return Site.objects.filter(pk__in=memberships.values("site_id")).select_related("organisation")


def roles_for(user: User, site: Site | None = None) -> set[str]:
    """The roles `user` holds at `site`, or anywhere when `site` is None."""
    memberships = memberships_for(user)
    if site is not None:
        memberships = memberships.filter(site=site)
    return set(memberships.values_list("role", flat=True))


def has_role(user: User, roles: Iterable[Role], site: Site | None = None) -> bool:
    return bool(roles_for(user, site) & {str(role) for role in roles})


def organisations_administered_by(user: User) -> QuerySet[Organisation]:
    """The organisations where `user` is an administrator at one of the sites."""
    return Organisation.objects.filter(sites__in=sites_for(user, [Role.ADMIN])).distinct()


def users_administered_by(admin: User) -> QuerySet[User]:
    """Everyone with a membership at any site of the organisations `admin` administers."""
    organisations = organisations_administered_by(admin)
    return (
        User.objects.filter(memberships__site__organisation__in=organisations)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@dataclass(frozen=True)
class MfaStatus:
    """One row of the MFA report: who, their roles, and what second factors they have."""

    user: User
    memberships: list[Membership]
    requires_mfa: bool
    totp_since: datetime | None
    webauthn_count: int
    webauthn_since: datetime | None
    recovery_codes_since: datetime | None
    last_used_at: datetime | None

    @property
    def has_mfa(self) -> bool:
        return self.totp_since is not None or self.webauthn_count > 0

    @property
    def missing_mfa(self) -> bool:
        return self.requires_mfa and not self.has_mfa


def mfa_status_for_admin(admin: User) -> list[MfaStatus]:
    """The MFA report for the organisations `admin` administers, in three queries."""
    users = list(users_administered_by(admin))
    organisations = organisations_administered_by(admin)
    memberships_by_user: dict[int, list[Membership]] = defaultdict(list)
    for membership in Membership.objects.filter(
        user__in=users, site__organisation__in=organisations
    ).select_related("site").order_by("site__name", "role"):
        memberships_by_user[membership.user_id].append(membership)
    authenticators_by_user: dict[int, list[Authenticator]] = defaultdict(list)
    for authenticator in Authenticator.objects.filter(user__in=users).order_by("created_at"):
        authenticators_by_user[authenticator.user_id].append(authenticator)
    return [
        _mfa_status(user, memberships_by_user[user.pk], authenticators_by_user[user.pk])
        for user in users
    ]


def _mfa_status(
    user: User, memberships: list[Membership], authenticators: list[Authenticator]
) -> MfaStatus:
    def first_created(kind: str) -> datetime | None:
        return next((a.created_at for a in authenticators if a.type == kind), None)

    # Every role the user holds anywhere counts, not only those in this organisation.
    all_roles = roles_for(user)
    used = [a.last_used_at for a in authenticators if a.last_used_at is not None]
    return MfaStatus(
        user=user,
        memberships=memberships,
        requires_mfa=user.is_superuser or user.is_staff or bool(all_roles & ROLES_REQUIRING_MFA),
        totp_since=first_created(Authenticator.Type.TOTP),
        webauthn_count=sum(a.type == Authenticator.Type.WEBAUTHN for a in authenticators),
        webauthn_since=first_created(Authenticator.Type.WEBAUTHN),
        recovery_codes_since=first_created(Authenticator.Type.RECOVERY_CODES),
        last_used_at=max(used, default=None),
    )


def api_tokens_administered_by(admin: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user__in=users_administered_by(admin)).select_related(
        "user", "created_by"
    )


def api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_api_token(raw: str, *, now: datetime | None = None) -> User | None:
    """The active user an unrevoked API token belongs to, or None.

    The prefix narrows the search to (almost always) one row; the hash comparison is constant
    time. It also notes when the token was last used, at most once a minute, with a conditional
    UPDATE, so a busy integration does not write on every call.
    """
    raw = raw.strip()
    if len(raw) <= API_TOKEN_PREFIX_LENGTH:
        return None
    digest = api_token_hash(raw)
    candidates = ApiToken.objects.filter(
        prefix=raw[:API_TOKEN_PREFIX_LENGTH], revoked_at__isnull=True, user__is_active=True
    ).select_related("user")
    token = next((t for t in candidates if hmac.compare_digest(t.token_hash, digest)), None)
    if token is None:
        return None
    now = now or timezone.now()
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - API_TOKEN_LAST_USED_PRECISION)
    ).update(last_used_at=now)
    return token.user
