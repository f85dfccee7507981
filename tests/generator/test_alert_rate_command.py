"""`safewell alert_rate` on a small generated population: the issue 11 figure counts the
alerts a DSL must act on, and a worklist's entries (persistent absence, the 15-day sickness
return, the penalty threshold) apart from them, since they are worked through, not alerted."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from safewell.policy.routing import ROUTE_DSL, WORKLIST_RULES, route_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(db):
    call_command("generate", "--pupils", "300", "--schools", "3", "--year", "2025/26", "--seed", "3",
                 "--no-progress", stdout=StringIO())
    output = StringIO()
    call_command("alert_rate", "--start", "2026-01-05", "--days", "3", "--json", stdout=output)
    return json.loads(output.getvalue())


def test_new_dsl_alerts_are_the_dsl_rules_that_are_not_worklists(figures):
    assert figures["pupils"] == 300 and figures["school_days"] == 3
    dsl_rules = {rule for rule in figures["new_alerts_by_rule"] if route_for(rule) == ROUTE_DSL}
    assert set(figures["new_dsl_alerts_by_rule"]) == dsl_rules - WORKLIST_RULES
    assert set(figures["new_worklist_entries_by_rule"]) == set(figures["new_alerts_by_rule"]) & WORKLIST_RULES
    assert figures["new_dsl_alerts"] == sum(figures["new_dsl_alerts_by_rule"].values())
    expected_rate = round(1000 * figures["new_dsl_alerts"] / 300 / 3, 2)
    assert figures["new_dsl_alerts_per_1000_pupils_per_school_day"] == expected_rate


def test_the_population_gives_it_something_to_count(figures):
    assert sum(figures["new_alerts_by_rule"].values()) > 0
    # The school days from --start on (an INSET day at the start of term is not one).
    days = [day["day"] for day in figures["by_day"]]
    assert len(days) == 3 and days == sorted(days) and days[0] == figures["first_day"] >= "2026-01-05"
