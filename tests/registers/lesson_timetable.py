"""A timetabled lesson on the register tests' school: Year 7 swimming, Thursdays P3
(11:00-12:00, a morning lesson), taught by the teacher persona; Ada and Bea in the class
from 1 Sep 2026, Cal from 1 Oct 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.pupils.models import ClassMembership, Lesson, Period, Subject, TeachingClass

THURSDAY = 3


@pytest.fixture
def swim_lesson(school) -> Lesson:
    period = Period.objects.create(site=school.north, name="P3", starts_at=dt.time(11), ends_at=dt.time(12))
    subject = Subject.objects.create(organisation=school.personas.organisation, name="Swimming", is_swimming=True)
    teaching_class = TeachingClass.objects.create(site=school.north, name="7 Swim", subject=subject,
                                                  teacher=school.personas.teacher)
    for pupil, starts in ((school.ada, dt.date(2026, 9, 1)), (school.bea, dt.date(2026, 9, 1)), (school.cal, dt.date(2026, 10, 1))):
        ClassMembership.objects.create(teaching_class=teaching_class, pupil=pupil, starts_on=starts)
    return Lesson.objects.create(teaching_class=teaching_class, weekday=THURSDAY, period=period)
