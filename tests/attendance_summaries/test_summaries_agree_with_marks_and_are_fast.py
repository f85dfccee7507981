"""The vectorised summaries say what the marks say (also for a pupil whose session store is
missing, read from the marks instead), and a site of 1,000 pupils × a year takes
milliseconds of numpy, not seconds (design.md principle 8)."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest

from safewell.attendance import codes
from safewell.attendance.models import Mark, SessionStore
from safewell.attendance.store import MarkInput, mark_write, session_stores_write, year_sessions
from safewell.attendance.summaries import (
    Period,
    count_sessions,
    enrolment_rows,
    summarise,
    year_to_date,
)
from safewell.pupils.models import Enrolment, Pupil
from safewell.schools.calendar import SchoolCalendar
from tests.attendance_summaries.summaries_school import LATER, admit

pytestmark = pytest.mark.django_db

AUTUMN_1 = Period(dt.date(2025, 9, 1), dt.date(2025, 10, 24))


def random_marks(school, pupils, rng) -> None:
    """A random code (or none) on every session of Autumn 1 for each pupil."""
    calendar = SchoolCalendar.for_academic_year(school.north, school.year)
    in_force = [c.code for c in codes.CODES]
    marks = []
    for pupil in pupils:
        for day, session in calendar.sessions_between(AUTUMN_1.start, AUTUMN_1.end):
            if rng.random() < 0.1:
                continue  # no mark yet
            code = str(rng.choice(in_force))
            marks.append(MarkInput(pupil.id, day, session, code, 3 if code in ("L", "U") else None))
    mark_write(marks=marks)


def counted_from_the_marks(pupil, period: Period) -> dict[str, int]:
    found: dict[str, int] = {}
    for code in Mark.objects.filter(pupil=pupil, date__range=(period.start, period.end)).values_list("code", flat=True):
        found[code] = found.get(code, 0) + 1
    return found


def test_summaries_count_exactly_the_marks_even_without_a_session_store(school):
    rng = np.random.default_rng(20250908)
    pupils = [admit(school.north, name) for name in ("Ada", "Bea", "Cal")]
    random_marks(school, pupils, rng)
    # Cal's store is gone (say, a bulk import wrote only marks): the marks are read instead.
    SessionStore.objects.filter(pupil=pupils[2]).delete()

    summaries = summarise(enrolment_rows(Enrolment.objects.filter(pupil__in=pupils)), period=AUTUMN_1, today=LATER)

    # Autumn 1 from Thu 4 Sep (after the INSET day) to Fri 24 Oct: 37 school days.
    for summary, pupil in zip(summaries.enrolments(), pupils, strict=True):
        expected = counted_from_the_marks(pupil, AUTUMN_1)
        assert summary.sessions.by_code == {c: expected[c] for c in summary.sessions.by_code}
        assert sum(summary.sessions.by_code.values()) == sum(expected.values())
        assert sum(expected.values()) + summary.sessions.no_mark == 2 * 37
        possible = sum(n for c, n in expected.items() if codes.by_code(c).is_possible)
        absent = sum(n for c, n in expected.items() if codes.by_code(c).is_absence)
        assert summary.sessions.possible_sessions == possible
        assert summary.sessions.overall_absence == absent


def test_counting_a_site_of_1000_pupils_for_a_year_takes_milliseconds(school):
    year = year_sessions(school.year)
    rng = np.random.default_rng(7)
    open_sessions = SchoolCalendar.for_academic_year(school.north, school.year).scheduled_session_mask()
    marks = np.where(open_sessions, rng.choice([1, 2, 3, 19, 30, 32, 9], size=(1000, len(year))), 0).astype(np.uint8)
    first = np.zeros(1000, dtype=np.int64)
    stop = np.full(1000, len(year), dtype=np.int64)
    scheduled = np.broadcast_to(open_sessions, marks.shape)

    started = time.perf_counter()
    by_byte, no_mark = count_sessions(marks, first, stop, scheduled)
    elapsed = time.perf_counter() - started

    assert by_byte.sum() == np.count_nonzero(marks)
    assert no_mark.sum() == 0
    assert elapsed < 0.1, f"counting took {elapsed * 1000:.0f} ms"


def test_a_whole_site_year_to_date_from_the_database_is_fast(school):
    """1,000 enrolments with a full year's stores: one summary, database reads included."""
    organisation = school.organisation
    pupils = Pupil.objects.bulk_create([
        Pupil(organisation=organisation, site=school.north, upn=f"A93540012{n:04d}", legal_forename="Pupil",
              legal_surname=f"Number{n}", date_of_birth=dt.date(2013, 1, 1), sex="F", year_group="7")
        for n in range(1000)
    ])
    pupils = list(Pupil.objects.filter(organisation=organisation).order_by("id"))
    Enrolment.objects.bulk_create([
        Enrolment(pupil=p, organisation=organisation, site=school.north, admission_date=dt.date(2025, 9, 1))
        for p in pupils
    ])
    year = year_sessions(school.year)
    open_sessions = SchoolCalendar.for_academic_year(school.north, school.year).scheduled_session_mask()
    rng = np.random.default_rng(11)
    marks = np.where(open_sessions, rng.choice([1, 2, 19, 32], size=(1000, len(year)), p=[0.45, 0.45, 0.06, 0.04]), 0)
    session_stores_write(academic_year_id=school.year.id, pupil_ids=np.array([p.id for p in pupils]),
                         marks=marks.astype(np.uint8))
    period = year_to_date(organisation_id=organisation.id, as_of=dt.date(2026, 7, 31))

    started = time.perf_counter()
    rows = enrolment_rows(Enrolment.objects.filter(site=school.north))
    summaries = summarise(rows, period=period, today=LATER)
    total = summaries.total()
    elapsed = time.perf_counter() - started

    assert total.enrolments == 1000
    assert total.sessions.possible_sessions == int(np.count_nonzero(marks))
    assert total.sessions.overall_absence == int(np.isin(marks, (19, 32)).sum())
    assert elapsed < 1.5, f"a site's year to date took {elapsed * 1000:.0f} ms"
