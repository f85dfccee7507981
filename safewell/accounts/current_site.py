"""Which of their sites a person is working at: kept in the session as `site_id`.

Roles are held per site (`Membership`), so the shell, the home page and every view that
shows one site's children read the site from here. A session naming a site the user is no
longer a member of falls back to their first site, so a removed membership takes effect at
once.
"""

from __future__ import annotations

from django.http import HttpRequest

from safewell.accounts.selectors import roles_for, sites_for
from safewell.schools.models import Site

SESSION_KEY = "site_id"
# Cached on the request: the shell's context processor and the view both ask.
_SITES_ATTR = "_safewell_user_sites"


def user_sites(request: HttpRequest) -> list[Site]:
    """The sites where the signed-in user holds any role, in a stable order."""
    cached = getattr(request, _SITES_ATTR, None)
    if cached is None:
        user = getattr(request, "user", None)
        cached = [] if user is None else list(sites_for(user).order_by("organisation__name", "name"))
        setattr(request, _SITES_ATTR, cached)
    return cached


def current_site(request: HttpRequest) -> Site | None:
    """The site chosen in this session, or the user's first site; None when they have none."""
    sites = user_sites(request)
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    for site in sites:
        if site.pk == chosen:
            return site
    return sites[0] if sites else None


def current_roles(request: HttpRequest) -> set[str]:
    """The user's roles at their current site (roles are site-scoped: design.md §6)."""
    site = current_site(request)
    if site is None:
        return set()
    return roles_for(request.user, site)


def site_choose(request: HttpRequest, *, site_id: int) -> Site | None:
    """Make `site_id` the current site if the user is a member there; None (and no change) if not."""
    for site in user_sites(request):
        if site.pk == site_id:
            request.session[SESSION_KEY] = site.pk
            return site
    return None
