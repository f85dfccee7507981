"""The register pages and the register tools, included into the attendance namespace by
attendance/urls.py. Each tool has its own path prefix, so the navigation marks one item
as current (core/navigation.py)."""

from __future__ import annotations

from django.urls import path, re_path

from safewell.attendance import register_views as views

urlpatterns = [
    path("registers/", views.my_registers, name="my_registers"),
    re_path(
        r"^registers/(?P<group_id>[0-9]+)/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/(?P<session>AM|PM)/$",
        views.register,
        name="register",
    ),
    re_path(
        r"^lessons/(?P<lesson_id>[0-9]+)/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})/$",
        views.lesson_register,
        name="lesson_register",
    ),
    path("registers/unexplained/", views.unexplained_marks, name="unexplained_marks"),
    path("late-book/", views.late_book, name="late_book"),
    path("missing-registers/", views.missing_registers, name="missing_registers"),
    path("missing-registers/board/", views.missing_registers_board, name="missing_registers_board"),
    path("missing-registers/nudge/", views.register_nudge, name="register_nudge"),
    path("amendments/", views.amendments_report, name="amendments_report"),
]
