"""Routing: an alert goes to the DSL team of the pupil's site; the penalty-notice threshold
goes to attendance officers and never a DSL (statutory.md §4)."""

from __future__ import annotations

from safewell.accounts.models import Role
from safewell.policy import rule_ids
from safewell.policy.alerts import alerts_sync
from safewell.policy.models import Alert, Notification
from tests.conftest import make_user
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope


def recipients(alert: Alert) -> set[str]:
    return set(Notification.objects.filter(alert=alert, channel="in_app").values_list("recipient__username", flat=True))


def test_a_north_pupils_alert_goes_to_the_north_dsl_team_only(personas, north_pupil):
    north_deputy = make_user("deputy_north", personas.north, Role.DEPUTY_DSL)
    alerts_sync(candidates=[candidate(north_pupil, severity="urgent")], scope=full_scope(personas), now=NOW)

    alert = Alert.objects.get()
    assert alert.routed_to_role == "dsl"
    assert recipients(alert) == {"dsl", north_deputy.username}


def test_a_south_pupils_alert_goes_to_the_south_deputy(personas, south_pupil):
    alerts_sync(candidates=[candidate(south_pupil, severity="urgent")], scope=full_scope(personas), now=NOW)

    assert recipients(Alert.objects.get()) == {"deputy_south"}


def test_a_site_without_a_dsl_team_falls_back_to_the_lead_dsl(personas):
    from tests.pupils.pupil_factory import make_pupil
    from safewell.schools.models import Site

    east = Site.objects.create(organisation=personas.organisation, name="East site", code="east")
    alerts_sync(candidates=[candidate(make_pupil(east), severity="urgent")], scope=full_scope(personas), now=NOW)

    assert recipients(Alert.objects.get()) == {"dsl"}


def test_the_penalty_notice_threshold_is_the_attendance_officers_worklist_never_the_dsls(personas, north_pupil):
    from safewell.policy.selectors import worklist_entries

    alerts_sync(candidates=[candidate(north_pupil, rule=rule_ids.PENALTY_NOTICE_THRESHOLD, episode="2026-09-07")],
                scope=full_scope(personas), now=NOW)

    alert = Alert.objects.get()
    assert alert.routed_to_role == "attendance_officer"
    assert list(worklist_entries(personas.attendance_officer, rule_ids.PENALTY_NOTICE_THRESHOLD)) == [alert]
    assert not worklist_entries(personas.dsl, rule_ids.PENALTY_NOTICE_THRESHOLD).exists()
    assert not Notification.objects.exists()  # a worklist: told by the digest's line


def test_a_penalty_notice_alert_at_a_site_without_an_attendance_officer_still_never_reaches_a_dsl(personas, south_pupil):
    alerts_sync(candidates=[candidate(south_pupil, rule=rule_ids.PENALTY_NOTICE_THRESHOLD, episode="2026-09-07")],
                scope=full_scope(personas), now=NOW)

    assert Alert.objects.get().routed_to_role == "attendance_officer"
    assert not Notification.objects.exists()


def test_the_la_returns_go_to_attendance_officers(personas, north_pupil):
    alerts_sync(candidates=[
        candidate(north_pupil, rule=rule_ids.ATTENDANCE_RETURN_10_DAY, episode="2026-10-12"),
        candidate(north_pupil, rule=rule_ids.SICKNESS_RETURN_15_DAY, episode="2026-27"),
    ], scope=full_scope(personas), now=NOW)

    assert set(Alert.objects.values_list("routed_to_role", flat=True)) == {"attendance_officer"}


def test_email_goes_to_each_recipient_with_an_address_as_the_statutory_profile_says(personas, north_pupil):
    personas.dsl.email = ""
    personas.dsl.save()
    make_user("deputy_north", personas.north, Role.DEPUTY_DSL)
    alerts_sync(candidates=[candidate(north_pupil, severity="urgent")], scope=full_scope(personas), now=NOW)

    rows = set(Notification.objects.values_list("recipient__username", "channel", "address"))
    assert rows == {("dsl", "in_app", ""), ("deputy_north", "in_app", ""),
                    ("deputy_north", "email", "deputy_north@example.org")}


def test_a_text_goes_to_staff_who_gave_a_mobile_number_when_the_profile_asks_for_sms(personas, north_pupil):
    from safewell.policy.models import StaffAlertContact
    from safewell.policy.profile_services import policy_profile_install
    from safewell.policy.profiles import shipped_profile_text

    text = shipped_profile_text("statutory").replace("channels: [in_app, email]", "channels: [in_app, email, sms]", 1)
    policy_profile_install(organisation=personas.organisation, yaml_text=text, actor=personas.admin)
    StaffAlertContact.objects.create(user=personas.dsl, mobile_phone="+447700900123")

    alerts_sync(candidates=[candidate(north_pupil, severity="urgent")], scope=full_scope(personas), now=NOW)

    assert Notification.objects.get(channel="sms").address == "+447700900123"
