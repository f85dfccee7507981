"""The demo settings run the profiles of their seeds (safewell/demo/policy.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.demo.demo_data.plan import demo_plan
from safewell.demo import policy as demo
from safewell.policy.models import Alert, PolicyProfile
from safewell.policy.profile_selectors import profile_for
from safewell.schools.models import Organisation, OrganisationKind, Site

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def demo_settings() -> tuple[Organisation, Organisation]:
    made = []
    for key, kind in (("ap", OrganisationKind.ALTERNATIVE_PROVISION), ("special", OrganisationKind.SCHOOL)):
        organisation = Organisation.objects.create(name=demo_plan().organisation(key).name, kind=kind)
        Site.objects.create(organisation=organisation, name=f"{key} site", code=f"demo-{key}")
        made.append(organisation)
    return made[0], made[1]


def test_the_ap_runs_seed_000_and_the_special_school_seed_004(demo_settings):
    ap, special = demo_settings
    demo.load(today=TODAY)
    assert profile_for(ap).name == "seed-000-ap"
    assert profile_for(special).name == "seed-004-special"


def test_loading_twice_installs_no_second_version(demo_settings):
    demo.load(today=TODAY)
    demo.load(today=TODAY)
    assert sorted(PolicyProfile.objects.values_list("name", "version")) == [("seed-000-ap", 1), ("seed-004-special", 1)]


def test_the_special_schools_overdue_review_is_an_alert_and_the_aps_is_not(demo_settings):
    ap, special = demo_settings
    demo.load(today=TODAY)
    [alert] = Alert.objects.filter(rule_id="policy_review_due")
    assert alert.organisation == special
    assert alert.evidence["overdue"] is True
    assert alert.episode_key == "review:2026-09-01"
