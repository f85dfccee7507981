from __future__ import annotations

from django.urls import path

from safewell.safeguarding import views

app_name = "safeguarding"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/cme/", views.cme_compliance, name="cme_compliance"),
    path("retention/", views.retention, name="retention"),
    # A child's safeguarding record.
    path("pupils/<int:pupil_id>/", views.pupil_record, name="pupil_record"),
    path("pupils/<int:pupil_id>/chronology.pdf", views.chronology_print, name="chronology_print"),
    path("pupils/<int:pupil_id>/cases/new/", views.case_open, name="case_open"),
    path("pupils/<int:pupil_id>/entries/new/", views.entry_add, name="entry_add"),
    path("pupils/<int:pupil_id>/missing/new/", views.episode_new, name="episode_new"),
    path("pupils/<int:pupil_id>/missing-person-profile/", views.profile_edit, name="profile_edit"),
    path("pupils/<int:pupil_id>/documents/new/", views.document_upload, name="document_upload"),
    path("pupils/<int:pupil_id>/share/", views.share, name="share"),
    path("pupils/<int:pupil_id>/legal-hold/", views.legal_hold, name="legal_hold"),
    path("pupils/<int:pupil_id>/destroy/", views.retention_destroy, name="retention_destroy"),
    path("entries/<int:entry_id>/correct/", views.entry_correct, name="entry_correct"),
    # Cases.
    path("alerts/<int:alert_id>/open-case/", views.case_open_from_alert, name="case_open_from_alert"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:case_id>/close/", views.case_close, name="case_close"),
    path("cases/<int:case_id>/assessments/new/", views.assessment_new, name="assessment_new"),
    path("cases/<int:case_id>/referrals/new/", views.referral_new, name="referral_new"),
    path("cases/<int:case_id>/enquiries/new/", views.enquiry_add, name="enquiry_add"),
    path("cases/<int:case_id>/checks/new/", views.check_new, name="check_new"),
    path("cases/<int:case_id>/reintegration/new/", views.plan_new, name="plan_new"),
    path("cases/<int:case_id>/tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/send/", views.referral_send, name="referral_send"),
    path("referrals/<int:referral_id>/acknowledgement/", views.referral_acknowledge, name="referral_acknowledge"),
    path("referrals/<int:referral_id>/outcome/", views.referral_outcome, name="referral_outcome"),
    path("referrals/<int:referral_id>/notification.pdf", views.cme_notification_pdf, name="cme_notification_pdf"),
    path("missing/<int:episode_id>/", views.episode_detail, name="episode_detail"),
    path("missing/<int:episode_id>/police/", views.episode_police, name="episode_police"),
    path("missing/<int:episode_id>/return/", views.episode_return, name="episode_return"),
    path("missing/<int:episode_id>/interview/", views.interview_record, name="interview_record"),
    path("missing/<int:episode_id>/police-pack.pdf", views.police_pack, name="police_pack"),
    path("reintegration/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("reintegration/<int:plan_id>/review/", views.plan_review, name="plan_review"),
    path("documents/<int:document_id>/", views.document_download, name="document_download"),
    # Concerns: any member of staff.
    path("concerns/", views.concerns_mine, name="concerns_mine"),
    path("concerns/new/", views.concern_raise, name="concern_raise"),
    path("concerns/<int:concern_id>/", views.concern_triage, name="concern_triage"),
]
