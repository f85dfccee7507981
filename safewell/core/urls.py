from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from safewell.core import views
from safewell.core.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("safewell.core.shell_urls")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("safewell.accounts.urls")),
    path("audit/", include("safewell.audit.urls")),
    path("schools/", include("safewell.schools.urls")),
    path("pupils/", include("safewell.pupils.urls")),
    path("attendance/", include("safewell.attendance.urls")),
    path("policy/", include("safewell.policy.urls")),
    path("safeguarding/", include("safewell.safeguarding.urls")),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
]

# Accessible error pages in the shell; 500 renders without a request (core/views.py).
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
