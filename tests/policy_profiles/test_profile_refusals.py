"""A profile with an unknown rule, a negative threshold, a weakened statutory minimum or a bad
channel is refused whole, naming the YAML line and the field (issue 5, "Bad input")."""

from __future__ import annotations

import subprocess
import sys

import pytest

from safewell.policy.profiles import (
    CONTINUOUS_AFTER_CME,
    PENALTY_NOTICE_NOT_FOR_DSL,
    STATUTORY_MINIMUMS,
    ProfileInvalid,
    profile_parse,
)
from tests.policy_profiles.profile_texts import MINIMAL, line_of, with_rules


def refusal(text: str, **options) -> ProfileInvalid:
    with pytest.raises(ProfileInvalid) as caught:
        profile_parse(text, **options)
    return caught.value


def the_only_error(text: str):
    errors = refusal(text).errors
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_the_minimal_profile_is_valid():
    assert profile_parse(MINIMAL).rules["continuous_absence"].school_days == 3


# (what is wrong, the rule block, the text on the bad line, the field named, words in the message)
REFUSALS = [
    ("an unknown rule", "pattern_full_moon:\n  min_share: 0.5\n", "pattern_full_moon:", "rules.pattern_full_moon",
     "not a rule Safewell knows"),
    ("a misspelt rule", "persistant_absence:\n  percent: 10\n", "persistant_absence:", "rules.persistant_absence",
     "did you mean 'persistent_absence'"),
    ("a negative threshold", "pattern_lateness:\n  late_sessions: -3\n", "late_sessions", "rules.pattern_lateness.late_sessions",
     "must be at least 1"),
    ("a negative school-day count", "cme_ten_days:\n  school_days: -10\n", "school_days: -10", "rules.cme_ten_days.school_days",
     "must be at least 1"),
    ("a share above one", "pattern_day_of_week:\n  min_share: 1.5\n", "min_share", "rules.pattern_day_of_week.min_share",
     "at most 1"),
    ("a bad channel", "severe_absence:\n  channels: [in_app, fax]\n", "fax", "rules.severe_absence.channels[1]",
     "'fax' is not allowed here"),
    ("a channel listed twice", "severe_absence:\n  channels: [email, email]\n", "[email, email]", "rules.severe_absence.channels",
     "listed twice"),
    ("no channel at all", "severe_absence:\n  channels: []\n", "channels: []", "rules.severe_absence.channels",
     "at least 1"),
    ("an unknown recipient", "severe_absence:\n  notify: [dsl, headteacher]\n", "headteacher", "rules.severe_absence.notify[1]",
     "'headteacher' is not allowed here"),
    ("an unknown field of a rule", "persistent_absence:\n  percentage: 10\n", "percentage", "rules.persistent_absence.percentage",
     "did you mean 'percent'"),
    ("a bad severity", "severe_absence:\n  severity: catastrophic\n", "catastrophic", "rules.severe_absence.severity",
     "'low', 'medium', 'high' or 'urgent'"),
    ("a number written as text", "cme_ten_days:\n  school_days: \"8\"\n", 'school_days: "8"', "rules.cme_ten_days.school_days",
     "must be a whole number"),
    ("a bad period", "persistent_absence:\n  period: fortnight\n", "fortnight", "rules.persistent_absence.period",
     "'year_to_date' or 'term_to_date'"),
    ("a statutory rule turned off", "attendance_return_10_day:\n  enabled: false\n", "enabled: false",
     "rules.attendance_return_10_day.enabled", "cannot be turned off"),
    ("the penalty-notice threshold sent to the DSL", "penalty_notice_threshold:\n  notify: [attendance_officer, dsl]\n",
     "notify: [attendance_officer, dsl]", "rules.penalty_notice_threshold.notify", PENALTY_NOTICE_NOT_FOR_DSL.format(recipient="dsl")),
    ("vulnerable children without looked-after children",
     "vulnerable_unexplained_absence:\n  vulnerable_if: [child_protection_plan, child_in_need]\n",
     "vulnerable_if", "rules.vulnerable_unexplained_absence.vulnerable_if", "must cover looked_after"),
    ("acknowledging in zero hours", "severe_absence:\n  acknowledge_within_hours: 0\n", "acknowledge_within_hours: 0",
     "rules.severe_absence.acknowledge_within_hours", "must be at least 1"),
]


