"""The REST API at /api/: one NinjaAPI, with a router per app.

Every endpoint requires authentication unless it says otherwise: an integration sends its
per-user token (`Authorization: Bearer <token>`); the browser uses its session, with CSRF
checked on unsafe methods. Every error is JSON `{"detail": "<a sentence>"}`: 401, 403, 404
(an unknown /api/ path too, never an HTML page), 405, 422 (with each field's path under
"errors") and 500 (with the request id to quote, never a traceback).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from safewell.accounts.api import router as accounts_router
from safewell.attendance.api import router as attendance_router
from safewell.followup.api import router as followup_router
from safewell.policy.api import router as policy_router
from safewell.core import request_context
from safewell.pupils.api import router as pupils_router
from safewell.schools.api import router as schools_router

logger = logging.getLogger("safewell.api")

AUTHENTICATION_REQUIRED = (
    "Authentication required: send your API token as 'Authorization: Bearer <token>', "
    "or sign in to Safewell in this browser."
)
INVALID_TOKEN = "This API token is not valid: it is unknown, revoked, or its user is inactive."
PERMISSION_DENIED = "You do not have permission to do this."
NOT_FOUND = "Not found."
NINJA_CSRF_FAILED = "CSRF check Failed"
UNKNOWN_ENDPOINT = "There is no API endpoint at {path}. The endpoints are listed at {docs}."
CSRF_FAILED = (
    "CSRF check failed: a signed-in browser must send the csrftoken cookie's value in the "
    "X-CSRFToken header; an integration should use an API token instead."
)
METHOD_NOT_ALLOWED = "{method} is not allowed here; use {allowed}."
VALIDATION_FAILED = "The request is not valid: {problems}."
SERVER_ERROR = (
    "Something went wrong on our side, and it has been logged. If it keeps happening, "
    "quote request id {request_id}."
)


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a per-user token made by an administrator."""

    def authenticate(self, request: HttpRequest, token: str):
        from safewell.accounts.selectors import user_for_api_token

        user = user_for_api_token(token)
        if user is None:
            # Say so, rather than falling through to the session: a caller that sent a
            # token meant to use it, and should learn that it does not work.
            raise AuthenticationError(message=INVALID_TOKEN)
        request.user = user
        # The audit log reads the actor from the request context, which the middleware
        # set before the token was known.
        request_context.set_context(
            dataclasses.replace(request_context.current(), actor_id=user.pk)
        )
        return user


class SafewellAPI(NinjaAPI):
    """NinjaAPI whose every error, including an unknown path or method, is a JSON sentence."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_exception_handler(AuthenticationError, _authentication_error)
        self.add_exception_handler(HttpError, _http_error)
        self.add_exception_handler(PermissionDenied, _permission_denied)
        self.add_exception_handler(Http404, _not_found)
        self.add_exception_handler(ValidationError, _validation_error)
        self.add_exception_handler(Exception, _server_error)

    def _get_urls(self) -> list:
        urls = super()._get_urls()
        for pattern in urls:
            if pattern.name == "api-root":
                # ninja's root view raises an Http404 that Django renders as an HTML page.
                pattern.callback = csrf_exempt(self._unknown_endpoint)
            else:
                pattern.callback = _json_method_not_allowed(pattern.callback)
        # Last, so it only catches what no endpoint matched.
        urls.append(re_path(r"^.*$", self._unknown_endpoint, name="unknown-endpoint"))
        return urls

    def _unknown_endpoint(self, request: HttpRequest) -> HttpResponse:
        docs = f"{self.get_root_path({})}{self.docs_url.lstrip('/')}"
        return _error(UNKNOWN_ENDPOINT.format(path=request.path, docs=docs), 404)


# ninja answers a wrong method with a plain-text 405; keep the promise of JSON errors.
def _json_method_not_allowed(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            message = METHOD_NOT_ALLOWED.format(method=request.method, allowed=allowed)
            json_response = JsonResponse({"detail": message}, status=405)
            json_response["Allow"] = allowed
            return json_response
        return response

    return csrf_exempt(wrapper)


def _error(detail: str, status: int, **extra) -> HttpResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # ninja raises a bare AuthenticationError ("Unauthorized") when no method matched.
    detail = exc.message if exc.message != AuthenticationError().message else AUTHENTICATION_REQUIRED
    response = _error(detail, 401)
    response["WWW-Authenticate"] = 'Bearer realm="safewell"'
    return response


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own wording for a failed CSRF check is terse; say what to send instead.
    detail = CSRF_FAILED if str(exc) == NINJA_CSRF_FAILED else str(exc)
    return _error(detail, exc.status_code)


def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # Our own PermissionDenied messages are sentences written for the caller.
    return _error(str(exc) or PERMISSION_DENIED, 403)


def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Never echo the exception: "No Pupil matches the given query" says too much.
    return _error(NOT_FOUND, 404)


def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_field_error(error) for error in exc.errors]
    problems = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return _error(VALIDATION_FAILED.format(problems=problems), 422, errors=errors)


def _field_error(error: dict) -> dict:
    """One pydantic error as {field: "query.limit", message, type}."""
    field = ".".join(str(part) for part in error.get("loc", ()))
    return {"field": field, "message": error.get("msg", "is not valid"), "type": error.get("type", "")}


def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    request_id = getattr(request, "request_id", None) or request_context.current().request_id
    logger.error(
        "API error in %s %s (request id %s)", request.method, request.path, request_id,
        exc_info=exc,
    )
    return _error(SERVER_ERROR.format(request_id=request_id), 500, request_id=request_id)


def build_api(**kwargs) -> SafewellAPI:
    """A SafewellAPI authenticated by token or session (tests build small ones with this)."""
    return SafewellAPI(auth=[ApiTokenAuth(), django_auth], **kwargs)


api = build_api(title="Safewell API", version="1", urls_namespace="api")
api.add_router("", accounts_router)
api.add_router("", schools_router)
api.add_router("", pupils_router)
api.add_router("", attendance_router)
api.add_router("", followup_router)
api.add_router("", policy_router)
