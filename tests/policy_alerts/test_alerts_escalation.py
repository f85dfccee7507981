"""Escalation: an open DSL alert not acknowledged within the profile's deadline goes to the
lead DSL, once; acknowledged alerts and attendance-officer alerts never escalate to a DSL."""

from __future__ import annotations

import datetime as dt

from safewell.accounts.models import Role
from safewell.policy import rule_ids
from safewell.policy.alerts import alert_acknowledge, alerts_escalate_overdue, alerts_sync
from safewell.policy.models import Alert, Notification
from safewell.policy.profile_selectors import profile_for
from tests.conftest import make_user
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


def raise_for(personas, pupil, **options) -> Alert:
    alerts_sync(candidates=[candidate(pupil, **options)], scope=full_scope(personas), now=NOW)
    return Alert.objects.get(rule_id=options.get("rule", rule_ids.CONTINUOUS_ABSENCE))


def test_the_deadline_is_the_profiles_acknowledge_within_hours_for_the_rule(personas, south_pupil):
    profile = profile_for(personas.organisation)
    continuous = raise_for(personas, south_pupil)
    cme = raise_for(personas, south_pupil, rule=rule_ids.CME_TEN_DAYS, episode="2026-10-19")

    assert continuous.due_by == NOW + hours(profile.rules[rule_ids.CONTINUOUS_ABSENCE].acknowledge_within_hours)
    assert cme.due_by == NOW + hours(profile.rules[rule_ids.CME_TEN_DAYS].acknowledge_within_hours)
    assert cme.due_by < continuous.due_by  # the CME step is the more urgent (statutory profile: 4 h)


def test_nothing_escalates_before_the_deadline(personas, south_pupil):
    alert = raise_for(personas, south_pupil)

    assert alerts_escalate_overdue(now=alert.due_by - dt.timedelta(seconds=1)) == []
    alert.refresh_from_db()
    assert alert.escalated_at is None


def test_an_unacknowledged_alert_goes_to_the_lead_dsl_at_its_deadline(personas, south_pupil):
    alert = raise_for(personas, south_pupil)

    escalated = alerts_escalate_overdue(now=alert.due_by)

    alert.refresh_from_db()
    assert escalated == [alert.pk] and alert.escalated_at == alert.due_by
    # South's deputy had the alert; the lead DSL (the dsl at North) now has it too.
    told = set(Notification.objects.filter(kind="escalated").values_list("recipient__username", "channel"))
    assert told == {("dsl", "in_app"), ("dsl", "email")}
    assert alert.actions.filter(action="escalate", actor__isnull=True).exists()


def test_an_alert_escalates_once_however_often_the_job_runs(personas, south_pupil):
    alert = raise_for(personas, south_pupil)

    for minutes in (0, 5, 10, 60 * 24):
        alerts_escalate_overdue(now=alert.due_by + dt.timedelta(minutes=minutes))

    assert Notification.objects.filter(kind="escalated").count() == 2
    assert alert.actions.filter(action="escalate").count() == 1


def test_an_acknowledged_alert_does_not_escalate(personas, south_pupil):
    alert = raise_for(personas, south_pupil)
    alert_acknowledge(alert=alert, actor=personas.deputy_dsl_south, now=NOW + hours(1))

    assert alerts_escalate_overdue(now=alert.due_by + hours(1)) == []


def test_every_lead_dsl_of_the_organisation_is_told(personas, south_pupil):
    second_lead = make_user("second_lead", personas.south, Role.DSL)
    alert = raise_for(personas, south_pupil)
    Notification.objects.all().delete()

    alerts_escalate_overdue(now=alert.due_by)

    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"dsl", second_lead.username}


def test_a_penalty_notice_alert_is_never_escalated_to_a_dsl(personas, north_pupil):
    alert = raise_for(personas, north_pupil, rule=rule_ids.PENALTY_NOTICE_THRESHOLD, episode="2026-09-07")

    assert alerts_escalate_overdue(now=alert.due_by + hours(100)) == []
    assert not Notification.objects.filter(recipient__username="dsl").exists()


def test_the_escalation_job_is_scheduled_every_few_minutes(settings):
    from safewell.core.scheduler import load_schedule

    entries = {entry.name: entry for entry in load_schedule()}
    escalate = entries["alerts-escalate"]
    assert escalate.task_path == "safewell.policy.tasks.escalate_overdue_alerts"
    assert len(escalate.cron.minutes) >= 12  # at least every 5 minutes
    assert len(entries["notifications-deliver"].cron.minutes) == 60


def test_several_alerts_not_acknowledged_are_one_message_to_the_lead_dsl_naming_how_many(personas, south_pupil):
    from safewell.policy.outbox import email_for
    from tests.pupils.pupil_factory import make_pupil

    others = [make_pupil(personas.south, forename=name) for name in ("Ivy", "Oak")]
    alerts_sync(candidates=[candidate(p) for p in (south_pupil, *others)], scope=full_scope(personas), now=NOW)
    due = max(Alert.objects.values_list("due_by", flat=True))

    assert len(alerts_escalate_overdue(now=due)) == 3

    emails = list(Notification.objects.filter(kind="escalated", channel="email"))
    assert [(n.recipient.username, n.alert_count) for n in emails] == [("dsl", 3)]
    assert email_for(emails[0]).subject == "Safewell: 3 alerts not acknowledged in time, for the lead DSL"
