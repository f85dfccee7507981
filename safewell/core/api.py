"""The REST API at /api/: one NinjaAPI, with a router per app."""

from __future__ import annotations

from ninja import NinjaAPI

from safewell.accounts.api import router as accounts_router
from safewell.attendance.api import router as attendance_router
from safewell.pupils.api import router as pupils_router
from safewell.schools.api import router as schools_router

api = NinjaAPI(title="Safewell API", version="1", urls_namespace="api")
api.add_router("", accounts_router)
api.add_router("", schools_router)
api.add_router("", pupils_router)
api.add_router("", attendance_router)