@pytest.mark.parametrize(("what", "block", "bad_line", "field", "words"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_it_refuses_a_profile_naming_the_line_and_the_field(what, block, bad_line, field, words):
    text = with_rules(block)
    error = the_only_error(text)
    assert error.line == line_of(text, bad_line)
    assert error.field == field
    assert words in error.message


# The statutory minimums as statutory.md states them: (field, the figure, a weaker value, a stricter value).
WEAKENINGS = [
    ("rules.cme_ten_days.school_days", 10, 12, 8),                         # seed 000 §7, seed 004
    ("rules.attendance_return_10_day.school_days", 10, 11, 9),             # §3.2
    ("rules.sickness_return_15_day.school_days", 15, 20, 10),              # §3.3
    ("rules.deletion_ground_20_day.warn_at_school_days", 20, 21, 12),      # §3.4
    ("rules.persistent_absence.percent", 10, 12.5, 9),                     # §2
    ("rules.severe_absence.percent", 50, 60, 40),                          # §2
    ("rules.penalty_notice_threshold.unauthorised_sessions", 10, 12, 8),   # §4
    ("rules.penalty_notice_threshold.school_weeks", 10, 8, 12),            # §4 (a longer window is stricter)
    ("deadlines.n_code_resolved_within_school_days", 5, 6, 3),             # §1, reg 10(7)-(9)
    ("deadlines.return_home_interview_within_hours", 72, 96, 48),          # §7.2
]


def test_every_statutory_minimum_is_in_the_table():
    assert {row[0] for row in WEAKENINGS} == set(STATUTORY_MINIMUMS)


def _setting(key: str, value) -> str:
    """A profile setting `key` (dotted) to `value`: the rule under rules:, a deadline on its own."""
    parts = key.split(".")
    if parts[0] == "rules":
        return with_rules(f"{parts[1]}:\n  {parts[2]}: {value}\n")
    return MINIMAL + f"{parts[0]}:\n  {parts[1]}: {value}\n"


@pytest.mark.parametrize(("key", "figure", "weaker", "stricter"), WEAKENINGS, ids=[r[0] for r in WEAKENINGS])
def test_it_refuses_a_weakened_statutory_minimum_with_its_citation(key, figure, weaker, stricter):
    text = _setting(key, weaker)
    error = the_only_error(text)
    field_name = key.rsplit(".", 1)[1]
    assert error.field == key
    assert error.line == line_of(text, f"{field_name}: {weaker}")
    assert "would weaken a statutory minimum" in error.message
    assert STATUTORY_MINIMUMS[key].citation in error.message
    assert f"[{STATUTORY_MINIMUMS[key].certainty}]" in error.message


@pytest.mark.parametrize(("key", "figure", "weaker", "stricter"), WEAKENINGS, ids=[r[0] for r in WEAKENINGS])
def test_it_accepts_a_stricter_figure_and_the_statutory_figure_itself(key, figure, weaker, stricter):
    for value in (stricter, figure):
        profile = profile_parse(_setting(key, value))
        section, *rest = key.split(".")
        holder = profile.rules[rest[0]] if section == "rules" else profile.deadlines
        assert getattr(holder, rest[-1]) == value


def test_it_accepts_the_cme_step_at_8_school_days_and_refuses_it_at_12():
    assert profile_parse(with_rules("cme_ten_days:\n  school_days: 8\n")).rules["cme_ten_days"].school_days == 8
    error = the_only_error(with_rules("cme_ten_days:\n  school_days: 12\n"))
    assert "must be at most 10 school days" in error.message


def test_it_names_the_defaults_line_when_a_bad_value_comes_from_defaults():
    text = MINIMAL.replace("channels: [in_app, email]", "channels: [in_app, pigeon]")
    error = the_only_error(text)
    assert (error.line, error.field) == (line_of(text, "pigeon"), "defaults.channels[1]")


def test_it_refuses_an_unknown_top_level_field():
    text = MINIMAL + "thresholds:\n  pa: 10\n"
    error = the_only_error(text)
    assert (error.line, error.field) == (line_of(text, "thresholds:"), "thresholds")
    assert "not a setting here" in error.message


def test_it_refuses_an_unknown_option():
    text = MINIMAL + "options:\n  tell_the_press: true\n"
    error = the_only_error(text)
    assert (error.line, error.field) == (line_of(text, "tell_the_press"), "options.tell_the_press")


@pytest.mark.parametrize("block,words", [
    ('  message_families_from: "18:00"\n  message_families_until: "08:00"\n', "18:00 is not before 08:00"),
    ('  send_messages_at: "07:30"\n', "send_messages_at (07:30) must fall within the hours for messages to families"),
])
def test_it_refuses_hours_for_families_that_cannot_be_kept(block, words):
    error = the_only_error(MINIMAL + "first_day_calling:\n" + block)
    assert error.field.startswith("first_day_calling") and words in error.message


def test_it_refuses_a_key_given_twice_naming_both_lines():
    text = with_rules("severe_absence:\n  percent: 50\n  percent: 90\n")
    error = the_only_error(text)
    first, second = line_of(text, "percent: 50"), line_of(text, "percent: 90")
    assert error.line == second and error.field == "rules.severe_absence.percent"
    assert f"line {first} and line {second}" in error.message


def test_it_refuses_a_continuous_absence_alert_after_the_cme_step():
    text = MINIMAL.replace("school_days: 3", "school_days: 9") + "  cme_ten_days:\n    school_days: 8\n"
    error = the_only_error(text)
    assert error.field == "rules.continuous_absence.school_days"
    assert error.line == line_of(text, "school_days: 9")
    assert error.message == CONTINUOUS_AFTER_CME.format(continuous=9, cme=8)


def test_it_refuses_a_review_date_before_the_last_review():
    text = MINIMAL.replace("next_review_on: 2027-09-01", "next_review_on: 2026-08-01")
    error = the_only_error(text)
    assert (error.line, error.field) == (line_of(text, "next_review_on"), "next_review_on")


def test_it_reports_every_problem_at_once_in_line_order():
    text = with_rules("""\
        cme_ten_days:
          school_days: 12
        severe_absence:
          channels: [fax]
        pattern_full_moon: {}
        """)
    errors = refusal(text).errors
    assert [e.field for e in errors] == [
        "rules.cme_ten_days.school_days", "rules.severe_absence.channels[0]", "rules.pattern_full_moon",
    ]
    assert [e.line for e in errors] == sorted(e.line for e in errors)


def test_it_refuses_text_that_is_not_yaml_with_the_line():
    text = MINIMAL + "rules: [unclosed\n"
    error = the_only_error(text)
    assert error.line is not None and error.line >= line_of(text, "[unclosed")
    assert "not valid YAML" in error.message


@pytest.mark.parametrize("text", ["", "- a list\n", "just words\n"])
def test_it_refuses_a_document_that_is_not_a_mapping(text):
    assert "A profile is a YAML mapping" in the_only_error(text).message


def test_it_refuses_a_profile_for_another_kind_of_organisation():
    text = MINIMAL.replace("organisation_kind: any", "organisation_kind: alternative_provision")
    errors = refusal(text, organisation_kind="school").errors
    assert [(e.line, e.field) for e in errors] == [(line_of(text, "organisation_kind"), "organisation_kind")]


def test_policy_validate_prints_each_error_with_line_and_field_and_exits_1(tmp_path):
    path = tmp_path / "weak.yaml"
    text = with_rules("cme_ten_days:\n  school_days: 12\nsevere_absence:\n  channels: [fax]\n")
    path.write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "safewell.config.cli", "policy_validate", str(path)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{path}:{line_of(text, 'school_days: 12')}: rules.cme_ten_days.school_days: 12 school days would weaken" in result.stderr
    assert any(line.startswith(f"{path}:{line_of(text, 'fax')}: rules.severe_absence.channels[0]:") for line in lines)
    assert result.stdout == ""


def test_yaml_aliases_cannot_expand_a_small_file_into_a_huge_document():
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        laughs += f"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
    assert "expands to more than" in the_only_error(laughs).message



def test_a_pattern_named_alone_runs_at_its_default_thresholds():
    profile = profile_parse(with_rules("pattern_pe_swimming:\n"))
    pe = profile.rules["pattern_pe_swimming"]
    assert pe.enabled and pe.min_missed_lessons == 3 and pe.notify == ["dsl"]
    assert not profile.rules["pattern_subject"].enabled  # a pattern not named stays off
