"""The penalty-notice threshold, from statutory.md §4 [S]: 10 sessions of unauthorised
absence (G, N, O, U in any mix) within a rolling 10 school weeks; a school week is any week
with at least one session, so a holiday week is not one and the window reaches further
back; the weeks may span terms and school years. An attendance-officer alert, never a DSL
one.

The ten school weeks ending with the week of Monday 9 November 2026 (Testbridge calendar):
9 Nov, 2 Nov, (26 Oct is half term: not a school week), 19 Oct, 12 Oct, 5 Oct, 28 Sep,
21 Sep, 14 Sep, 7 Sep, and 31 Aug (whose Thursday 3 and Friday 4 September are school days).
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.policy.engine.evaluate import evaluate_full
from safewell.policy.engine.evaluate import evaluate_and_sync
from tests.policy_engine.conftest import by_rule

D = dt.date
TODAY = D(2026, 11, 13)
NOVEMBER = [(D(2026, 11, d), s) for d in (3, 4, 5, 6, 9) for s in ("AM", "PM")]


@pytest.mark.parametrize("first,count,met,why", [
    ((D(2026, 9, 3), "AM"), 9, True, "3 September is in the 10th school week back: the half-term week is skipped"),
    ((D(2026, 9, 3), "AM"), 8, False, "nine sessions do not meet the threshold"),
    ((D(2026, 8, 31), "AM"), 9, False, "31 August is not a school day (and the week before has none)"),
])
def test_ten_unauthorised_sessions_in_ten_school_weeks_across_a_holiday_week(school, first, count, met, why):
    ada = school.admit("Ada", admitted=D(2026, 8, 31))
    marks = {(d, s): "G" if i < 4 else "U" for i, (d, s) in enumerate(NOVEMBER[:count])}
    if first[0].weekday() < 5 and school.calendar().is_school_day(first[0]):
        marks[first] = "O"
    school.mark(ada, marks)
    found = by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "penalty_notice_threshold")
    assert bool(found) is met
    if met:
        evidence = found[0].evidence
        assert evidence["sessions_in_window"] == 10
        assert evidence["window_from"] == "2026-08-31"
        assert "2026-10-26" not in evidence["school_weeks"] and len(evidence["school_weeks"]) == 10
        assert evidence["routed_to_role"] == "attendance_officer"


def test_the_episode_starts_the_day_the_threshold_was_first_met_and_continues(school):
    ada = school.admit("Ada")
    school.mark(ada, {key: "N" for key in NOVEMBER})  # the 10th session is Mon 9 November PM
    for today in (D(2026, 11, 9), D(2026, 11, 13), D(2026, 11, 20)):
        found = by_rule(evaluate_full(today=today, organisation=school.organisation), "penalty_notice_threshold")
        assert [c.episode_key for c in found] == ["2026-11-09"]
    assert not by_rule(evaluate_full(today=D(2026, 11, 6), organisation=school.organisation), "penalty_notice_threshold")


def test_the_window_spans_school_years(school):
    # 5 sessions on the last two days of 2026/27 and 5 in the first week of 2027/28.
    ada = school.admit("Ada")
    school.mark(ada, {(d, s): "O" for d in (D(2027, 7, 20), D(2027, 7, 21)) for s in ("AM", "PM")})
    school.mark(ada, {(D(2027, 7, 19), "PM"): "G"})
    school.mark(ada, {(d, s): "N" for d in (D(2027, 9, 2), D(2027, 9, 3)) for s in ("AM", "PM")})
    school.mark(ada, {(D(2027, 9, 6), "AM"): "U"})
    found = by_rule(evaluate_full(today=D(2027, 9, 6), organisation=school.organisation), "penalty_notice_threshold")
    assert found and found[0].evidence["sessions_in_window"] == 10
    assert found[0].evidence["window_from"] < "2027-08-01"


def test_the_penalty_notice_alert_goes_to_attendance_officers_never_the_dsl(school):
    ada = school.admit("Ada")
    school.mark(ada, {key: "N" for key in NOVEMBER})
    from django.utils import timezone

    report = evaluate_and_sync(today=TODAY, now=timezone.now(), organisation_ids=[school.organisation.pk])
    from safewell.policy.models import Alert

    alert = Alert.objects.get(rule_id="penalty_notice_threshold", pupil=ada)
    assert alert.pk in report.ids("opened")
    assert alert.routed_to_role == "attendance_officer"
