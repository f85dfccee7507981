"""A timetabled lesson for the lesson register page tests, on the register pages' school.

North, Thursdays, P3 11:00-12:00: "7 Swim" (Swimming, flagged), taught by the teacher
persona in the Pool. Ada, Bea and Cal are in the class from 1 Sep 2026; Dev joins on
1 Oct 2026 (so not on DAY, Thu 10 Sep); Eli left the class on 9 Sep. On DAY the lesson is
held (a Thursday in term, the AM session is held: P3 starts before the PM register opens
at 13:15, so it is a morning lesson and its present code is /).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from safewell.pupils.models import ClassMembership, Lesson, Period, Subject, TeachingClass
from tests.register_pages.register_pages_school import DAY, london

THURSDAY = 3
DURING_LESSON = london(DAY, 11, 5)


@dataclass
class SwimmingLesson:
    lesson: Lesson
    teaching_class: TeachingClass

    def url(self, day: dt.date = DAY) -> str:
        return f"/attendance/lessons/{self.lesson.pk}/{day.isoformat()}/"

    def api_url(self, day: dt.date = DAY) -> str:
        return f"/api/lesson-registers/{self.lesson.pk}/{day.isoformat()}"


@pytest.fixture
def swimming(school) -> SwimmingLesson:
    ada, bea, cal, dev, eli = school.pupils
    period = Period.objects.create(site=school.north, name="P3", starts_at=dt.time(11), ends_at=dt.time(12))
    subject = Subject.objects.create(organisation=school.personas.organisation, name="Swimming", is_swimming=True)
    teaching_class = TeachingClass.objects.create(site=school.north, name="7 Swim", subject=subject,
                                                  teacher=school.personas.teacher, room="Pool")
    for pupil in (ada, bea, cal):
        ClassMembership.objects.create(teaching_class=teaching_class, pupil=pupil, starts_on=dt.date(2026, 9, 1))
    ClassMembership.objects.create(teaching_class=teaching_class, pupil=dev, starts_on=dt.date(2026, 10, 1))
    ClassMembership.objects.create(teaching_class=teaching_class, pupil=eli, starts_on=dt.date(2026, 9, 1),
                                   ends_on=dt.date(2026, 9, 9))
    lesson = Lesson.objects.create(teaching_class=teaching_class, weekday=THURSDAY, period=period)
    return SwimmingLesson(lesson, teaching_class)
