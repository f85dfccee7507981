from __future__ import annotations

from django.urls import include, path

from safewell.attendance import views

app_name = "attendance"
urlpatterns = [
    path("pupils/<int:pupil_id>/", views.pupil_attendance, name="pupil_attendance"),
    path("export/marks.csv", views.export_marks, name="export_marks"),
    # The register pages and tools (register_urls.py).
    path("", include("safewell.attendance.register_urls")),
]
