"""School weeks (statutory.md §4 [S]: any week with at least one session) and the session index."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.schools.calendar import AM, PM, OutsideCalendar, SchoolCalendar
from safewell.schools.models import AcademicYear
from safewell.schools.services import term_dates_import_csv

D = dt.date


@pytest.fixture
def north(testbridge):
    return SchoolCalendar.for_site(testbridge.north)


@pytest.fixture
def south(testbridge):
    return SchoolCalendar.for_site(testbridge.south)


# (date, the Monday of its school week or None)
WEEKS = [
    (D(2026, 9, 2), D(2026, 8, 31)),  # INSET Tue and Wed, pupils Thu and Fri: a school week
    (D(2026, 10, 24), D(2026, 10, 19)),  # a Saturday belongs to its week
    (D(2026, 10, 28), None),  # October half term
    (D(2026, 11, 2), D(2026, 11, 2)),  # INSET Monday; sessions Tue–Fri
    (D(2026, 12, 23), None),  # Christmas holiday
    (D(2027, 5, 31), None),  # late May half term
]


@pytest.mark.parametrize("day,monday", WEEKS)
def test_it_gives_the_school_week_of_a_date_or_none(north, day, monday):
    assert north.school_week_of(day) == monday


def test_a_week_whose_only_sessions_were_y4_is_not_a_school_week(north, south):
    assert south.school_week_of(D(2027, 1, 20)) is None
    assert north.school_week_of(D(2027, 1, 20)) == D(2027, 1, 18)


def test_the_last_ten_school_weeks_skip_the_half_term_week(north):
    # Wed 11 Nov 2026: weeks of 9 Nov, 2 Nov, (26 Oct half term skipped), 19, 12, 5 Oct,
    # 28, 21, 14, 7 Sep and 31 Aug: ten weeks.
    assert north.last_school_weeks(D(2026, 11, 11)) == [
        D(2026, 8, 31), D(2026, 9, 7), D(2026, 9, 14), D(2026, 9, 21), D(2026, 9, 28),
        D(2026, 10, 5), D(2026, 10, 12), D(2026, 10, 19), D(2026, 11, 2), D(2026, 11, 9),
    ]
    assert north.last_school_weeks(D(2026, 11, 16))[0] == D(2026, 9, 7)


def test_the_last_school_weeks_span_the_christmas_holiday_and_a_site_closure(north, south):
    # From Wed 27 Jan 2027 back. North: 25, 18, 11 and 4 Jan, (28 and 21 Dec holiday),
    # 14 Dec. South: 25 Jan, (18 Jan all Y4), 11 and 4 Jan, (holiday), 14 and 7 Dec.
    assert north.last_school_weeks(D(2027, 1, 27), n=5) == [
        D(2026, 12, 14), D(2027, 1, 4), D(2027, 1, 11), D(2027, 1, 18), D(2027, 1, 25)
    ]
    assert south.last_school_weeks(D(2027, 1, 27), n=5) == [
        D(2026, 12, 7), D(2026, 12, 14), D(2027, 1, 4), D(2027, 1, 11), D(2027, 1, 25)
    ]


def test_the_last_school_weeks_cross_the_academic_year_boundary(north):
    # Fri 10 Sep 2027: weeks of 6 Sep and 30 Aug 2027 (Thu 2, Fri 3 Sep), then the summer
    # holiday is skipped: 19 Jul, 12 Jul 2027.
    assert north.last_school_weeks(D(2027, 9, 10), n=4) == [
        D(2027, 7, 12), D(2027, 7, 19), D(2027, 8, 30), D(2027, 9, 6)
    ]


def test_it_refuses_to_guess_weeks_before_the_dates_it_loaded(testbridge):
    calendar = SchoolCalendar.for_site(testbridge.north, D(2027, 1, 4), D(2027, 3, 1))
    with pytest.raises(OutsideCalendar):
        calendar.last_school_weeks(D(2027, 1, 13))
    with pytest.raises(OutsideCalendar):
        calendar.is_school_day(D(2026, 12, 1))
    # With the whole history loaded, the first weeks of the first year are simply fewer.
    assert len(SchoolCalendar.for_site(testbridge.north).last_school_weeks(D(2026, 9, 9))) == 2


# (date, session, index in its academic year) worked by hand. 2026/27 starts Sat 1 Aug 2026:
# 21 weekdays (3–31 Aug) come before Tue 1 Sep. 2027/28 starts Sun 1 Aug 2027: 23 weekdays
# (2 Aug – 1 Sep) come before Thu 2 Sep.
INDEXES = [
    (D(2026, 8, 3), AM, 0),
    (D(2026, 8, 3), PM, 1),
    (D(2026, 9, 1), AM, 42),
    (D(2026, 9, 1), PM, 43),
    (D(2026, 9, 7), AM, 50),
    (D(2027, 7, 30), PM, 519),
    (D(2027, 9, 2), AM, 46),
]


@pytest.mark.parametrize("day,session,index", INDEXES)
def test_the_session_index_counts_every_weekday_session_from_the_start_of_the_year(north, day, session, index):
    assert north.session_index(day, session) == index
    assert north.year(day).session_at(index) == (day, session)


def test_year_sessions_are_in_index_order_and_the_open_mask_matches_the_held_sessions(testbridge):
    year = AcademicYear.objects.get(organisation=testbridge.organisation, name="2026/27")
    calendar = SchoolCalendar.for_academic_year(testbridge.south, year)
    sessions = calendar.year_sessions()
    assert len(sessions) == 520  # 260 weekdays from Sat 1 Aug 2026 to Sat 31 Jul 2027
    assert all(calendar.session_index(d, s) == i for i, (d, s) in enumerate(sessions))
    held = calendar.sessions_between(year.starts_on, year.ends_on)
    mask = calendar.open_session_mask()
    assert [sessions[i] for i in mask.nonzero()[0]] == held
    # The 11 Y4 sessions of the snow (5 whole days and a morning) are scheduled, not held.
    assert int(calendar.scheduled_session_mask().sum()) - int(mask.sum()) == 11


def test_adding_a_closure_later_moves_no_session_to_another_index(testbridge):
    before = SchoolCalendar.for_site(testbridge.north)
    term_dates_import_csv(
        organisation=testbridge.organisation,
        file="kind,name,starts_on,ends_on,site\nunexpected,Snow,2026-11-10,2026-11-12,north\n",
    )
    after = SchoolCalendar.for_site(testbridge.north)
    assert after.is_school_day(D(2026, 11, 11)) is False and before.is_school_day(D(2026, 11, 11))
    assert after.year_sessions("2026/27") == before.year_sessions("2026/27")
    assert after.session_index(D(2026, 11, 16), AM) == before.session_index(D(2026, 11, 16), AM)
