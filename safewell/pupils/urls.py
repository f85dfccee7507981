from __future__ import annotations

from django.urls import path

from safewell.pupils import views

app_name = "pupils"
urlpatterns = [
    path("", views.pupil_list, name="list"),
    path("<int:pupil_id>/", views.pupil_detail, name="detail"),
]
