"""Which lessons happen on a date: the weekly timetable, asked of the school calendar."""

from __future__ import annotations

import datetime as dt

from safewell.pupils.models import Lesson
from safewell.pupils.timetable import (
    class_members_by_lesson_on,
    class_members_on,
    lessons_on,
    pupil_lessons_on,
    teacher_lessons_on,
)
from safewell.schools.calendar import SchoolCalendar
from tests.timetable.conftest import MONDAY


def names(lessons: list[Lesson]) -> list[str]:
    return [f"{lesson.teaching_class.name} {lesson.period.name}" for lesson in lessons]


def test_lessons_on_a_monday_are_the_mondays_lessons_in_time_order(timetabled):
    assert names(lessons_on(timetabled.personas.north, MONDAY)) == ["8X/Ma P1", "8X/PE P3"]


def test_a_lesson_knows_its_session_and_room(timetabled):
    tuesday = lessons_on(timetabled.personas.north, MONDAY + dt.timedelta(days=1))
    assert [(lesson.period.session, lesson.where) for lesson in tuesday] == [("AM", "Town pool")]
    monday = lessons_on(timetabled.personas.north, MONDAY)
    assert [lesson.period.session for lesson in monday] == ["AM", "PM"]
    assert [lesson.where for lesson in monday] == ["M1", "Sports hall"]


def test_a_subject_flags_pe_and_swimming_as_lessons_that_uncover_the_body(timetabled):
    subjects = {lesson.teaching_class.subject.name: lesson.teaching_class.subject.uncovers_body
                for lesson in Lesson.objects.select_related("teaching_class__subject")}
    assert subjects == {"Maths": False, "PE": True, "Swimming": True}


def test_there_are_no_lessons_at_weekends_in_half_term_or_on_an_inset_day(timetabled):
    north = timetabled.personas.north
    assert lessons_on(north, dt.date(2026, 11, 7)) == []  # Saturday
    assert lessons_on(north, dt.date(2026, 10, 26)) == []  # Monday of October half term
    assert lessons_on(north, dt.date(2026, 11, 2)) == []  # Monday INSET day


def test_a_closed_afternoon_drops_only_the_afternoon_lessons(timetabled):
    # Friday 18 December 2026: INSET in the afternoon only (tests/schools/conftest.py).
    friday = dt.date(2026, 12, 18)
    assert names(lessons_on(timetabled.personas.north, friday)) == ["8X/Ma P1"]


def test_a_pupils_lessons_follow_their_dated_class_membership(timetabled):
    cy = timetabled.cy
    assert names(pupil_lessons_on(cy, dt.date(2026, 11, 20))) == ["8X/Ma P1"]  # last day in Maths
    assert pupil_lessons_on(cy, dt.date(2026, 11, 23)) == []
    assert names(pupil_lessons_on(timetabled.ada, MONDAY)) == ["8X/Ma P1", "8X/PE P3"]


def test_the_members_of_a_class_on_a_date(timetabled):
    maths = Lesson.objects.get(teaching_class__name="8X/Ma", weekday=0).teaching_class
    on_the_20th = {p.forename for p in class_members_on(maths, dt.date(2026, 11, 20))}
    on_the_23rd = {p.forename for p in class_members_on(maths, dt.date(2026, 11, 23))}
    assert (on_the_20th, on_the_23rd) == ({"Ada", "Ben", "Cy"}, {"Ada", "Ben"})


def test_members_by_lesson_in_one_go(timetabled):
    lessons = lessons_on(timetabled.personas.north, MONDAY)
    members = class_members_by_lesson_on(lessons, MONDAY)
    ada, ben, cy = timetabled.ada.pk, timetabled.ben.pk, timetabled.cy.pk
    assert [sorted(members[lesson.id]) for lesson in lessons] == [sorted([ada, ben, cy]), sorted([ada, ben])]


def test_a_teachers_lessons_of_the_day(timetabled):
    north, teacher = timetabled.personas.north, timetabled.personas.teacher
    assert names(teacher_lessons_on(north, teacher.pk, MONDAY)) == ["8X/Ma P1", "8X/PE P3"]
    assert teacher_lessons_on(north, teacher.pk, MONDAY + dt.timedelta(days=1)) == []  # swimming: no teacher


def test_a_calendar_built_once_answers_for_every_day_of_a_week(timetabled, django_assert_max_num_queries):
    north = timetabled.personas.north
    calendar = SchoolCalendar.for_site(north, MONDAY, MONDAY + dt.timedelta(days=4))
    with django_assert_max_num_queries(5):
        week = [names(lessons_on(north, MONDAY + dt.timedelta(days=i), calendar=calendar)) for i in range(5)]
    assert week == [["8X/Ma P1", "8X/PE P3"], ["8X/Sw P2"], [], [], ["8X/Ma P1"]]
