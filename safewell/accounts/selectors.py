"""Who may see what: the reads every view and API endpoint scope themselves with."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from safewell.accounts.models import Membership, Role, User
from safewell.schools.models import Site


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
