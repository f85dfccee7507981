"""alerts_sync: one live alert per child and concern; evidence renewed and gathered, never
duplicated; episodes a person closed are left alone; a vanished condition resolves the
alert by itself, saying what ended it and when; a person can reopen it."""

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


def test_when_the_condition_disappears_the_alert_resolves_itself_saying_what_and_when(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    back = NOW + dt.timedelta(days=1)

    result = alerts_sync(candidates=[], scope=full_scope(personas), now=back, cause="the register was saved")

    alert = Alert.objects.get()
    assert result.no_longer_met == [alert.pk]
    assert alert.state == AlertState.RESOLVED and alert.closed_at == back and alert.condition_cleared_at == back
    action = alert.actions.get()
    assert (action.action, action.actor) == ("resolve", None)
    assert action.reason == (
        "Resolved by the end of the run of absence (the child came back or a reason was recorded), "
        "Tuesday 3 November 2026 at 09:30 (seen when the register was saved).")
    # What was known stays on the record.
    assert alert.evidence["sessions"][0]["date"] == "2026-10-28"


def test_a_resolved_episode_met_again_opens_the_same_alert_again(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    alerts_sync(candidates=[], scope=full_scope(personas), now=NOW + dt.timedelta(days=1))

    result = alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW + dt.timedelta(days=2))

    alert = Alert.objects.get()
    assert result.reopened == [alert.pk] and result.opened == []
    assert alert.state == AlertState.OPEN and alert.closed_at is None and alert.condition_cleared_at is None
    assert list(alert.actions.values_list("action", flat=True)) == ["resolve", "reopen"]


def test_a_new_episode_while_the_alert_is_live_joins_it(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil, rule=rule_ids.VULNERABLE_UNEXPLAINED_ABSENCE, episode="2026-11-02",
                                      evidence={"sessions": [{"date": "2026-11-02", "session": "AM", "code": "N"}]},
                                      explanation="Unexplained absence on Monday 2 November 2026.")],
                scope=full_scope(personas), now=NOW)
    days = [candidate(north_pupil, rule=rule_ids.VULNERABLE_UNEXPLAINED_ABSENCE, episode=day,
                      evidence={"sessions": [{"date": day, "session": "AM", "code": "N"}]},
                      explanation=f"Unexplained absence on {label}.")
            for day, label in (("2026-11-02", "Monday 2 November 2026"), ("2026-11-03", "Tuesday 3 November 2026"))]

    result = alerts_sync(candidates=days, scope=full_scope(personas), now=NOW + dt.timedelta(days=1))

    alert = Alert.objects.get()
    assert result.updated == [alert.pk] and result.opened == []
    assert alert.episode_keys == ["2026-11-02", "2026-11-03"]
    assert [s["date"] for s in alert.evidence["sessions"]] == ["2026-11-02", "2026-11-03"]
    assert alert.explanation == ("Unexplained absence on Tuesday 3 November 2026. "
                                 "Earlier days in this alert: Monday 2 November.")
    assert Notification.objects.filter(created_at__gt=NOW).count() == 0


def test_several_episodes_found_at_once_make_one_alert(personas, north_pupil):
    found = [candidate(north_pupil, rule=rule_ids.PATTERN_SUBJECT, episode=f"2026/27:subject:{n}",
                       explanation=f"Misses subject {n}.", severity=severity)
             for n, severity in ((9, "medium"), (12, "high"))]

    alerts_sync(candidates=found, scope=full_scope(personas), now=NOW)

    alert = Alert.objects.get()
    assert alert.severity == "high" and alert.episode_keys == ["2026/27:subject:12", "2026/27:subject:9"]
    assert alert.explanation == "Misses subject 12. Misses subject 9."


def test_a_person_reopens_a_resolved_alert_and_the_engine_leaves_it_to_them(personas, north_pupil):
    from safewell.policy.alerts import alert_reopen

    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    alerts_sync(candidates=[], scope=full_scope(personas), now=NOW + dt.timedelta(hours=1))
    alert = Alert.objects.get()

    alert_reopen(alert=alert, actor=personas.dsl, reason="Mum rang: he is not at home after all.",
                 now=NOW + dt.timedelta(hours=2))
    alerts_sync(candidates=[], scope=full_scope(personas), now=NOW + dt.timedelta(hours=3))

    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.closed_at is None
    assert alert.reopened_at == NOW + dt.timedelta(hours=2)
    assert alert.condition_cleared_at == NOW + dt.timedelta(hours=3)
    assert list(alert.actions.values_list("action", flat=True)) == ["resolve", "reopen"]


def test_reopening_needs_a_reason(personas, north_pupil):
    from django.core.exceptions import ValidationError

    from safewell.policy.alerts import REASON_REQUIRED_TO_REOPEN, alert_reopen

    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    alerts_sync(candidates=[], scope=full_scope(personas), now=NOW + dt.timedelta(hours=1))

    with pytest.raises(ValidationError, match=REASON_REQUIRED_TO_REOPEN):
        alert_reopen(alert=Alert.objects.get(), actor=personas.dsl, reason=" ")
    assert Alert.objects.get().state == AlertState.RESOLVED


def test_an_incremental_run_leaves_other_pupils_alerts_alone(personas, north_pupil):
    other = make_pupil(personas.north, forename="Ivy")
    alerts_sync(candidates=[candidate(north_pupil), candidate(other)], scope=full_scope(personas), now=NOW)

    # A register touched only `other`, who came back: north_pupil's alert is outside the scope.
    result = alerts_sync(candidates=[], scope=pupils_scope(personas, [other]), now=NOW + dt.timedelta(hours=3))

    states = dict(Alert.objects.values_list("pupil_id", "state"))
    assert result.no_longer_met == [Alert.objects.get(pupil=other).pk]
    assert states == {north_pupil.pk: AlertState.OPEN, other.pk: AlertState.RESOLVED}


