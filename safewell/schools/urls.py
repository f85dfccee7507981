from __future__ import annotations

from django.urls import path

from safewell.schools import views

app_name = "schools"
urlpatterns = [
    path("<slug:code>/calendar/", views.site_calendar, name="site_calendar"),
]
