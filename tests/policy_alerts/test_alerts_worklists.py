"""Population conditions (persistent absence, the 15-day sickness return, the penalty
threshold) are worklists, not alerts: no notification, no escalation, not in the inbox's
rows; one line on the inbox leads to the list (issue 11 §1)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from safewell.policy import rule_ids
from safewell.policy.alerts import alerts_escalate_overdue, alerts_sync
from safewell.policy.models import Alert, Notification
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope


def test_a_worklist_entry_is_written_but_nobody_is_notified_or_escalated_to(personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil, rule=rule_ids.PERSISTENT_ABSENCE, episode="2026/27")],
                scope=full_scope(personas), now=NOW)

    assert Alert.objects.filter(rule_id=rule_ids.PERSISTENT_ABSENCE).count() == 1
    assert not Notification.objects.exists()
    assert alerts_escalate_overdue(now=NOW + dt.timedelta(days=30)) == []


def test_the_inbox_shows_a_worklist_as_one_line_and_the_list_behind_it(client, personas, north_pupil):
    alerts_sync(candidates=[candidate(north_pupil, rule=rule_ids.PERSISTENT_ABSENCE, episode="2026/27"),
                            candidate(north_pupil)], scope=full_scope(personas), now=NOW)
    client.force_login(personas.dsl)

    inbox = client.get(reverse("policy:inbox")).content.decode()
    listed = client.get(reverse("policy:worklist", args=[rule_ids.PERSISTENT_ABSENCE])).content.decode()

    assert "Persistent absence: 1 pupil" in inbox
    assert inbox.count(north_pupil.display_name) == 1  # the continuous-absence alert only
    assert north_pupil.display_name in listed and "1 pupil, newest first" in listed


def test_a_rule_that_is_not_a_worklist_has_no_worklist_page(client, personas):
    client.force_login(personas.dsl)
    assert client.get(reverse("policy:worklist", args=[rule_ids.CONTINUOUS_ABSENCE])).status_code == 404


def test_people_without_an_inbox_cannot_see_a_worklist(client, personas):
    client.force_login(personas.teacher)
    assert client.get(reverse("policy:worklist", args=[rule_ids.PERSISTENT_ABSENCE])).status_code == 403
