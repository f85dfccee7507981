"""The lifecycle: open → acknowledged → actioned (with an outcome) or dismissed (with a
reason). Refusals say why; every step is recorded and audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from safewell.audit.models import AuditEvent
from safewell.policy import alerts as services
from safewell.policy import views
from safewell.policy.alerts import alerts_sync
from safewell.policy.models import Alert, AlertAction, AlertState
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope


@pytest.fixture
def alert(personas, north_pupil) -> Alert:
    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    return Alert.objects.get()


def decide(client, user, alert, decision: str, reason: str = ""):
    client.force_login(user)
    return client.post(reverse("policy:alert_decide", args=[alert.pk]), {"decision": decision, "reason": reason})


def test_acknowledging_needs_no_reason_and_is_recorded(client, personas, alert):
    response = decide(client, personas.dsl, alert, "acknowledge")

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.closed_at is None
    action = alert.actions.get(action="acknowledge")
    assert action.actor == personas.dsl


def test_actioning_records_the_outcome_and_closes_the_alert(client, personas, alert):
    decide(client, personas.dsl, alert, "acknowledge")
    decide(client, personas.dsl, alert, "action", "Home visit: pupil safe and well, back tomorrow.")

    alert.refresh_from_db()
    assert alert.state == AlertState.ACTIONED and alert.closed_at is not None
    assert alert.actions.get(action="action").reason == "Home visit: pupil safe and well, back tomorrow."


def test_dismissing_records_the_reason_not_to_act(client, personas, alert):
    decide(client, personas.dsl, alert, "dismiss", "Absence explained by a hospital letter.")

    alert.refresh_from_db()
    assert alert.state == AlertState.DISMISSED
    assert alert.actions.get(action="dismiss").reason == "Absence explained by a hospital letter."


@pytest.mark.parametrize(("decision", "message"), [
    ("action", services.REASON_REQUIRED_TO_ACTION),
    ("dismiss", services.REASON_REQUIRED_TO_DISMISS),
])
def test_closing_without_a_reason_is_refused_with_a_clear_message(client, personas, alert, decision, message):
    response = decide(client, personas.dsl, alert, decision, "   ")

    assert response.status_code == 400
    assert message in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN and not alert.actions.filter(action=decision).exists()


def test_a_closed_alert_cannot_be_changed_again(client, personas, alert):
    decide(client, personas.dsl, alert, "dismiss", "Known to the family support worker.")

    response = decide(client, personas.dsl, alert, "action", "Changed my mind.")

    assert response.status_code == 400
    assert services.ALERT_ALREADY_CLOSED.format(state="dismissed") in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.DISMISSED


def test_acknowledging_twice_is_refused(personas, alert):
    services.alert_acknowledge(alert=alert, actor=personas.dsl, now=NOW)

    with pytest.raises(ValidationError, match=services.ALERT_ALREADY_ACKNOWLEDGED):
        services.alert_acknowledge(alert=alert, actor=personas.dsl, now=NOW)


def test_an_unknown_decision_is_refused(client, personas, alert):
    response = decide(client, personas.dsl, alert, "delete", "please")

    assert response.status_code == 400
    assert views.CHOOSE_A_DECISION in response.content.decode()


def test_someone_the_alert_is_not_routed_to_cannot_act_on_it(personas, alert):
    with pytest.raises(PermissionDenied):
        services.alert_dismiss(alert=alert, actor=personas.deputy_dsl_south, reason="Not mine.", now=NOW)
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(alert=alert, actor=personas.attendance_officer, now=NOW)


def test_every_action_is_in_the_audit_log_with_its_reason(client, personas, alert):
    decide(client, personas.dsl, alert, "acknowledge")
    decide(client, personas.dsl, alert, "action", "Referred to Early Help.")

    events = AuditEvent.objects.filter(target_type="policy.alert", target_id=str(alert.pk), action="update")
    details = list(events.order_by("id").values_list("detail", flat=True))
    assert "alert acknowledge" in details and "alert action: Referred to Early Help." in details
    assert events.filter(actor_username="dsl").count() == 2
    assert AuditEvent.objects.filter(target_type="policy.alertaction", action="create", actor_username="dsl").count() == 2


def test_the_database_refuses_an_action_without_a_reason(personas, alert):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AlertAction.objects.create(alert=alert, action="dismiss", reason="", actor=personas.dsl, at=NOW)


def test_the_database_refuses_a_closed_alert_without_its_closing_time(alert):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(state=AlertState.ACTIONED)


def test_a_resolved_alert_shows_what_ended_it_and_can_be_reopened_with_a_reason(client, personas, alert):
    import datetime as dt

    alerts_sync(candidates=[], scope=full_scope(personas), now=NOW + dt.timedelta(hours=1))
    client.force_login(personas.dsl)
    page = client.get(reverse("policy:alert_detail", args=[alert.pk])).content.decode()
    assert "Resolved by the end of the run of absence" in page and 'id="decision-reopen"' in page

    refused = decide(client, personas.dsl, alert, "reopen", "")
    assert refused.status_code == 400 and services.REASON_REQUIRED_TO_REOPEN in refused.content.decode()

    response = decide(client, personas.dsl, alert, "reopen", "The social worker says he is still missing.")

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.reopened_at is not None
    reopen = alert.actions.get(action="reopen")
    assert (reopen.actor, reopen.reason) == (personas.dsl, "The social worker says he is still missing.")
    assert AuditEvent.objects.filter(detail__startswith="alert reopen").exists()


def test_reopening_is_refused_while_another_alert_about_the_same_concern_is_live(personas, north_pupil, alert):
    import datetime as dt

    alerts_sync(candidates=[], scope=full_scope(personas), now=NOW + dt.timedelta(hours=1))
    alerts_sync(candidates=[candidate(north_pupil, episode="2026-11-20")], scope=full_scope(personas),
                now=NOW + dt.timedelta(days=20))

    with pytest.raises(ValidationError, match="Another alert about this child and concern is open"):
        services.alert_reopen(alert=alert, actor=personas.dsl, reason="Still worried.")
