"""Persistent (≥ 10%) and severe (≥ 50%) absence over the year to date from admission
(statutory.md §2 [S]; Monitor your school attendance counts from the admission date [C]),
in whole numbers, with the period in the evidence; and the same counts as the attendance
summaries give.

From Thursday 3 September to Thursday 19 November 2026 North holds 50 school days (half
term and the INSET Monday 2 November excluded): 100 possible sessions when all are marked.
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance import summaries
from safewell.policy.engine.evaluate import evaluate_full
from tests.policy_engine.conftest import by_rule

D = dt.date
TODAY = D(2026, 11, 19)


@pytest.fixture
def ada(school):
    pupil = school.admit("Ada")
    school.present(pupil, D(2026, 9, 3), TODAY)
    assert len(school.school_days(D(2026, 9, 3), TODAY)) == 50
    return pupil


def absent(school, pupil, sessions: int, code: str = "I") -> None:
    keys = [(d, s) for d in school.school_days(D(2026, 9, 7), TODAY) for s in ("AM", "PM")][:sessions]
    school.mark(pupil, {key: code for key in keys})


# (absent sessions of 100, persistent?, severe?)
RATES = [(9, False, False), (10, True, False), (11, True, False), (49, True, False), (50, True, True)]


@pytest.mark.parametrize("sessions,persistent,severe", RATES)
def test_persistent_absence_from_exactly_ten_percent_and_severe_from_fifty(school, ada, sessions, persistent, severe):
    absent(school, ada, sessions)
    candidates = evaluate_full(today=TODAY, organisation=school.organisation)
    assert bool(by_rule(candidates, "persistent_absence")) is persistent
    assert bool(by_rule(candidates, "severe_absence")) is severe


def test_the_period_is_stated_and_the_counts_are_the_summaries_counts(school, ada):
    absent(school, ada, 6, "I")
    absent_more = [(d, s) for d in school.school_days(D(2026, 11, 9), TODAY) for s in ("AM",)][:4]
    school.mark(ada, {key: "O" for key in absent_more})
    found = by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "persistent_absence")[0]
    period = found.evidence["period"]
    assert period["label"] == "2026/27 year to date, 1 September 2026 to 19 November 2026"
    assert found.episode_key == "2026/27"
    summary = summaries.summarise_pupil(ada.pk, period=summaries.year_to_date(
        organisation_id=school.organisation.pk, as_of=TODAY), today=TODAY)[0].sessions
    assert (found.evidence["possible_sessions"], found.evidence["absent_sessions"]) == (
        summary.possible_sessions, summary.overall_absence) == (100, 10)
    assert found.evidence["unauthorised_sessions"] == summary.unauthorised_absence == 4


def test_a_pupil_admitted_mid_year_is_counted_from_admission(school):
    eve = school.admit("Eve", admitted=D(2026, 11, 3))
    school.present(eve, D(2026, 11, 3), TODAY)
    school.mark(eve, {(d, "AM"): "N" for d in school.school_days(D(2026, 11, 3), D(2026, 11, 6))})
    found = by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "persistent_absence", eve)[0]
    assert found.evidence["possible_sessions"] == 26  # 13 school days from 3 November
    assert found.evidence["period"]["start"] == "2026-11-03"


def test_no_rate_alert_before_two_school_weeks_of_possible_sessions(school):
    bea = school.admit("Bea")
    school.mark(bea, {(D(2026, 9, 3), "AM"): "O", (D(2026, 9, 3), "PM"): "\\"})
    assert not by_rule(evaluate_full(today=D(2026, 9, 3), organisation=school.organisation), "persistent_absence")
