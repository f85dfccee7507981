"""Notifications people read (issue 11 §3): urgent alerts go at once by the profile's
channels; the rest are in the app at once and by email in one digest per person at the
profile's digest times (08:00 and 13:00 on weekdays by default), with one line per
worklist; links are absolute."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from safewell.policy import rule_ids
from safewell.policy.alerts import alerts_sync
from safewell.policy.digests import digests_send
from safewell.policy.models import Notification
from safewell.policy.outbox import email_for
from tests.policy_alerts.alerts_factory import candidate, full_scope

LONDON = ZoneInfo("Europe/London")


def at(hour: int, minute: int = 0, day: int = 7) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=LONDON)  # Monday 7 December 2026


def test_an_urgent_alert_is_emailed_at_once(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil, severity="urgent")], scope=full_scope(personas), now=at(10))

    assert Notification.objects.filter(recipient=personas.dsl, channel="email", kind="raised").exists()


def test_an_alert_that_is_not_urgent_is_in_the_app_at_once_and_emailed_in_the_next_digest(personas, north_pupil, settings):
    settings.SAFEWELL_BASE_URL = "https://safewell.example.org"
    alerts_sync(candidates=[candidate(north_pupil, severity="high")], scope=full_scope(personas), now=at(10))
    assert set(Notification.objects.filter(recipient=personas.dsl).values_list("channel", flat=True)) == {"in_app"}

    assert digests_send(now=at(12, 55)) == 0  # not yet
    digests_send(now=at(13, 2))
    digests_send(now=at(13, 7))  # a second run writes nothing more

    [digest] = Notification.objects.filter(recipient=personas.dsl, channel="email")
    assert digest.kind == "digest" and digest.alert_count == 1
    email = email_for(digest)
    assert email.subject == "Safewell: your digest of alerts, Monday 7 December 13:02"
    assert "1 new alert since Monday 7 December at 08:00, still waiting:\n- Continuous absence: 1" in email.body
    assert "https://safewell.example.org/policy/alerts/" in email.body
    assert north_pupil.display_name not in email.body


def test_the_digest_names_the_worklists_with_new_pupils(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil, rule=rule_ids.PERSISTENT_ABSENCE, episode="2026/27")],
                scope=full_scope(personas), now=at(7, 30))

    digests_send(now=at(8, 1))

    [digest] = Notification.objects.filter(recipient=personas.dsl, channel="email")
    assert "Worklists:\n- Persistent absence: 1 pupil, 1 new today" in email_for(digest).body


def test_an_alert_already_closed_is_not_in_the_digest(personas, north_pupil):
    from safewell.policy.alerts import alert_dismiss
    from safewell.policy.models import Alert

    alerts_sync(candidates=[candidate(north_pupil, severity="high")], scope=full_scope(personas), now=at(10))
    alert_dismiss(alert=Alert.objects.get(), actor=personas.dsl, reason="Explained by the family.", now=at(11))

    assert digests_send(now=at(13, 1)) == 0


def test_no_digest_goes_at_the_weekend(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil, severity="high")], scope=full_scope(personas), now=at(10, day=12))

    assert digests_send(now=at(13, 1, day=12)) == 0


def test_the_digest_job_is_scheduled(settings):
    assert any(job["task"] == "safewell.policy.tasks.send_digests" for job in settings.SAFEWELL_SCHEDULE)
