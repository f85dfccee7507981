"""alerts_sync: one live alert per rule, pupil and episode; evidence renewed, never
duplicated; alerts a person closed are left alone; a vanished condition is marked, not closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from safewell.audit.models import AuditEvent
from safewell.policy import rule_ids
from safewell.policy.alerts import alert_dismiss, alerts_sync
from safewell.policy.models import Alert, AlertAction, AlertPeer, AlertState, Notification
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope, pupils_scope
from tests.pupils.pupil_factory import make_pupil


def test_a_new_candidate_opens_one_alert_with_its_evidence_and_source(personas, north_pupil):
    result = alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)

    alert = Alert.objects.get()
    assert result.opened == [alert.pk]
    assert (alert.rule_id, alert.pupil, alert.site, alert.state) == (
        rule_ids.CONTINUOUS_ABSENCE, north_pupil, personas.north, AlertState.OPEN)
    assert alert.evidence["sessions"][0] == {"date": "2026-10-28", "session": "AM", "code": "N"}
    assert alert.explanation == "Absent for 3 school days in a row with no reason given."
    assert alert.source.startswith("design.md")
    assert alert.raised_at == NOW and alert.routed_to_role == "dsl"
    assert not alert.actions.exists()  # no person has done anything yet


def test_running_the_same_evaluation_every_day_never_duplicates_an_alert(personas, north_pupil):
    for day in range(5):
        alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW + dt.timedelta(days=day))

    assert Alert.objects.count() == 1
    assert Notification.objects.filter(kind="raised").count() == Notification.objects.count()
    # One set of notifications, from the first run only.
    assert Notification.objects.filter(created_at__gt=NOW).count() == 0


def test_a_second_run_reports_the_alert_unchanged(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    result = alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW + dt.timedelta(hours=1))

    assert result.opened == [] and result.updated == [] and len(result.unchanged) == 1
    assert not result.changed


def test_new_evidence_updates_the_open_alert(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    later = NOW + dt.timedelta(days=1)
    grown = candidate(north_pupil, severity="urgent", evidence={"figures": {"school days absent": 4}},
                      explanation="Absent for 4 school days in a row with no reason given.")

    result = alerts_sync(candidates=[grown], scope=full_scope(personas), now=later)

    alert = Alert.objects.get()
    assert result.updated == [alert.pk]
    assert alert.evidence == {"figures": {"school days absent": 4}}
    assert alert.severity == "urgent" and alert.explanation.startswith("Absent for 4")
    assert alert.evidence_updated_at == later and alert.raised_at == NOW


def test_an_acknowledged_alert_is_still_renewed(personas, north_pupil):
    from safewell.policy.alerts import alert_acknowledge

    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    alert_acknowledge(alert=Alert.objects.get(), actor=personas.dsl, now=NOW)
    alerts_sync(candidates=[candidate(north_pupil, evidence={"figures": {"days": 5}})],
                scope=full_scope(personas), now=NOW + dt.timedelta(days=2))

    alert = Alert.objects.get()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.evidence == {"figures": {"days": 5}}


def test_an_alert_a_person_dismissed_is_left_alone_and_not_reopened(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    alert = Alert.objects.get()
    alert_dismiss(alert=alert, actor=personas.dsl, reason="Family on a known hospital stay.", now=NOW)

    result = alerts_sync(candidates=[candidate(north_pupil, evidence={"figures": {"days": 9}})],
                         scope=full_scope(personas), now=NOW + dt.timedelta(days=1))

    alert.refresh_from_db()
    assert result.already_closed == [alert.pk] and result.opened == []
    assert Alert.objects.count() == 1
    assert alert.state == AlertState.DISMISSED and alert.evidence != {"figures": {"days": 9}}


def test_a_new_episode_after_a_closed_one_opens_a_new_alert(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    alert_dismiss(alert=Alert.objects.get(), actor=personas.dsl, reason="Explained by the family.", now=NOW)

    alerts_sync(candidates=[candidate(north_pupil, episode="2026-11-16")], scope=full_scope(personas),
                now=NOW + dt.timedelta(days=14))

    assert list(Alert.objects.order_by("pk").values_list("episode_key", "state")) == [
        ("2026-10-28", "dismissed"), ("2026-11-16", "open")]


def test_when_the_condition_disappears_the_alert_stays_open_marked_no_longer_met(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    back = NOW + dt.timedelta(days=1)

    result = alerts_sync(candidates=[], scope=full_scope(personas), now=back)

    alert = Alert.objects.get()
    assert result.no_longer_met == [alert.pk]
    assert alert.state == AlertState.OPEN and alert.condition_cleared_at == back and alert.closed_at is None


def test_a_condition_met_again_clears_the_no_longer_met_mark(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    alerts_sync(candidates=[], scope=full_scope(personas), now=NOW + dt.timedelta(days=1))

    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW + dt.timedelta(days=2))

    alert = Alert.objects.get()
    assert alert.condition_cleared_at is None and Alert.objects.count() == 1


def test_an_incremental_run_leaves_other_pupils_alerts_alone(personas, north_pupil):
    other = make_pupil(personas.north, forename="Ivy")
    alerts_sync(candidates=[candidate(north_pupil), candidate(other)], scope=full_scope(personas), now=NOW)

    # A register touched only `other`, who came back: north_pupil's alert is outside the scope.
    result = alerts_sync(candidates=[], scope=pupils_scope(personas, [other]), now=NOW + dt.timedelta(hours=3))

    cleared = dict(Alert.objects.values_list("pupil_id", "condition_cleared_at"))
    assert result.no_longer_met == [Alert.objects.get(pupil=other).pk]
    assert cleared[north_pupil.pk] is None and cleared[other.pk] is not None


def test_a_run_of_some_rules_leaves_the_other_rules_alerts_alone(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil), candidate(north_pupil, rule=rule_ids.PATTERN_LATENESS, episode="2026-27")],
                scope=full_scope(personas), now=NOW)

    alerts_sync(candidates=[], scope=full_scope(personas, rules={rule_ids.PATTERN_LATENESS}), now=NOW)

    cleared = dict(Alert.objects.values_list("rule_id", "condition_cleared_at"))
    assert cleared[rule_ids.CONTINUOUS_ABSENCE] is None and cleared[rule_ids.PATTERN_LATENESS] == NOW


def test_a_co_absence_group_is_one_alert_with_its_peers(personas):
    group = [make_pupil(personas.north, forename=name) for name in ("Ash", "Bay", "Cedar")]
    found = candidate(None, site=personas.north, rule=rule_ids.PATTERN_CO_ABSENCE_GROUP, episode="lesson:41",
                      peers=tuple(p.pk for p in group), evidence={"lessons": [{"date": "2026-10-20", "lesson": "9X/PE"}]})

    for _ in range(3):
        alerts_sync(candidates=[found], scope=full_scope(personas), now=NOW)

    alert = Alert.objects.get()
    assert alert.pupil is None
    assert set(AlertPeer.objects.filter(alert=alert).values_list("pupil_id", flat=True)) == {p.pk for p in group}


def test_a_group_alert_follows_its_members_when_the_group_changes(personas):
    a, b, c = (make_pupil(personas.north, forename=name) for name in ("Ash", "Bay", "Cedar"))
    def group(*members):
        return candidate(None, site=personas.north, rule=rule_ids.PATTERN_CO_ABSENCE_GROUP, episode="lesson:41",
                         peers=tuple(m.pk for m in members), evidence={"size": len(members)})
    alerts_sync(candidates=[group(a, b)], scope=full_scope(personas), now=NOW)

    alerts_sync(candidates=[group(a, b, c)], scope=pupils_scope(personas, [c]), now=NOW)

    assert set(AlertPeer.objects.values_list("pupil_id", flat=True)) == {a.pk, b.pk, c.pk}


def test_the_database_refuses_a_second_live_alert_for_the_same_episode(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    twin = Alert.objects.get()
    twin.pk = None

    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save(force_insert=True)


def test_alerts_are_written_in_the_callers_transaction(personas, north_pupil):
    class EvaluationFailed(Exception):
        pass

    with pytest.raises(EvaluationFailed), transaction.atomic():
        alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
        raise EvaluationFailed

    assert not Alert.objects.exists() and not Notification.objects.exists() and not AlertAction.objects.exists()


def test_each_evaluation_that_changes_alerts_is_one_audit_event_naming_them(personas, north_pupil):
    other = make_pupil(personas.north, forename="Ivy")
    alerts_sync(candidates=[candidate(north_pupil), candidate(other)], scope=full_scope(personas), now=NOW)
    opened = sorted(Alert.objects.values_list("pk", flat=True))
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)  # `other` came back
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)  # nothing changed

    events = list(AuditEvent.objects.filter(target_type="policy.alert").order_by("id"))
    assert [e.detail for e in events] == [
        "evaluation (full): 2 opened, 0 renewed, 0 no longer met",
        "evaluation (full): 0 opened, 0 renewed, 1 no longer met",
    ]
    assert sorted(events[0].changes["opened"][1]) == opened
    assert events[1].changes["no_longer_met"][1] == [Alert.objects.get(pupil=other).pk]


def test_an_unknown_severity_is_refused_before_anything_is_written(personas, north_pupil):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown severity 'dire'"):
        alerts_sync(candidates=[candidate(north_pupil, severity="dire")], scope=full_scope(personas), now=NOW)
    assert not Alert.objects.exists()
