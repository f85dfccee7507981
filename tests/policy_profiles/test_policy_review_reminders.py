"""The policy review reminder: from 30 days before `next_review_on`, and when overdue, the
organisation gets a `policy_review_due` alert (issue 5), once, renewed daily, and cleared by a
reviewed profile with a later date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from safewell.core.scheduler import load_schedule
from safewell.policy.models import Alert, AlertState, Notification
from safewell.policy.profile_jobs import policy_review_candidates, policy_reviews_remind
from safewell.policy.profile_services import policy_profile_install
from tests.policy_profiles.profile_texts import MINIMAL

pytestmark = pytest.mark.django_db

REVIEW_ON = dt.date(2027, 9, 1)  # MINIMAL's next_review_on
NOW = dt.datetime(2026, 11, 23, 6, 15, tzinfo=dt.UTC)


def install(personas, text: str = MINIMAL):
    return policy_profile_install(organisation=personas.organisation, yaml_text=text, actor=personas.admin)


@pytest.mark.parametrize(("today", "reminded", "overdue"), [
    (REVIEW_ON - dt.timedelta(days=31), False, False),
    (REVIEW_ON - dt.timedelta(days=30), True, False),
    (REVIEW_ON - dt.timedelta(days=1), True, False),
    (REVIEW_ON, True, False),
    (REVIEW_ON + dt.timedelta(days=1), True, True),
    (REVIEW_ON + dt.timedelta(days=400), True, True),
])
def test_it_reminds_from_30_days_before_the_review_and_when_overdue(personas, today, reminded, overdue):
    install(personas)
    reminders = policy_review_candidates(today=today)
    assert len(reminders) == int(reminded)
    if reminded:
        candidate = reminders[0].candidate
        assert reminders[0].organisation_id == personas.organisation.pk
        assert (candidate.rule_id, candidate.pupil_id) == ("policy_review_due", None)
        assert candidate.evidence["overdue"] is overdue
        assert candidate.evidence["next_review_on"] == "2027-09-01"
        assert candidate.evidence["notify"] == ["dsl", "admin"]
        assert ("overdue" in candidate.explanation) is overdue


def test_the_reminder_window_follows_the_profile(personas):
    install(personas, MINIMAL + "  policy_review_due:\n    remind_days_before: 60\n")
    assert policy_review_candidates(today=REVIEW_ON - dt.timedelta(days=60))
    assert not policy_review_candidates(today=REVIEW_ON - dt.timedelta(days=61))


def test_a_profile_may_turn_the_reminder_off(personas):
    install(personas, MINIMAL + "  policy_review_due:\n    enabled: false\n")
    assert not policy_review_candidates(today=REVIEW_ON + dt.timedelta(days=10))


def test_an_organisation_without_a_profile_of_its_own_is_not_reminded(personas):
    assert not policy_review_candidates(today=dt.date(2030, 1, 1))


def test_an_overdue_review_opens_one_alert_for_the_organisation_however_often_the_job_runs(personas):
    install(personas)
    today = REVIEW_ON + dt.timedelta(days=5)
    policy_reviews_remind(today=today, now=NOW)
    policy_reviews_remind(today=today + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
    [alert] = Alert.objects.filter(rule_id="policy_review_due")
    assert alert.organisation_id == personas.organisation.pk
    assert alert.pupil_id is None
    assert alert.state == AlertState.OPEN
    assert alert.episode_key == "review:2027-09-01"
    # Renewed the second day: six days overdue now.
    assert alert.evidence["figures"] == {"days overdue": 6}


def test_the_dsl_is_told_of_the_review_in_safewell(personas):
    install(personas)
    policy_reviews_remind(today=REVIEW_ON, now=NOW)
    assert Notification.objects.filter(alert__rule_id="policy_review_due", recipient=personas.dsl, channel="in_app").exists()


def test_installing_the_reviewed_profile_clears_the_reminder(personas):
    install(personas)
    policy_reviews_remind(today=REVIEW_ON + dt.timedelta(days=5), now=NOW)
    install(personas, MINIMAL.replace("reviewed_on: 2026-09-01", "reviewed_on: 2027-09-05")
            .replace("next_review_on: 2027-09-01", "next_review_on: 2028-09-01"))
    policy_reviews_remind(today=REVIEW_ON + dt.timedelta(days=6), now=NOW + dt.timedelta(days=1))
    alert = Alert.objects.get(rule_id="policy_review_due")
    assert alert.condition_cleared_at is not None
    assert not Alert.objects.filter(rule_id="policy_review_due", episode_key="review:2028-09-01").exists()


def test_the_reminder_runs_every_morning_from_the_schedule():
    entries = {entry.name: entry for entry in load_schedule()}
    entry = entries["policy-review-reminders"]
    assert entry.task_path == "safewell.policy.profile_jobs.remind_policy_reviews"
    assert entry.cron.matches(dt.datetime(2026, 11, 23, 6, 15))
    assert not entry.cron.matches(dt.datetime(2026, 11, 23, 6, 16))


def test_policy_review_remind_replays_a_day(personas, capsys):
    install(personas)
    call_command("policy_review_remind", "--date", "2027-09-10")
    out = capsys.readouterr().out
    assert "Testbridge Academy: The policy profile 'test-profile' (version 1) was due for review on 1 September 2027: 9 day(s) overdue" in out
    assert "1 review(s) due or overdue on 10 September 2027; 1 new alert(s)." in out
