from __future__ import annotations

from django.urls import path

from safewell.followup import public_views, views

app_name = "followup"

urlpatterns = [
    path("", views.day, name="day"),
    path("calling-list/", views.calling_list_part, name="calling_list"),
    path("pupils/<int:pupil_id>/attempts/new/", views.attempt_new, name="attempt_new"),
    path("pupils/<int:pupil_id>/first-day-message/", views.message_send, name="message_send"),
    path("pupils/<int:pupil_id>/contacts/", views.contact_history, name="contact_history"),
    path("pupils/<int:pupil_id>/consent/", views.consent_record, name="consent_record"),
    path("proposals/<int:proposal_id>/", views.proposal_decide, name="proposal_decide"),
    path("replies/<int:reply_id>/", views.reply_decide, name="reply_decide"),
    path("reports/<int:report_id>/", views.report_decide, name="report_decide"),
    path("agency-notices/", views.agency_notices_send, name="agency_notices_send"),
    path("templates/", views.message_templates, name="templates"),
    path("sms-log/", views.sms_log, name="sms_log"),
    path("email-log/", views.email_log, name="email_log"),
    path("webhooks/sms/", public_views.sms_webhook, name="sms_webhook"),
]
