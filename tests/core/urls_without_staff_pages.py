"""The real URL conf without the /staff/ pages, as before they were built."""

from __future__ import annotations

from safewell.config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from safewell.config.urls import urlpatterns as _all

urlpatterns = [pattern for pattern in _all if str(pattern.pattern) != "staff/"]
