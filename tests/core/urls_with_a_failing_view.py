"""The real URL conf, its error handlers included, plus one view that fails."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from safewell.config.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure the 500 page must survive")


urlpatterns = [*urlpatterns, path("fails/", fails)]
