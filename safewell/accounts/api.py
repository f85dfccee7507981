"""Accounts endpoints of the REST API (one router, added to /api/ by core/api.py)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from safewell.accounts.selectors import memberships_for

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    site_code: str
    site_name: str
    organisation: str
    role: str
    role_name: str


class MeOut(Schema):
    username: str
    email: str
    name: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="Who am I: the signed-in user and their roles")
def me(request: HttpRequest) -> MeOut:
    """The user this token (or browser session) belongs to, with a membership per site and
    role. Integrations call it to check their token works and what it may reach."""
    user = request.auth
    memberships = memberships_for(user).order_by("site__organisation__name", "site__name", "role")
    return MeOut(
        username=user.get_username(),
        email=user.email,
        name=user.get_full_name(),
        memberships=[
            MembershipOut(
                site_code=m.site.code,
                site_name=m.site.name,
                organisation=m.site.organisation.name,
                role=m.role,
                role_name=m.get_role_display(),
            )
            for m in memberships
        ],
    )
