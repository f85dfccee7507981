"""The policy profile pages (profile_views.py), under /policy/profile/ in the `policy` namespace."""

from __future__ import annotations

from django.urls import path

from safewell.policy import profile_views as views

urlpatterns = [
    path("", views.profile_page, name="profile"),
    path("yaml/", views.profile_yaml, name="profile_yaml"),
    path("history/", views.profile_history_page, name="profile_history"),
    path("upload/", views.profile_upload, name="profile_upload"),
    path("versions/<int:version>/", views.profile_version_page, name="profile_version"),
    path("versions/<int:version>/activate/", views.profile_activate, name="profile_activate"),
    path("versions/<int:old>/diff/<int:new>/", views.profile_diff_page, name="profile_diff"),
]