def test_a_run_of_some_rules_leaves_the_other_rules_alerts_alone(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil), candidate(north_pupil, rule=rule_ids.PATTERN_LATENESS, episode="2026-27")],
                scope=full_scope(personas), now=NOW)

    alerts_sync(candidates=[], scope=full_scope(personas, rules={rule_ids.PATTERN_LATENESS}), now=NOW)

    states = dict(Alert.objects.values_list("rule_id", "state"))
    assert states == {rule_ids.CONTINUOUS_ABSENCE: AlertState.OPEN, rule_ids.PATTERN_LATENESS: AlertState.RESOLVED}


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


def test_overlapping_groups_are_one_concern_reported_as_the_largest(personas):
    a, b, c, d = (make_pupil(personas.north, forename=name) for name in ("Ash", "Bay", "Cedar", "Dale"))
    def group(*members):
        return candidate(None, site=personas.north, rule=rule_ids.PATTERN_CO_ABSENCE_GROUP,
                         episode="group:" + "-".join(str(m.pk) for m in members),
                         peers=tuple(m.pk for m in members), evidence={"size": len(members)})
    alerts_sync(candidates=[group(a, b, c)], scope=full_scope(personas), now=NOW)
    alerts_sync(candidates=[group(a, b, c, d)], scope=full_scope(personas), now=NOW + dt.timedelta(days=1))
    alerts_sync(candidates=[group(b, c, d)], scope=full_scope(personas), now=NOW + dt.timedelta(days=2))

    alert = Alert.objects.get()
    assert alert.is_live and alert.evidence == {"size": 3}
    assert set(alert.peers.values_list("pupil_id", flat=True)) == {b.pk, c.pk, d.pk}


def test_a_smaller_live_group_joins_the_largest_overlapping_one(personas):
    a, b, c, d = (make_pupil(personas.north, forename=name) for name in ("Ash", "Bay", "Cedar", "Dale"))
    def group(*members):
        return candidate(None, site=personas.north, rule=rule_ids.PATTERN_CO_ABSENCE_GROUP,
                         episode="group:" + "-".join(str(m.pk) for m in members),
                         peers=tuple(m.pk for m in members), evidence={"size": len(members)})
    # Two live group alerts from before, overlapping (as the nightly runs used to leave them).
    alerts_sync(candidates=[group(a, b, c), group(b, c, d, a)], scope=full_scope(personas), now=NOW)
    assert Alert.objects.filter(state="open").count() == 1
    small = Alert.objects.create(
        organisation=personas.organisation, site=personas.north, rule_id=rule_ids.PATTERN_CO_ABSENCE_GROUP,
        episode_key="group:old", episode_keys=["group:old"], severity="high", raised_at=NOW, due_by=NOW,
        evidence={}, explanation="", routed_to_role="dsl", evidence_updated_at=NOW)
    AlertPeer.objects.bulk_create([AlertPeer(alert=small, pupil=p) for p in (a, b, c)])

    alerts_sync(candidates=[group(a, b, c, d)], scope=full_scope(personas), now=NOW + dt.timedelta(days=1))

    small.refresh_from_db()
    assert small.state == AlertState.RESOLVED
    assert Alert.objects.filter(state="open").count() == 1
    assert small.actions.get().reason.startswith("Resolved by joining alert")


def test_the_database_refuses_a_second_live_alert_for_the_same_child_and_rule(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    twin = Alert.objects.get()
    twin.pk, twin.episode_key = None, "2026-11-20"

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
        "evaluation (full): 2 opened, 0 renewed, 0 met again, 0 resolved",
        "evaluation (full): 0 opened, 0 renewed, 0 met again, 1 resolved",
    ]
    assert sorted(events[0].changes["opened"][1]) == opened
    assert events[1].changes["resolved"][1] == [Alert.objects.get(pupil=other).pk]


def test_an_unknown_severity_is_refused_before_anything_is_written(personas, north_pupil):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown severity 'dire'"):
        alerts_sync(candidates=[candidate(north_pupil, severity="dire")], scope=full_scope(personas), now=NOW)
    assert not Alert.objects.exists()


def test_a_replay_of_an_earlier_night_leaves_alerts_raised_after_it_alone(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)

    result = alerts_sync(candidates=[], scope=full_scope(personas), now=NOW - dt.timedelta(days=20), notify=False)

    assert result.no_longer_met == [] and Alert.objects.get().state == AlertState.OPEN


def test_a_replay_of_history_tells_nobody(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW, notify=False)

    assert Alert.objects.count() == 1 and not Notification.objects.exists()


def test_a_replay_never_resolves_a_later_alert_whatever_else_it_finds(personas, north_pupil):
    other = make_pupil(personas.north, forename="Ivy")
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)

    # Last month's night finds lateness for north_pupil and continuous absence for `other`.
    earlier = NOW - dt.timedelta(days=20)
    alerts_sync(candidates=[candidate(north_pupil, rule=rule_ids.PATTERN_LATENESS, episode="2026-27"), candidate(other)],
                scope=pupils_scope(personas, [north_pupil, other]), now=earlier, notify=False)

    assert Alert.objects.get(pupil=north_pupil, rule_id=rule_ids.CONTINUOUS_ABSENCE).state == AlertState.OPEN
