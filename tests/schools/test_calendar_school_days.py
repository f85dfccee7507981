"""What is a school day, table by table (expectations worked by hand from tests/schools/conftest.py).

Rules (statutory.md §9): weekends, holidays, bank holidays, INSET days and # closure days are
not school days [S]; a whole-site Y4 day is not one either (our decision, calendar.py [U]).
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.schools.calendar import (
    AM,
    PM,
    ClosureDay,
    SchoolCalendar,
    TermDates,
    YearSessions,
    england_bank_holidays,
)

D = dt.date

# (date, North is a school day, South is a school day, why)
SCHOOL_DAYS = [
    (D(2026, 8, 31), False, False, "summer holiday (and the late summer bank holiday)"),
    (D(2026, 9, 1), False, False, "INSET day, first day of Autumn 1"),
    (D(2026, 9, 2), False, False, "INSET day"),
    (D(2026, 9, 3), True, True, "first day for pupils"),
    (D(2026, 9, 5), False, False, "Saturday"),
    (D(2026, 9, 6), False, False, "Sunday"),
    (D(2026, 10, 23), True, True, "last day before October half term"),
    (D(2026, 10, 26), False, False, "October half term"),
    (D(2026, 10, 30), False, False, "October half term"),
    (D(2026, 11, 2), False, False, "INSET day, the Monday back"),
    (D(2026, 11, 3), True, True, "first day back for pupils"),
    (D(2026, 12, 18), True, True, "last day of Autumn 2: AM open, PM INSET"),
    (D(2026, 12, 21), False, False, "Christmas holiday"),
    (D(2026, 12, 25), False, False, "Christmas Day"),
    (D(2026, 12, 28), False, False, "Boxing Day (substitute day)"),
    (D(2027, 1, 1), False, False, "New Year's Day"),
    (D(2027, 1, 4), False, False, "INSET day"),
    (D(2027, 1, 5), True, True, "first day of Spring 1 for pupils"),
    (D(2027, 1, 18), True, False, "South closed by snow (Y4), North open"),
    (D(2027, 1, 22), True, False, "South closed by snow (Y4), North open"),
    (D(2027, 1, 25), True, True, "South open in the afternoon after a Y4 morning"),
    (D(2027, 2, 3), True, True, "North's science block closed (Y3): still a school day"),
    (D(2027, 2, 15), False, False, "February half term"),
    (D(2027, 3, 25), True, True, "the Thursday before Easter"),
    (D(2027, 3, 26), False, False, "Good Friday, a bank holiday inside Spring 2"),
    (D(2027, 3, 29), False, False, "Easter Monday, in the Easter holiday"),
    (D(2027, 4, 12), True, True, "first day of Summer 1"),
    (D(2027, 5, 3), False, False, "early May bank holiday, in term"),
    (D(2027, 5, 4), True, True, "the day after the early May bank holiday"),
    (D(2027, 5, 6), False, True, "North closed as a polling station (#), South open"),
    (D(2027, 5, 31), False, False, "late May bank holiday, in half term"),
    (D(2027, 7, 21), True, True, "last day of the year"),
    (D(2027, 7, 22), False, False, "summer holiday"),
    (D(2027, 9, 2), True, True, "first day of 2027/28"),
]


@pytest.fixture
def calendars(testbridge):
    return {
        "north": SchoolCalendar.for_site(testbridge.north),
        "south": SchoolCalendar.for_site(testbridge.south),
    }


@pytest.mark.parametrize("day,north,south,why", SCHOOL_DAYS, ids=[f"{c[0]} {c[3]}" for c in SCHOOL_DAYS])
def test_it_knows_which_days_are_school_days(calendars, day, north, south, why):
    assert calendars["north"].is_school_day(day) is north
    assert calendars["south"].is_school_day(day) is south


# (site, date, sessions held, sessions scheduled, closure code on AM, closure code on PM)
SESSIONS = [
    ("north", D(2026, 12, 18), (AM,), (AM,), None, None),
    ("north", D(2026, 12, 17), (AM, PM), (AM, PM), None, None),
    ("south", D(2027, 1, 20), (), (AM, PM), "Y4", "Y4"),
    ("south", D(2027, 1, 25), (PM,), (AM, PM), "Y4", None),
    ("north", D(2027, 2, 3), (AM, PM), (AM, PM), "Y3", "Y3"),
    ("north", D(2027, 5, 6), (), (), "#", "#"),
    ("north", D(2026, 11, 2), (), (), None, None),
    ("north", D(2027, 5, 3), (), (), None, None),
]


@pytest.mark.parametrize("site,day,held,scheduled,am_code,pm_code", SESSIONS)
def test_it_says_which_sessions_are_held_and_which_the_register_must_code(
    calendars, site, day, held, scheduled, am_code, pm_code
):
    calendar = calendars[site]
    assert calendar.sessions(day) == held
    assert calendar.scheduled_sessions(day) == scheduled
    codes = [(calendar.closure(day, s) or ClosureDay(day, (), "inset_day")).register_code for s in (AM, PM)]
    assert codes == [am_code, pm_code]


def test_a_partial_closure_names_the_part_of_the_site_out_of_use(calendars):
    closure = calendars["north"].closure(D(2027, 2, 3), AM)
    assert (closure.kind, closure.part, closure.register_code) == ("partial", "Science block", "Y3")
    assert calendars["south"].closure(D(2027, 2, 3), AM) is None


def test_the_worked_example_the_tenth_school_day_of_absence_after_october_half_term(calendars):
    # Last seen Friday 23 October 2026. Half term is 26–30 October; Monday 2 November is an
    # INSET day. Absence days: Tue 3 (1), Wed 4 (2), Thu 5 (3), Fri 6 (4), Mon 9 (5),
    # Tue 10 (6), Wed 11 (7), Thu 12 (8), Fri 13 (9), Mon 16 November (10).
    last_seen = D(2026, 10, 23)
    for calendar in calendars.values():
        assert calendar.nth_school_day_after(last_seen, 1) == D(2026, 11, 3)
        assert calendar.nth_school_day_after(last_seen, 10) == D(2026, 11, 16)
        assert calendar.nth_school_day_before(D(2026, 11, 16), 9) == D(2026, 11, 3)
        assert calendar.nth_school_day_before(D(2026, 11, 16), 10) == last_seen


# (site, from, n, the n-th school day after, why)
NTH_AFTER = [
    ("north", D(2026, 12, 18), 1, D(2027, 1, 5), "over Christmas and the INSET day of 4 January"),
    ("north", D(2027, 3, 25), 1, D(2027, 4, 12), "over Good Friday and the Easter holiday"),
    ("north", D(2027, 4, 30), 1, D(2027, 5, 4), "over the early May bank holiday"),
    ("north", D(2027, 5, 28), 1, D(2027, 6, 7), "over the late May half term"),
    ("north", D(2027, 7, 21), 1, D(2027, 9, 2), "over the summer, into the next academic year"),
    ("north", D(2027, 5, 5), 1, D(2027, 5, 7), "North is closed on polling day"),
    ("south", D(2027, 5, 5), 1, D(2027, 5, 6), "South is open on polling day"),
    ("north", D(2027, 1, 15), 1, D(2027, 1, 18), "North is open in the snow week"),
    ("south", D(2027, 1, 15), 1, D(2027, 1, 25), "South's Y4 days do not count; the 25th has a PM session"),
    ("south", D(2027, 1, 15), 5, D(2027, 1, 29), "25, 26, 27, 28, 29 January"),
    ("north", D(2026, 10, 24), 1, D(2026, 11, 3), "from a Saturday"),
]


@pytest.mark.parametrize("site,start,n,expected,why", NTH_AFTER, ids=[c[4] for c in NTH_AFTER])
def test_it_counts_forward_in_school_days(calendars, site, start, n, expected, why):
    assert calendars[site].nth_school_day_after(start, n) == expected


def test_it_counts_back_over_the_summer_into_the_previous_year(calendars):
    assert calendars["north"].nth_school_day_before(D(2027, 9, 2), 1) == D(2027, 7, 21)
    assert calendars["north"].nth_school_day_before(D(2027, 9, 2), 3) == D(2027, 7, 19)


# (site, start, end, school days, why)
COUNTS = [
    ("north", D(2026, 9, 1), D(2026, 10, 23), 37, "Autumn 1: 39 weekdays less 2 INSET days"),
    ("north", D(2026, 10, 19), D(2026, 11, 6), 9, "5 days, half term, INSET Monday, 4 days"),
    ("north", D(2027, 1, 18), D(2027, 1, 22), 5, "North's snow week"),
    ("south", D(2027, 1, 18), D(2027, 1, 22), 0, "South's snow week, all Y4"),
    ("north", D(2027, 5, 1), D(2027, 5, 9), 3, "4, 5 and 7 May: bank holiday 3 May, polling day 6 May"),
    ("south", D(2027, 5, 1), D(2027, 5, 9), 4, "4, 5, 6 and 7 May"),
    ("north", D(2027, 7, 19), D(2027, 9, 3), 5, "19–21 July, then 2–3 September"),
]


@pytest.mark.parametrize("site,start,end,expected,why", COUNTS, ids=[c[4] for c in COUNTS])
def test_it_counts_the_school_days_between_two_dates_inclusive(calendars, site, start, end, expected, why):
    calendar = calendars[site]
    assert calendar.school_day_count(start, end) == expected
    assert len(calendar.school_days_between(start, end)) == expected


def test_sessions_between_lists_the_held_sessions_in_order(calendars):
    assert calendars["north"].sessions_between(D(2026, 12, 17), D(2027, 1, 5)) == [
        (D(2026, 12, 17), AM), (D(2026, 12, 17), PM), (D(2026, 12, 18), AM),
        (D(2027, 1, 5), AM), (D(2027, 1, 5), PM),
    ]
    assert calendars["south"].sessions_between(D(2027, 1, 22), D(2027, 1, 26)) == [
        (D(2027, 1, 25), PM), (D(2027, 1, 26), AM), (D(2027, 1, 26), PM),
    ]


# England's bank holidays 2026–2027 (gov.uk/bank-holidays), checked by hand.
ENGLAND_BANK_HOLIDAYS = [
    (D(2026, 12, 25), "Christmas"), (D(2026, 12, 28), "Boxing Day, substitute"),
    (D(2027, 1, 1), "New Year's Day"), (D(2027, 3, 26), "Good Friday"), (D(2027, 3, 29), "Easter Monday"),
    (D(2027, 5, 3), "early May"), (D(2027, 5, 31), "late May"), (D(2027, 8, 30), "late summer"),
]


@pytest.mark.parametrize("day,why", ENGLAND_BANK_HOLIDAYS)
def test_a_bank_holiday_inside_a_term_is_not_a_school_day(day, why):
    # A term that runs through every holiday of the year: only the bank holidays (and
    # weekends) are left out, so this proves the bank holidays come from the package.
    year = YearSessions("2026/27", D(2026, 8, 1), D(2027, 7, 31))
    through = TermDates("2026/27", "All year", D(2026, 8, 1), D(2027, 9, 30))
    calendar = SchoolCalendar(start=D(2026, 8, 1), end=D(2027, 9, 30), years=[year], terms=[through])
    assert day in england_bank_holidays(D(2026, 8, 1), D(2027, 9, 30))
    assert not calendar.is_school_day(day)
    assert calendar.is_school_day(day - dt.timedelta(days=1)) or (day - dt.timedelta(days=1)).weekday() >= 5


def test_the_calendar_and_the_models_agree_on_the_closure_kinds_and_their_codes():
    from safewell.schools.models import CLOSURE_REGISTER_CODE, ClosureKind

    for kind in ClosureKind.values:
        assert ClosureDay(D(2027, 1, 4), (AM,), kind).register_code == CLOSURE_REGISTER_CODE[kind]
