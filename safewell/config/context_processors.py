"""What every page's shell needs: the site switcher, the navigation and the phase banner."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from safewell.accounts.current_site import current_roles, current_site, user_sites
from safewell.config.navigation import nav_links_for


def shell(request: HttpRequest) -> dict[str, Any]:
    demo = bool(getattr(settings, "DEMO", False))
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_site": None, "user_sites": [], "user_roles": set(),
                "nav_items": [], "safewell_demo": demo}
    roles = current_roles(request)
    return {
        "current_site": current_site(request),
        "user_sites": user_sites(request),
        "user_roles": roles,
        "nav_items": nav_links_for(roles, current_path=request.path),
        "safewell_demo": demo,
    }
