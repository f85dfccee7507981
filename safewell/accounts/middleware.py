"""The MFA gate and the idle-session timeout. Both run after authentication and allauth."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from safewell.accounts.sessions import (
    idle_minutes_for,
    session_has_second_factor,
    session_roles,
    user_requires_mfa,
)

Handler = Callable[[HttpRequest], HttpResponse]

MFA_REQUIRED_API_MESSAGE = (
    "Your role requires two-factor authentication. Sign in to Safewell in a browser and set "
    "up an authenticator app or a security key first."
)
# Until they have MFA, these are the only pages a gated user may reach: allauth's MFA pages
# (named mfa_*, no namespace), the confirm-your-password step set-up may ask for, sign-out.
ALLOWED_URL_NAMES = frozenset({"account_logout", "account_reauthenticate", "healthz"})
ALLOWED_URL_NAME_PREFIX = "mfa_"
IDLE_REFRESHED_SESSION_KEY = "safewell.idle_refreshed"
# The session's expiry is pushed forward at most once a minute, so a busy page does not
# rewrite its session row on every request.
IDLE_REFRESH_SECONDS = 60


def _is_reachable_without_mfa(request: HttpRequest) -> bool:
    if request.path.startswith(settings.STATIC_URL):
        return True
    try:
        # view_name includes any namespace: allauth's pages have none, ours do.
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        return False
    return view_name in ALLOWED_URL_NAMES or view_name.startswith(ALLOWED_URL_NAME_PREFIX)


def _must_set_up_mfa(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if not user_requires_mfa(user, session_roles(request)):
        return False
    return not session_has_second_factor(request)


def mfa_required(get_response: Handler) -> Handler:
    """Send an admin, DSL or deputy DSL without TOTP or a security key to MFA set-up."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if _must_set_up_mfa(request) and not _is_reachable_without_mfa(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MFA_REQUIRED_API_MESSAGE}, status=403)
            return redirect("mfa_activate_totp")
        return get_response(request)

    return middleware


def _refresh_idle_expiry(request: HttpRequest) -> None:
    seconds = idle_minutes_for(request.user, session_roles(request)) * 60
    session = request.session
    now = int(time.time())
    last_refreshed = session.get(IDLE_REFRESHED_SESSION_KEY, 0)
    if session.get_expiry_age() == seconds and now - last_refreshed < IDLE_REFRESH_SECONDS:
        return
    session.set_expiry(seconds)
    session[IDLE_REFRESHED_SESSION_KEY] = now


def session_idle_expiry(get_response: Handler) -> Handler:
    """End a session after a period without requests, shorter for safeguarding roles.

    Applied after the view, so the request that signs someone in already gets the right
    expiry (the database row expires with it, so an idle session is refused server-side).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.user.is_authenticated and hasattr(request, "session"):
            _refresh_idle_expiry(request)
        return response

    return middleware
