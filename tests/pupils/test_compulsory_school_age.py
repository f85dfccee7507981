"""Compulsory school age and 18-or-over, from hand-worked dates.

s8 Education Act 1996 [U]: compulsory from the first prescribed day (31 Aug, 31 Dec,
31 Mar) on or after the 5th birthday, until the end of the school leaving date (the last
Friday in June) of the school year in which the child turns 16. Last Fridays in June
(worked from a calendar): 2023-06-30, 2025-06-27, 2026-06-26, 2027-06-25.
"""

from __future__ import annotations

from datetime import date

import pytest

from safewell.pupils.age import (
    age_on,
    compulsory_school_age,
    compulsory_school_age_ends,
    compulsory_school_age_starts,
    is_over_18,
    last_friday_in_june,
)

STARTS = [
    # (date of birth, first day of compulsory school age)
    (date(2020, 9, 1), date(2025, 12, 31)),   # 5 on 1 Sep 2025 → next prescribed day 31 Dec
    (date(2020, 12, 31), date(2025, 12, 31)),  # 5 on a prescribed day → that day
    (date(2021, 1, 1), date(2026, 3, 31)),     # 5 on 1 Jan → 31 Mar
    (date(2021, 3, 31), date(2026, 3, 31)),
    (date(2021, 4, 1), date(2026, 8, 31)),     # 5 on 1 Apr → 31 Aug
    (date(2021, 8, 31), date(2026, 8, 31)),
    (date(2020, 2, 29), date(2025, 3, 31)),    # 29 Feb: 5 on 1 Mar 2025 → 31 Mar
]

ENDS = [
    # (date of birth, last day of compulsory school age)
    (date(2010, 9, 1), date(2027, 6, 25)),   # 16 on 1 Sep 2026: school year 2026/27
    (date(2010, 8, 31), date(2026, 6, 26)),  # 16 on 31 Aug 2026: school year 2025/26
    (date(2010, 7, 1), date(2026, 6, 26)),   # 16 after the leaving date: leaves at 15
    (date(2010, 6, 26), date(2026, 6, 26)),  # 16 on the leaving date itself
    (date(2010, 6, 27), date(2026, 6, 26)),  # 16 the day after it
    (date(2010, 1, 15), date(2026, 6, 26)),  # 16 in January
    (date(2007, 6, 30), date(2023, 6, 30)),  # 30 June is the last Friday
]


@pytest.mark.parametrize(("born", "starts"), STARTS)
def test_compulsory_school_age_starts_on_the_prescribed_day_after_the_fifth_birthday(born, starts):
    assert compulsory_school_age_starts(born) == starts
    assert compulsory_school_age(born, starts)
    assert not compulsory_school_age(born, date.fromordinal(starts.toordinal() - 1))


@pytest.mark.parametrize(("born", "ends"), ENDS)
def test_compulsory_school_age_ends_on_the_last_friday_in_june_of_the_year_they_turn_16(born, ends):
    assert compulsory_school_age_ends(born) == ends
    assert compulsory_school_age(born, ends)
    assert not compulsory_school_age(born, date.fromordinal(ends.toordinal() + 1))


def test_a_child_who_turns_16_in_july_stops_being_compulsory_age_while_still_15():
    born = date(2010, 7, 1)
    assert age_on(born, date(2026, 6, 27)) == 15
    assert not compulsory_school_age(born, date(2026, 6, 27))


@pytest.mark.parametrize(
    ("year", "friday"),
    [(2023, date(2023, 6, 30)), (2025, date(2025, 6, 27)), (2026, date(2026, 6, 26)), (2027, date(2027, 6, 25))],
)
def test_the_last_friday_in_june(year, friday):
    assert last_friday_in_june(year) == friday


@pytest.mark.parametrize(
    ("born", "on", "adult"),
    [
        (date(2008, 11, 2), date(2026, 11, 1), False),  # the day before the 18th birthday
        (date(2008, 11, 2), date(2026, 11, 2), True),   # on it
        (date(2008, 2, 29), date(2026, 2, 28), False),  # 29 Feb: 18 on 1 Mar in a common year [U]
        (date(2008, 2, 29), date(2026, 3, 1), True),
        (date(2000, 1, 1), date(2026, 11, 2), True),
    ],
)
def test_is_over_18_from_the_18th_birthday(born, on, adult):
    assert is_over_18(born, on) is adult
