"""Each demo story raises the alert a DSL (or attendance officer) should see (issue 5:
"the demo stories ... each raise the right alert, with evidence the DSL can read")."""

from __future__ import annotations

import pytest

from safewell.policy.models import Alert, AlertPeer


def alerts_of(surname: str) -> set[str]:
    return set(Alert.objects.filter(pupil__legal_surname=surname).values_list("rule_id", flat=True))


@pytest.mark.parametrize(
    ("surname", "rule_id"),
    [
        ("Ashdown", "cme_ten_days"),  # 12 school days across half term, no explanation
        ("Ashdown", "attendance_return_10_day"),
        ("Pridmore", "pattern_day_of_week"),  # Mondays and Fridays
        ("Quarrell", "pattern_pe_swimming"),  # misses PE and swimming
        ("Quarrell", "pattern_missing_lessons_on_site"),
        ("Callow", "pattern_lateness"),  # the young carer who is often late
        ("Moult", "vulnerable_unexplained_absence"),  # the looked-after child
    ],
)
def test_each_demo_story_raises_its_alert(db, demo, surname, rule_id):
    assert rule_id in alerts_of(surname)


def test_the_three_friends_are_found_together_as_one_co_absence_group(db, demo):
    groups = [
        set(AlertPeer.objects.filter(alert=alert).values_list("pupil__legal_surname", flat=True))
        for alert in Alert.objects.filter(rule_id="pattern_co_absence_group")
    ]
    assert {"Thornbury", "Vellacott", "Ransome"} in groups


def test_the_cme_alert_explains_itself_with_its_evidence_and_source(db, demo):
    alert = Alert.objects.get(rule_id="cme_ten_days", pupil__legal_surname="Ashdown")
    assert alert.explanation and alert.source
    assert alert.evidence
