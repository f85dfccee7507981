"""The inbox sorted for action (issue 11 §2): one row per child with their live concerns,
the newest evidence, the next action and its deadline, whether a case is open; the most
urgent and newest first; a rule filter; overdue shown once on top; several alerts
acknowledged or closed at once with one recorded reason, all or nothing."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from safewell.policy import rule_ids
from safewell.policy.alerts import NOTHING_PICKED, REASON_REQUIRED_TO_ACTION, alerts_sync
from safewell.policy.models import Alert, AlertState
from tests.policy_alerts.alerts_factory import candidate, full_scope
from tests.pupils.pupil_factory import make_pupil


def raise_now(personas, *candidates):
    alerts_sync(candidates=list(candidates), scope=full_scope(personas), now=timezone.now() - dt.timedelta(minutes=5))


def test_a_child_with_several_concerns_is_one_row_and_the_most_urgent_child_comes_first(client, personas, north_pupil):
    calm = make_pupil(personas.north, forename="Ivy")
    raise_now(personas, candidate(north_pupil, severity="medium"),
              candidate(north_pupil, rule=rule_ids.PATTERN_LATENESS, episode="2026-27", severity="low",
                        explanation="Late five times."),
              candidate(calm, rule=rule_ids.CME_TEN_DAYS, episode="2026-10-01", severity="urgent"))
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:inbox")).content.decode()

    assert "2 children with alerts" in page
    assert page.index(calm.display_name) < page.index(north_pupil.display_name)
    assert page.count(f'href="{reverse("pupils:detail", args=[north_pupil.pk])}"') == 1
    assert "Acknowledge 2 alerts" in page


def test_the_rule_filter_keeps_only_that_rules_alerts(client, personas, north_pupil):
    raise_now(personas, candidate(north_pupil),
              candidate(north_pupil, rule=rule_ids.PATTERN_LATENESS, episode="2026-27"))
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:inbox"), {"rule": rule_ids.PATTERN_LATENESS}).content.decode()

    lateness = Alert.objects.get(rule_id=rule_ids.PATTERN_LATENESS)
    other = Alert.objects.get(rule_id=rule_ids.CONTINUOUS_ABSENCE)
    assert f'id="alert-{lateness.pk}"' in page and f'id="alert-{other.pk}"' not in page


def test_overdue_alerts_are_named_once_on_top(client, personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=timezone.now() - dt.timedelta(days=6))
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:inbox")).content.decode()

    assert page.count("Overdue: 1 not acknowledged in time") == 1


def test_several_alerts_are_closed_at_once_with_one_recorded_reason(client, personas, north_pupil):
    other = make_pupil(personas.north, forename="Ivy")
    raise_now(personas, candidate(north_pupil), candidate(other))
    picked = list(Alert.objects.values_list("pk", flat=True))
    client.force_login(personas.dsl)

    response = client.post(reverse("policy:alerts_decide_many"),
                           {"alert": picked, "decision": "action", "reason": "Both seen at home by the EWO."})

    assert response.status_code == 302
    assert set(Alert.objects.values_list("state", flat=True)) == {AlertState.ACTIONED}
    assert {a.actions.get().reason for a in Alert.objects.all()} == {"Both seen at home by the EWO."}


def test_closing_several_without_a_reason_changes_none_and_says_why(client, personas, north_pupil):
    other = make_pupil(personas.north, forename="Ivy")
    raise_now(personas, candidate(north_pupil), candidate(other))
    client.force_login(personas.dsl)

    response = client.post(reverse("policy:alerts_decide_many"),
                           {"alert": list(Alert.objects.values_list("pk", flat=True)), "decision": "dismiss", "reason": ""})

    assert response.status_code == 400
    assert "Say why no action is needed" in response.content.decode()
    assert set(Alert.objects.values_list("state", flat=True)) == {AlertState.OPEN}


def test_one_refusal_undoes_the_whole_batch(client, personas, north_pupil):
    other = make_pupil(personas.north, forename="Ivy")
    raise_now(personas, candidate(north_pupil), candidate(other))
    first, second = Alert.objects.order_by("pk")
    client.force_login(personas.dsl)
    client.post(reverse("policy:alerts_decide_many"), {"alert": [second.pk], "decision": "acknowledge"})

    response = client.post(reverse("policy:alerts_decide_many"), {"alert": [first.pk, second.pk], "decision": "acknowledge"})

    assert response.status_code == 400
    first.refresh_from_db()
    assert first.state == AlertState.OPEN


def test_nothing_ticked_is_refused(client, personas, north_pupil):
    raise_now(personas, candidate(north_pupil))
    client.force_login(personas.dsl)

    response = client.post(reverse("policy:alerts_decide_many"), {"decision": "acknowledge"})

    assert response.status_code == 400 and NOTHING_PICKED in response.content.decode()


def test_an_alert_routed_to_someone_else_cannot_be_ticked(client, personas, north_pupil):
    raise_now(personas, candidate(north_pupil))
    client.force_login(personas.deputy_dsl_south)

    response = client.post(reverse("policy:alerts_decide_many"),
                           {"alert": [Alert.objects.get().pk], "decision": "dismiss", "reason": "x"})

    assert response.status_code == 400 and Alert.objects.get().state == AlertState.OPEN


def test_a_teacher_cannot_use_it(client, personas, north_pupil):
    raise_now(personas, candidate(north_pupil))
    client.force_login(personas.teacher)

    response = client.post(reverse("policy:alerts_decide_many"),
                           {"alert": [Alert.objects.get().pk], "decision": "acknowledge"})

    assert response.status_code == 403


def test_the_reason_required_message_is_the_services(client):
    assert REASON_REQUIRED_TO_ACTION.startswith("Say what was done")
