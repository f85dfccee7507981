"""Session patterns under the profile modelled on seed 004 (every pattern on; its
thresholds: day of week ≥ 50% of ≥ 4 absent sessions over 12 school weeks; next to a
weekend or holiday ≥ 60% of ≥ 4; lateness 5 in 6 school weeks; a drop of 10 points over
the last 4 school weeks against the 12 before)."""

from __future__ import annotations

import datetime as dt

from safewell.policy.engine.evaluate import evaluate_full
from tests.policy_engine.conftest import by_rule

D = dt.date
TODAY = D(2026, 12, 11)


def term(school):
    return school.school_days(D(2026, 9, 3), TODAY)


def test_a_monday_and_friday_pattern_is_next_to_the_weekend(seed_004):
    school = seed_004
    ada = school.admit("Ada")
    school.present(ada, D(2026, 9, 3), TODAY)
    fridays_and_mondays = [d for d in school.school_days(D(2026, 11, 3), TODAY) if d.weekday() in (0, 4)]
    school.mark_days(ada, fridays_and_mondays, "I")
    candidates = evaluate_full(today=TODAY, organisation=school.organisation)
    found = by_rule(candidates, "pattern_adjacent_to_weekend", ada)
    assert found and found[0].evidence["weekdays"] == ["Monday", "Friday"]
    assert found[0].evidence["next_to_weekend_or_holiday"] == found[0].evidence["absent_sessions"] == 2 * len(fridays_and_mondays)
    # Half on Mondays, half on Fridays: no single weekday holds more than the profile's 50%…
    assert by_rule(candidates, "pattern_day_of_week", ada)  # …exactly 50% is "at least half"


def test_wednesdays_only_is_a_day_of_week_pattern_not_a_weekend_one(seed_004):
    school = seed_004
    bea = school.admit("Bea")
    school.present(bea, D(2026, 9, 3), TODAY)
    school.mark_days(bea, [d for d in school.school_days(D(2026, 11, 3), TODAY) if d.weekday() == 2], "O")
    candidates = evaluate_full(today=TODAY, organisation=school.organisation)
    found = by_rule(candidates, "pattern_day_of_week", bea)
    assert found and found[0].evidence["weekday"] == "Wednesday"
    assert not by_rule(candidates, "pattern_adjacent_to_weekend", bea)


def test_the_statutory_profile_runs_no_patterns(school):
    cal = school.admit("Cal")
    school.present(cal, D(2026, 9, 3), TODAY)
    school.mark_days(cal, [d for d in school.school_days(D(2026, 11, 3), TODAY) if d.weekday() == 2], "O")
    assert not by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "pattern_day_of_week")


def test_repeated_lateness(seed_004):
    school = seed_004
    dot = school.admit("Dot")
    school.present(dot, D(2026, 9, 3), TODAY)
    late_days = school.school_days(D(2026, 11, 23), TODAY)[:5]
    school.mark(dot, {(d, "AM"): "L" for d in late_days[:4]} | {(late_days[4], "AM"): "U"})
    found = by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "pattern_lateness", dot)
    assert found and found[0].evidence["late_sessions"] == 5 and found[0].evidence["after_register_closed"] == 1
    school.mark(dot, {(late_days[4], "AM"): "/"})
    assert not by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "pattern_lateness", dot)


def test_a_sharp_drop_against_the_pupils_own_earlier_weeks(seed_004):
    school = seed_004
    eve = school.admit("Eve")
    school.present(eve, D(2026, 9, 3), TODAY)
    # The last 4 school weeks (from Monday 16 November): every Tuesday and Thursday absent (40%).
    school.mark_days(eve, [d for d in school.school_days(D(2026, 11, 16), TODAY) if d.weekday() in (1, 3)], "I")
    found = by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "pattern_drop_from_baseline", eve)
    assert found
    assert found[0].evidence["baseline"]["attendance_percent"] == 100.0
    assert found[0].evidence["recent"]["attendance_percent"] == 60.0
    assert found[0].evidence["drop_percentage_points"] == 40.0
