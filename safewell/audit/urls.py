from __future__ import annotations

from django.urls import path

from safewell.audit import views

app_name = "audit"
urlpatterns = [
    path(
        "opened/<str:target_type>/<str:target_id>/",
        views.record_opened_by,
        name="record_opened_by",
    ),
]
