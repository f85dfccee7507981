from __future__ import annotations

from django.urls import path

from safewell.accounts import record_openings_views as views

app_name = "audit"
urlpatterns = [
    path(
        # path, not str: a composite key reads "17/2025-09-04/AM".
        "opened/<str:target_type>/<path:target_id>/",
        views.record_opened_by,
        name="record_opened_by",
    ),
]
