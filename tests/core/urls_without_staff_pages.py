"""The real URL conf without the /staff/ pages, as before they were built."""

from __future__ import annotations

from safewell.core.urls import handler400, handler403, handler404, handler500  # noqa: F401
from safewell.core.urls import urlpatterns as _all

urlpatterns = [pattern for pattern in _all if str(pattern.pattern) != "staff/"]
