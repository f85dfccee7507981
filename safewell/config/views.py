from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from safewell.accounts.models import Role
from safewell.accounts.current_site import current_roles, current_site, site_choose
from safewell.config import home as home_pages
from safewell.config.navigation import highest_role, home_template_for

SITE_NOT_YOURS = "You are not a member of that site, so you cannot switch to it."
SITE_SWITCHED = "You are now working at {site}."


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers; 503 otherwise. For load balancers and `make demo`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's home page, for the user's highest role at their current site."""
    roles = current_roles(request)
    role = highest_role(roles)
    site = current_site(request)
    context = {"site": site, "role": role, "role_label": Role(role).label if role else ""}
    if role is not None and site is not None:
        # The one place the home page reads the clock.
        context.update(HOME_FIGURES[role](request.user, site, timezone.now()))
    return render(request, home_template_for(roles), context)


# What each role's home page shows (home.py), by the role whose page it is.
HOME_FIGURES = {
    Role.ADMIN: home_pages.admin_home,
    Role.DSL: home_pages.dsl_home,
    Role.DEPUTY_DSL: home_pages.dsl_home,
    Role.ATTENDANCE_OFFICER: home_pages.attendance_officer_home,
    Role.PASTORAL: home_pages.pastoral_home,
    Role.TEACHER: home_pages.teacher_home,
    Role.EXTERNAL: home_pages.external_home,
}


@login_required
@require_POST
def switch_site(request: HttpRequest) -> HttpResponse:
    """Change the current site; only to a site where the user holds a role."""
    raw = request.POST.get("site_id", "")
    site = site_choose(request, site_id=int(raw)) if raw.isdigit() else None
    if site is None:
        raise PermissionDenied(SITE_NOT_YOURS)
    messages.success(request, SITE_SWITCHED.format(site=site.name))
    # Home, not the page they were on: that page may belong to the site they just left.
    return redirect("home")


# Error pages. 400, 403 and 404 render inside the shell, so a person can find their way on.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Our own PermissionDenied messages are sentences written for the person (SITE_NOT_YOURS).
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """No request context: the failure may be the database, which context processors use."""
    return HttpResponseServerError(loader.get_template("500.html").render())
