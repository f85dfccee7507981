"""A small API built the way /api/ is (core.api.build_api), with endpoints that fail on
purpose, so the error shapes can be tested without adding such endpoints to the product."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import path
from ninja import Schema

from safewell.core import request_context
from safewell.config.api import build_api
from safewell.config.urls import urlpatterns as root_urlpatterns

probe = build_api(title="probe", version="probe", urls_namespace="api_probe")
FAILURE_DETAIL = "secret internals: password=hunter2"
REFUSAL = "Only the DSL team may see this pupil's case."


class VisitIn(Schema):
    pupil_count: int
    notes: str


@probe.get("/count")
def count(request: HttpRequest, limit: int) -> dict:
    return {"limit": limit}


@probe.post("/visits")
def visit_create(request: HttpRequest, payload: VisitIn) -> dict:
    return {"pupil_count": payload.pupil_count}


@probe.get("/fails")
def fails(request: HttpRequest) -> dict:
    raise RuntimeError(FAILURE_DETAIL)


@probe.get("/refuses")
def refuses(request: HttpRequest) -> dict:
    raise PermissionDenied(REFUSAL)


@probe.get("/refuses-plainly")
def refuses_plainly(request: HttpRequest) -> dict:
    raise PermissionDenied


@probe.get("/acting")
def acting(request: HttpRequest) -> dict:
    """Who the audit log would record as the actor of this request."""
    return {"actor_id": request_context.current().actor_id}


# The real URL conf too: error pages and templates reverse its names.
urlpatterns = [*root_urlpatterns, path("probe-api/", probe.urls)]
