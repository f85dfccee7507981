"""Request-wide middleware: the request context for the audit log, and the CSP header."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from safewell.core import request_context as context

# Everything is served from our own origin: no inline script, no third-party hosts.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

Handler = Callable[[HttpRequest], HttpResponse]


def request_context(get_response: Handler) -> Handler:
    """Give each request an id (echoed as X-Request-ID) and record the client address."""

    def middleware(request: HttpRequest) -> HttpResponse:
        this_request = context.RequestContext(
            request_id=context.new_request_id(),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        token = context.set_context(this_request)
        request.request_id = this_request.request_id
        try:
            response = get_response(request)
        finally:
            context.reset_context(token)
        response["X-Request-ID"] = this_request.request_id
        return response

    return middleware


def actor_context(get_response: Handler) -> Handler:
    """After authentication, note who is acting (read lazily: the user may log in mid-request)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with_actor = dataclasses.replace(context.current(), actor_id=user.pk)
            token = context.set_context(with_actor)
            try:
                return get_response(request)
            finally:
                context.reset_context(token)
        return get_response(request)

    return middleware


def content_security_policy(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return middleware
