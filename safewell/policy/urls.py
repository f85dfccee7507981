from __future__ import annotations

from django.urls import include, path

from safewell.policy import views

app_name = "policy"
urlpatterns = [
    path("alerts/", views.inbox, name="inbox"),
    path("alerts/decide/", views.alerts_decide_many, name="alerts_decide_many"),
    path("alerts/worklists/<str:rule_id>/", views.worklist, name="worklist"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:alert_id>/decide/", views.alert_decide, name="alert_decide"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("profile/", include("safewell.policy.profile_urls")),
]
