"""The LA returns and the deletion ground, table by table from statutory.md §3:
- §3.2 attendance (10-day) return: 10 continuous school days recorded G, N, O and/or U;
- §3.3 sickness return: I for 15 school days, consecutive or cumulative, once per period;
- §3.4 reg 9(1)(i): 20 school days of G/N/O only; any other code blocks the ground.
Days from the Testbridge calendar: autumn 2 runs Tue 3 Nov (after the INSET Monday) to
Fri 18 Dec 2026 (PM an INSET afternoon).
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.policy.engine.evaluate import evaluate_full
from tests.policy_engine.conftest import by_rule

D = dt.date


def days_from(school, first: dt.date, count: int) -> list[dt.date]:
    return school.school_days(first, D(2026, 12, 17))[:count]


# (codes for each day of the run, in order, and whether the 10-day return is owed)
RETURNS = [
    (["G"] * 4 + ["N"] * 3 + ["O"] * 2 + ["U"], True, "ten days, G N O U in any mix"),
    (["N"] * 9, False, "nine days"),
    (["N"] * 5 + ["I"] + ["N"] * 5, False, "an authorised day in the middle ends the run [U]"),
    (["N"] * 5 + ["L"] + ["N"] * 5, False, "an L (present) in the middle ends the run [U]"),
    (["O"] * 12, True, "twelve days"),
]


@pytest.mark.parametrize("codes,owed,why", RETURNS, ids=[r[2] for r in RETURNS])
def test_the_ten_day_attendance_return(school, codes, owed, why):
    ada = school.admit("Ada")
    for day, code in zip(days_from(school, D(2026, 11, 3), len(codes)), codes):
        school.mark_days(ada, [day], code)
    found = by_rule(evaluate_full(today=D(2026, 12, 17), organisation=school.organisation), "attendance_return_10_day")
    assert bool(found) is owed
    if owed:
        assert found[0].evidence["school_days"] == len(codes)
        assert found[0].evidence["first_day"] == "2026-11-03"
        assert found[0].evidence["met_on"] == "2026-11-16"  # the 10th school day (2 Nov is INSET)


def test_a_return_stays_owed_after_the_pupil_comes_back_and_each_episode_is_its_own(school):
    ada = school.admit("Ada")
    first = days_from(school, D(2026, 11, 3), 10)
    school.mark_days(ada, first, "N")
    school.present(ada, D(2026, 11, 17), D(2026, 11, 20))
    second = days_from(school, D(2026, 11, 23), 10)
    school.mark_days(ada, second, "O")
    found = by_rule(evaluate_full(today=D(2026, 12, 17), organisation=school.organisation), "attendance_return_10_day")
    assert [(c.episode_key, c.evidence["ongoing"]) for c in found] == [("2026-11-03", False), ("2026-11-23", False)]


def test_the_sickness_return_for_fifteen_days_in_a_row(school):
    ada = school.admit("Ada")
    school.mark_days(ada, days_from(school, D(2026, 11, 3), 15), "I")
    found = by_rule(evaluate_full(today=D(2026, 11, 23), organisation=school.organisation), "sickness_return_15_day")
    assert [(c.evidence["how"], c.evidence["school_days"]) for c in found] == [("consecutive", 15)]
    assert not by_rule(evaluate_full(today=D(2026, 11, 20), organisation=school.organisation), "sickness_return_15_day")


def test_the_sickness_return_for_fifteen_days_counted_across_the_year_once(school):
    ada = school.admit("Ada")
    # Three spells of five days of I (and a half day): 15 days reached on the 15th I day.
    spells = [days_from(school, D(2026, 9, 7), 5), days_from(school, D(2026, 10, 5), 5), days_from(school, D(2026, 11, 9), 5)]
    for spell in spells:
        school.mark_days(ada, spell, "I")
    school.mark(ada, {(D(2026, 12, 1), "AM"): "I"})
    found = by_rule(evaluate_full(today=D(2026, 12, 17), organisation=school.organisation), "sickness_return_15_day")
    assert len(found) == 1
    assert found[0].evidence["how"] == "cumulative"
    assert found[0].evidence["school_days"] == 15.5
    assert found[0].evidence["reached_on"] == "2026-11-13"
    assert found[0].episode_key == "2026/27 cumulative"


# (days of G/N/O so far, warned?, ground met?)
DELETION = [(14, False, False), (15, True, False), (19, True, False), (20, True, True)]


@pytest.mark.parametrize("days,warned,met", DELETION)
def test_the_twenty_day_deletion_ground_is_warned_at_fifteen_and_met_at_twenty(school, days, warned, met):
    ada = school.admit("Ada")
    run = days_from(school, D(2026, 11, 3), days)
    school.mark_days(ada, run, "O")
    found = by_rule(evaluate_full(today=run[-1], organisation=school.organisation), "deletion_ground_20_day")
    assert bool(found) is warned
    if found:
        assert found[0].evidence["ground_met"] is met
        assert found[0].evidence["twentieth_school_day"] == "2026-11-30"
        assert "jointly make reasonable enquiries" in found[0].explanation
        assert found[0].severity == ("high" if met else "medium")


def test_an_i_inside_the_twenty_days_blocks_the_ground(school):
    ada = school.admit("Ada")
    run = days_from(school, D(2026, 11, 3), 21)
    school.mark_days(ada, run, "N")
    school.mark_days(ada, [run[10]], "I")
    assert not by_rule(evaluate_full(today=run[-1], organisation=school.organisation), "deletion_ground_20_day")


def test_a_u_inside_the_twenty_days_blocks_the_ground_but_not_the_ten_day_return(school):
    ada = school.admit("Ada")
    run = days_from(school, D(2026, 11, 3), 20)
    school.mark_days(ada, run, "G")
    school.mark_days(ada, [run[12]], "U")
    candidates = evaluate_full(today=run[-1], organisation=school.organisation)
    assert not by_rule(candidates, "deletion_ground_20_day")
    assert by_rule(candidates, "attendance_return_10_day")[0].evidence["school_days"] == 20


def test_the_deletion_ground_counts_sessions_so_a_run_from_an_afternoon_meets_it_twenty_days_on(school):
    # docs/absence-episodes.md [U]: 40 sessions are 20 school days, whichever session they start on.
    ada = school.admit("Ada")
    run = days_from(school, D(2026, 11, 3), 21)
    school.mark(ada, {(run[0], "AM"): "/", (run[0], "PM"): "O"})
    school.mark_days(ada, run[1:20], "O")
    found = by_rule(evaluate_full(today=run[19], organisation=school.organisation), "deletion_ground_20_day")[0]
    assert (found.evidence["sessions"], found.evidence["school_days"], found.evidence["ground_met"]) == (39, 19.5, False)
    assert found.evidence["twentieth_school_day"] == run[20].isoformat()
    school.mark(ada, {(run[20], "AM"): "O"})
    found = by_rule(evaluate_full(today=run[20], organisation=school.organisation), "deletion_ground_20_day")[0]
    assert (found.evidence["sessions"], found.evidence["ground_met"]) == (40, True)
