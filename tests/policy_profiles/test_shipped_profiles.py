"""The three shipped profiles validate and say what their seed policies say."""

from __future__ import annotations

import datetime as dt
from typing import get_args

import pytest
from django.core.management import call_command

from safewell.policy import rule_ids
from safewell.policy.models import Channel as ChannelChoice
from safewell.policy.models import Severity as SeverityChoice
from safewell.policy.profiles import (
    SHIPPED_PROFILE_NAMES,
    SHIPPED_PROFILES_DIR,
    Channel,
    OrganisationKindName,
    Severity,
    profile_from_json,
    profile_parse,
    shipped_profile,
    shipped_profile_text,
)
from safewell.schools.models import OrganisationKind

# The issue 5 contract's fixed list of rule ids, with the two of issue 6.
CONTRACT_RULE_IDS = {
    "continuous_absence", "cme_ten_days", "attendance_return_10_day", "sickness_return_15_day",
    "deletion_ground_20_day", "persistent_absence", "severe_absence", "penalty_notice_threshold",
    "pattern_day_of_week", "pattern_adjacent_to_weekend", "pattern_subject", "pattern_teacher",
    "pattern_pe_swimming", "pattern_lateness", "pattern_missing_lessons_on_site",
    "pattern_co_absence_group", "pattern_drop_from_baseline", "vulnerable_unexplained_absence",
    "policy_review_due",
    # Issue 6: first-day calling's escalation ladder, and no contact with a safeguarding flag.
    "first_day_contact_ladder", "no_contact_safeguarding",
}
# Issue 7's case-work rules, raised by the safeguarding app from its own records.
CONTRACT_RULE_IDS |= {
    "concern_awaiting_triage", "cme_notification_due", "return_home_interview_due",
    "repeat_missing_episodes", "reintegration_review_overdue",
}


def test_the_rule_ids_are_the_contracts_list_each_with_a_meaning_and_a_source():
    assert rule_ids.RULE_IDS == CONTRACT_RULE_IDS
    assert all(rule.meaning and rule.source for rule in rule_ids.RULES)


@pytest.mark.parametrize("name", SHIPPED_PROFILE_NAMES)
def test_every_shipped_profile_validates_and_covers_every_rule(name):
    profile = profile_parse(shipped_profile_text(name))
    assert profile.name == name
    assert set(profile.rules) == CONTRACT_RULE_IDS


@pytest.mark.parametrize("name", SHIPPED_PROFILE_NAMES)
def test_every_shipped_profile_reads_back_the_same_from_its_stored_json(name):
    profile = shipped_profile(name)
    assert profile_from_json(profile.to_json()) == profile


def test_the_profiles_directory_holds_exactly_the_shipped_profiles():
    assert sorted(p.stem for p in SHIPPED_PROFILES_DIR.glob("*.yaml")) == sorted(SHIPPED_PROFILE_NAMES)


@pytest.mark.parametrize("name", SHIPPED_PROFILE_NAMES)
def test_every_enabled_setting_of_a_shipped_profile_cites_its_source(name):
    for rule_id, settings in shipped_profile(name).enabled_rules().items():
        assert settings.citation, f"{name}: {rule_id} has no citation"


# statutory.md, read as the regulations and guidance state them (not from our code).
NATIONAL_MINIMUMS = [
    ("cme_ten_days", "school_days", 10),                        # seed 000 §7; seed 004; §3.2
    ("attendance_return_10_day", "school_days", 10),            # §3.2 [S]
    ("sickness_return_15_day", "school_days", 15),              # §3.3 [S]
    ("persistent_absence", "percent", 10),                      # §2 [S]
    ("severe_absence", "percent", 50),                          # §2 [S]
    ("penalty_notice_threshold", "unauthorised_sessions", 10),  # §4 [S]
    ("penalty_notice_threshold", "school_weeks", 10),           # §4 [S]
]


@pytest.mark.parametrize(("rule_id", "field", "figure"), NATIONAL_MINIMUMS)
def test_the_statutory_profile_holds_the_national_figures(rule_id, field, figure):
    settings = shipped_profile("statutory").rules[rule_id]
    assert settings.enabled
    assert getattr(settings, field) == figure


