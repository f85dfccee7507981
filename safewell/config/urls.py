from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from safewell.config import views
from safewell.config.api import api
from safewell.followup import public_views as followup_public

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("safewell.config.shell_urls")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("safewell.accounts.urls")),
    path("audit/", include("safewell.accounts.record_openings_urls")),
    path("schools/", include("safewell.schools.urls")),
    path("pupils/", include("safewell.pupils.urls")),
    path("attendance/", include("safewell.attendance.urls")),
    path("followup/", include("safewell.followup.urls")),
    path("policy/", include("safewell.policy.urls")),
    path("safeguarding/", include("safewell.safeguarding.urls")),
    # The parents' absence report form: public, one per site (followup/public_views.py).
    path("report-absence/<slug:site_code>/", followup_public.absence_report, name="absence_report"),
    path("report-absence/<slug:site_code>/thanks/", followup_public.absence_report_thanks, name="absence_report_thanks"),
    path("api/", api.urls),
    path("django-admin/", admin.site.urls),
]

# Accessible error pages in the shell; 500 renders without a request (core/views.py).
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
