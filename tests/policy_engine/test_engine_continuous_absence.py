"""Continuous absence and the CME step, worked by hand from the calendar (tests/schools/
conftest.py, the Testbridge calendar) and the rules (statutory.md §9: school days are days
the school meets; seed 000 §7 and seed 004: 10 school days, whereabouts unknown → tell the
LA and make a safe-and-well check).

The worked example of the calendar issue: last seen Friday 23 October 2026; half term
26–30 October; Monday 2 November is an INSET day. Absence days: Tue 3 (1), Wed 4 (2),
Thu 5 (3), Fri 6 (4), Mon 9 (5), Tue 10 (6), Wed 11 (7), Thu 12 (8), Fri 13 (9),
Mon 16 November (10).
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.policy.engine.evaluate import evaluate_full
from tests.policy_engine.conftest import by_rule

D = dt.date
LAST_SEEN = D(2026, 10, 23)
TENTH_DAY = D(2026, 11, 16)


@pytest.fixture
def absent_after_half_term(school):
    """Ada: present up to Friday 23 October, then N every session from Tuesday 3 November."""
    ada = school.admit("Ada")
    school.present(ada, D(2026, 9, 3), LAST_SEEN)
    school.mark_days(ada, school.school_days(D(2026, 11, 3), TENTH_DAY), "N")
    return ada


# (today, school days absent, continuous_absence?, cme_ten_days?)
WORKED_EXAMPLE = [
    (D(2026, 11, 4), 2, False, False),  # below the 3 days of the statutory profile
    (D(2026, 11, 5), 3, True, False),
    (D(2026, 11, 13), 9, True, False),
    (TENTH_DAY, 10, True, True),
]


@pytest.mark.parametrize("today,days,continuous,cme", WORKED_EXAMPLE)
def test_the_worked_example_across_half_term_and_an_inset_day(school, absent_after_half_term, today, days, continuous, cme):
    candidates = evaluate_full(today=today, organisation=school.organisation)
    found = by_rule(candidates, "continuous_absence", absent_after_half_term)
    assert bool(found) is continuous
    assert bool(by_rule(candidates, "cme_ten_days", absent_after_half_term)) is cme
    if found:
        evidence = found[0].evidence
        assert evidence["school_days"] == days
        assert evidence["first_day"] == "2026-11-03"
        assert evidence["last_school_day_before"] == "2026-10-23"
        # The LA must be told by the 10th school day: Monday 16 November, whatever today is.
        assert evidence["cme_due_on"] == "2026-11-16"
        assert found[0].episode_key == "2026-11-03"


def test_the_cme_alert_says_the_la_is_due_on_the_tenth_school_day_and_a_safe_and_well_check(school, absent_after_half_term):
    cme = by_rule(evaluate_full(today=TENTH_DAY, organisation=school.organisation), "cme_ten_days")[0]
    assert cme.evidence["la_notification_due_on"] == "2026-11-16"
    assert cme.evidence["safe_and_well_check"] == "needed"
    assert "Monday 16 November 2026" in cme.explanation
    assert "safe-and-well check" in cme.explanation
    assert cme.evidence["dates"] == [d.isoformat() for d in school.school_days(D(2026, 11, 3), TENTH_DAY)]
    assert cme.evidence["sessions_by_code"] == {"N": 20}
    assert "s436A" in cme.source


# What a contact attempt during (or before) the run says, and whether the CME step is still
# met on the 10th day, Mon 16 Nov (seed 000 §7: "absent ... for 10 school days or more, and
# their whereabouts are unknown"; statutory.md §7.1 [C]: unknown whereabouts is "missing").
# Word of where the child is counts for the last 5 school days of the run (Tue 10 – Mon 16).
# (day of the attempt, outcome, whereabouts known, child seen, channel, CME met?)
WHEREABOUTS = [
    (D(2026, 11, 12), "reached", True, False, "phone", False),   # a parent says where the child is
    (D(2026, 11, 10), "reached", None, True, "home_visit", False),  # seen on a home visit
    (D(2026, 11, 9), "reached", True, False, "phone", True),    # said on day 5: stale by day 10
    (D(2026, 11, 12), "reached", False, False, "phone", True),  # the parent does not know either
    (D(2026, 11, 12), "no_answer", None, False, "phone", True),  # no one reached
    (D(2026, 10, 20), "reached", True, False, "phone", True),   # known before the run began: no help now
]


@pytest.mark.parametrize("day,outcome,known,seen,channel,cme", WHEREABOUTS)
def test_whereabouts_established_during_the_run_stop_the_cme_clock(
    school, absent_after_half_term, day, outcome, known, seen, channel, cme
):
    from safewell.followup.services import contact_attempt_log
    from safewell.pupils.services import contact_add

    parent = contact_add(pupil=absent_after_half_term, name="Rowan Enginetest", relationship="mother",
                         parental_responsibility=True, mobile_phone="07700 900111")
    at = dt.datetime(day.year, day.month, day.day, 11, 0, tzinfo=dt.UTC)
    contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=absent_after_half_term, absence_date=day, channel=channel,
        contacted_kind="contact", contact=parent, outcome=outcome, attempted_at=at, now=at,
        whereabouts_known=known, child_seen=seen, child_safe_and_well=True if seen else None,
        accompanied_by=school.personas.dsl if channel == "home_visit" else None,
    )

    candidates = evaluate_full(today=TENTH_DAY, organisation=school.organisation)

    assert bool(by_rule(candidates, "cme_ten_days")) is cme
    assert bool(by_rule(candidates, "continuous_absence")) is cme


# (the code put on Monday 9 November, the 5th day, and whether the run still reaches 10 days)
BREAKS = [
    ("I", False, "a reason from the family (illness) ends the run"),
    ("L", False, "seen: arrived before the register closed"),
    ("U", False, "seen: arrived after the register closed"),
    ("O", True, "O is still unexplained"),
    # docs/absence-episodes.md [U]: G says the family told the school where the child is.
    ("G", False, "a refused holiday: the family has said where the child is"),
]


@pytest.mark.parametrize("code,still_met,why", BREAKS, ids=[b[2] for b in BREAKS])
def test_which_codes_break_continuous_absence(school, absent_after_half_term, code, still_met, why):
    school.mark(absent_after_half_term, {(D(2026, 11, 9), "AM"): code})
    candidates = evaluate_full(today=TENTH_DAY, organisation=school.organisation)
    assert bool(by_rule(candidates, "cme_ten_days")) is still_met


def test_a_missing_mark_inside_the_run_neither_ends_it_nor_counts(school):
    bea = school.admit("Bea")
    school.present(bea, D(2026, 9, 3), LAST_SEEN)
    days = school.school_days(D(2026, 11, 3), TENTH_DAY)
    school.mark_days(bea, days[:4] + days[6:], "N")  # no mark at all on Mon 9 and Tue 10: not yet known
    candidates = evaluate_full(today=TENTH_DAY, organisation=school.organisation)
    assert not by_rule(candidates, "cme_ten_days", bea)
    run = by_rule(candidates, "continuous_absence", bea)[0].evidence
    assert (run["first_day"], run["school_days"], run["sessions"]) == ("2026-11-03", 8, 16)
    assert run["cme_due_on"] == "2026-11-18"  # two school days later than with every mark there


def test_a_register_never_taken_is_not_an_absence_we_know_of(school):
    cal = school.admit("Cal")
    school.present(cal, D(2026, 9, 3), LAST_SEEN)  # and then no mark at all
    assert not evaluate_full(today=TENTH_DAY, organisation=school.organisation)


def test_today_without_a_mark_yet_is_left_out_not_counted(school, absent_after_half_term):
    # On Tuesday 17 November before the register: still 10 days (today not yet counted)…
    candidates = evaluate_full(today=D(2026, 11, 17), organisation=school.organisation)
    assert by_rule(candidates, "cme_ten_days")[0].evidence["school_days"] == 10
    # …and once the morning is marked N, 21 sessions: 10.5 school days.
    school.mark(absent_after_half_term, {(D(2026, 11, 17), "AM"): "N"})
    candidates = evaluate_full(today=D(2026, 11, 17), organisation=school.organisation)
    assert by_rule(candidates, "cme_ten_days")[0].evidence["school_days"] == 10.5
    # Present that afternoon: seen, so the run is over and nothing is met.
    school.mark(absent_after_half_term, {(D(2026, 11, 17), "PM"): "\\"})
    assert not by_rule(evaluate_full(today=D(2026, 11, 17), organisation=school.organisation), "cme_ten_days")


def test_a_run_over_the_summer_counts_the_july_days_of_last_year(school):
    # 2026/27 ends Wed 21 July 2027; 2027/28 starts Thu 2 September 2027. Absent Thu 15,
    # Fri 16, Mon 19, Tue 20, Wed 21 July (5 days), then Thu 2, Fri 3, Mon 6, Tue 7 and
    # Wed 8 September (days 6 to 10).
    dot = school.admit("Dot")
    school.present(dot, D(2027, 7, 1), D(2027, 7, 14))
    school.mark_days(dot, school.school_days(D(2027, 7, 15), D(2027, 7, 21)), "N")
    school.mark_days(dot, school.school_days(D(2027, 9, 2), D(2027, 9, 8)), "O")
    cme = by_rule(evaluate_full(today=D(2027, 9, 8), organisation=school.organisation), "cme_ten_days", dot)
    assert cme and cme[0].evidence["school_days"] == 10
    assert cme[0].evidence["first_day"] == "2027-07-15"
    assert cme[0].evidence["la_notification_due_on"] == "2027-09-08"
    # The day before, nine days: not yet.
    assert not by_rule(evaluate_full(today=D(2027, 9, 7), organisation=school.organisation), "cme_ten_days", dot)
