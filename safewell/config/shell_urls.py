"""The shell's own small views, under the `core` namespace (`core:switch_site`)."""

from __future__ import annotations

from django.urls import path

from safewell.config import views

app_name = "core"
urlpatterns = [
    path("site/switch/", views.switch_site, name="switch_site"),
]
