"""The pupil attendance page's lesson-level view reads the lesson marks taken on the lesson
registers: the last 3 weeks up to today, oldest first, in timetable order within a day."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from safewell.attendance.registers import MarkInput, lesson_register_submit
from safewell.attendance.summaries import LessonMarkRow, lesson_marks_recent
from safewell.pupils.models import ClassMembership, Lesson, Period, Subject, TeachingClass
from tests.registers.register_school import london

THURSDAY = 3
# Thursdays of Autumn 1 2026 (hand-checked): 10, 17, 24 Sep and 1 Oct.
SEP_10, SEP_17, OCT_1 = dt.date(2026, 9, 10), dt.date(2026, 9, 17), dt.date(2026, 10, 1)


def _lesson(school, name: str, subject: str, starts: dt.time, ends: dt.time) -> Lesson:
    period = Period.objects.create(site=school.north, name=name, starts_at=starts, ends_at=ends)
    taught = Subject.objects.create(organisation=school.personas.organisation, name=subject, is_swimming=subject == "Swimming")
    teaching_class = TeachingClass.objects.create(site=school.north, name=f"7 {subject}", subject=taught,
                                                  teacher=school.personas.teacher)
    ClassMembership.objects.create(teaching_class=teaching_class, pupil=school.ada, starts_on=dt.date(2026, 9, 1))
    return Lesson.objects.create(teaching_class=teaching_class, weekday=THURSDAY, period=period)


@pytest.fixture
def lessons(school) -> tuple[Lesson, Lesson]:
    """Thursday P1 Maths (09:30) and P3 Swimming (11:00), Ada in both."""
    return (_lesson(school, "P1", "Maths", dt.time(9, 30), dt.time(10, 30)),
            _lesson(school, "P3", "Swimming", dt.time(11), dt.time(12)))


def take(school, lesson, day: dt.date, mark: MarkInput) -> None:
    lesson_register_submit(lesson=lesson, date=day, marks=[mark], idempotency_key=str(uuid.uuid4()), base_version=0,
                           actor=school.personas.teacher, now=london(day, 12, 30))


def test_the_last_three_weeks_of_lesson_marks_oldest_first_in_timetable_order(school, lessons):
    maths, swimming = lessons
    take(school, swimming, SEP_10, MarkInput(school.ada.pk, "N"))  # 3 weeks before 1 Oct: left out
    take(school, swimming, SEP_17, MarkInput(school.ada.pk, "N"))
    take(school, swimming, OCT_1, MarkInput(school.ada.pk, "N"))
    take(school, maths, OCT_1, MarkInput(school.ada.pk, "L", arrived_at=london(OCT_1, 9, 42)))

    assert lesson_marks_recent(pupil_id=school.ada.pk, today=OCT_1) == [
        LessonMarkRow(SEP_17, "P3", "Swimming", "N", None),
        LessonMarkRow(OCT_1, "P1", "Maths", "L", 12),
        LessonMarkRow(OCT_1, "P3", "Swimming", "N", None),
    ]
    assert lesson_marks_recent(pupil_id=school.ada.pk, today=SEP_17) == [
        LessonMarkRow(SEP_10, "P3", "Swimming", "N", None), LessonMarkRow(SEP_17, "P3", "Swimming", "N", None),
    ]
    assert lesson_marks_recent(pupil_id=school.bea.pk, today=OCT_1) == []


def test_the_pupil_attendance_page_shows_the_lesson_marks(client, school, lessons, monkeypatch):
    maths, swimming = lessons
    take(school, swimming, OCT_1, MarkInput(school.ada.pk, "N"))
    take(school, maths, OCT_1, MarkInput(school.ada.pk, "/"))
    monkeypatch.setattr(timezone, "now", lambda: london(OCT_1, 15, 0).astimezone(dt.UTC))
    client.force_login(school.personas.teacher)

    response = client.get(f"/attendance/pupils/{school.ada.pk}/")

    assert [(r.period, r.subject, r.code) for r in response.context["lessons"]] == [("P1", "Maths", "/"), ("P3", "Swimming", "N")]
    content = response.content.decode()
    assert "Lessons in the last 3 weeks" in content and "Thu 1 Oct 2026" in content and "Swimming" in content
    # Bea has no lesson marks: the section is left out.
    assert "Lessons in the last" not in client.get(f"/attendance/pupils/{school.bea.pk}/").content.decode()