def test_the_statutory_profile_holds_the_statutory_deadlines():
    deadlines = shipped_profile("statutory").deadlines
    assert deadlines.n_code_resolved_within_school_days == 5   # reg 10(7)-(9), statutory.md §1
    assert deadlines.return_home_interview_within_hours == 72  # DfE 2014 guidance, statutory.md §7.2


def test_the_statutory_profile_warns_before_the_20_day_deletion_ground():
    assert shipped_profile("statutory").rules["deletion_ground_20_day"].warn_at_school_days < 20


def test_the_statutory_profile_leaves_the_patterns_off():
    profile = shipped_profile("statutory")
    assert not any(settings.enabled for rule_id, settings in profile.rules.items() if rule_id.startswith("pattern_"))


def test_the_penalty_notice_threshold_goes_to_attendance_officers_only_in_every_shipped_profile():
    for name in SHIPPED_PROFILE_NAMES:
        notify = shipped_profile(name).rules["penalty_notice_threshold"].notify
        assert notify == ["attendance_officer"], name


def test_the_ap_profile_tells_the_placing_school_the_same_day_and_the_la_at_10_school_days():
    profile = shipped_profile("seed-000-ap")
    assert profile.organisation_kind == "alternative_provision"
    assert profile.options.placing_school_notification == "same_day"
    cme = profile.rules["cme_ten_days"]
    assert cme.school_days == 10
    assert {"local_authority", "placing_school"} <= set(cme.notify)


def test_the_ap_profile_tells_the_dsl_immediately_of_no_contact_and_a_safeguarding_concern():
    vulnerable = shipped_profile("seed-000-ap").rules["vulnerable_unexplained_absence"]
    assert vulnerable.enabled and "dsl" in vulnerable.notify
    assert vulnerable.severity == "urgent"
    assert vulnerable.acknowledge_within_hours == 1


def test_the_ap_profile_is_reviewed_annually():
    profile = shipped_profile("seed-000-ap")
    assert (profile.next_review_on - profile.reviewed_on).days in (365, 366)


def test_the_special_school_profile_follows_seed_004():
    profile = shipped_profile("seed-004-special")
    assert profile.rules["cme_ten_days"].school_days == 10
    assert "local_authority" in profile.rules["cme_ten_days"].notify
    assert profile.options.cme_requires_safe_and_well_check is True
    assert profile.options.over_18_parent_notification is False
    assert profile.options.continuous_absence_online_review is True
    # A deputy DSL per site and the lead DSL.
    assert profile.defaults.notify == ["deputy_dsl", "dsl"]


def test_the_special_school_profile_turns_every_pattern_on():
    profile = shipped_profile("seed-004-special")
    patterns = {rule_id: s.enabled for rule_id, s in profile.rules.items() if rule_id.startswith("pattern_")}
    assert len(patterns) == 9 and all(patterns.values())


def test_the_special_school_profile_is_overdue_for_review_on_22_november_2026():
    profile = shipped_profile("seed-004-special")
    assert profile.next_review_on == dt.date(2026, 9, 1)  # "Next Review – September 2026"
    assert profile.review_is_overdue(today=dt.date(2026, 11, 22))


def test_the_schema_vocabulary_matches_the_models_choices():
    assert set(get_args(Channel)) == set(ChannelChoice.values)
    assert set(get_args(Severity)) == set(SeverityChoice.values)
    assert set(get_args(OrganisationKindName)) == set(OrganisationKind.values) | {"any"}


@pytest.mark.parametrize("name", SHIPPED_PROFILE_NAMES)
def test_policy_validate_accepts_each_shipped_profile(name, capsys):
    call_command("policy_validate", str(SHIPPED_PROFILES_DIR / f"{name}.yaml"))
    assert f"valid profile '{name}'" in capsys.readouterr().out


def test_profile_rules_read_by_rule_id_and_by_attribute():
    rules = shipped_profile("statutory").rules
    assert isinstance(rules, dict)
    assert rules["cme_ten_days"] is rules.cme_ten_days
    with pytest.raises(AttributeError):
        rules.pattern_full_moon  # noqa: B018
