"""A case opens from an alert with one click, carrying the alert's evidence; a CME alert
makes a CME case with the local authority notification due on the engine's date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safewell.policy.models import AlertState
from safewell.safeguarding import services
from safewell.safeguarding.models import Case, CaseKind, ReferralKind, ReferralStatus
from tests.safeguarding.casework_factory import NOW, alert_of

CME_EVIDENCE = {
    "first_day": "2026-10-19", "last_day": "2026-11-06", "school_days": 10, "whereabouts": "unknown",
    "cme_due_on": "2026-11-09", "la_notification_due_on": "2026-11-09", "safe_and_well_check": "needed",
}


def test_one_click_opens_a_case_owned_by_the_dsl_with_the_alerts_evidence(client, personas, north_pupil):
    alert = alert_of(north_pupil, evidence={"first_day": "2026-10-28", "school_days": 3})
    client.force_login(personas.dsl)

    response = client.post(f"/safeguarding/alerts/{alert.pk}/open-case/")

    case = Case.objects.get(alert=alert)
    assert response.status_code == 302 and response["Location"] == f"/safeguarding/cases/{case.pk}/"
    assert case.kind == CaseKind.ABSENCE_CONCERN and case.owner == personas.dsl and case.pupil == north_pupil
    assert case.alert_evidence == {"first_day": "2026-10-28", "school_days": 3}
    assert case.summary == alert.explanation
    assert case.entries.get().title.startswith("Case opened from the alert")


def test_opening_the_case_closes_the_alert_as_actioned_naming_the_case(personas, north_pupil):
    alert = alert_of(north_pupil)
    case = services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW)

    alert.refresh_from_db()
    assert alert.state == AlertState.ACTIONED
    assert f"case {case.pk}" in alert.actions.get(action="action").reason


def test_a_second_click_opens_the_same_case_not_a_duplicate(personas, north_pupil):
    alert = alert_of(north_pupil)
    first = services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW)
    second = services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW + dt.timedelta(minutes=1))

    assert first == second and Case.objects.count() == 1


def test_a_cme_alert_opens_a_cme_case_with_the_notification_due_on_the_engines_date(personas, north_pupil):
    alert = alert_of(north_pupil, rule="cme_ten_days", evidence=CME_EVIDENCE)
    case = services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW)

    assert case.kind == CaseKind.CME and case.cme_due_on == dt.date(2026, 11, 9)
    notification = case.referrals.get()
    assert notification.kind == ReferralKind.CME_NOTIFICATION and notification.status == ReferralStatus.DRAFT
    assert notification.due_on == dt.date(2026, 11, 9)
    assert [t.due_on for t in case.tasks.all()] == [dt.date(2026, 11, 9)]


def test_the_alert_page_offers_the_one_click_to_the_dsl_and_then_links_to_the_case(client, personas, north_pupil):
    alert = alert_of(north_pupil)
    client.force_login(personas.dsl)
    before = client.get(f"/policy/alerts/{alert.pk}/").content.decode()
    assert f'action="/safeguarding/alerts/{alert.pk}/open-case/"' in before

    case = services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW)
    after = client.get(f"/policy/alerts/{alert.pk}/").content.decode()
    assert f'href="/safeguarding/cases/{case.pk}/"' in after and "open-case" not in after


def test_the_other_sites_deputy_cannot_open_a_case_from_a_north_alert(personas, north_pupil):
    alert = alert_of(north_pupil)
    with pytest.raises(PermissionDenied):
        services.case_open_from_alert(alert=alert, actor=personas.deputy_dsl_south, now=NOW)
    assert not Case.objects.exists()


def test_an_alert_for_the_attendance_officers_does_not_open_a_case(personas, north_pupil):
    alert = alert_of(north_pupil, rule="penalty_notice_threshold")
    assert alert.routed_to_role == "attendance_officer"
    with pytest.raises(PermissionDenied, match=services.ALERT_NOT_FOR_CASEWORK):
        services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW)


def test_a_group_alert_is_refused_with_a_reason(personas, north_pupil):
    alert = alert_of(north_pupil)
    alert.pupil = None
    with pytest.raises(ValidationError, match="not about one child"):
        services.case_open_from_alert(alert=alert, actor=personas.dsl, now=NOW)
