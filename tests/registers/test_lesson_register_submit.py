"""Lesson registers: the class as it is that day, all or nothing, exactly once, conflicts
named, and never a change to the statutory session register."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from safewell.attendance import registers
from safewell.attendance.models import LessonMark, LessonRegister, Mark
from safewell.attendance.registers import MarkInput, SubmissionConflict, SubmissionRejected, lesson_register_submit
from safewell.pupils.models import ClassMembership, Lesson, Period, Subject, TeachingClass
from tests.registers.register_school import DAY, london

THURSDAY = 3


@pytest.fixture
def lesson(school):
    """Year 7 swimming, Thursday period 3 (11:00-12:00), Ada and Bea; Cal joins on 1 Oct."""
    period = Period.objects.create(site=school.north, name="P3", starts_at=dt.time(11), ends_at=dt.time(12))
    subject = Subject.objects.create(organisation=school.personas.organisation, name="Swimming", is_swimming=True)
    teaching_class = TeachingClass.objects.create(site=school.north, name="7 Swim", subject=subject,
                                                  teacher=school.personas.teacher)
    for pupil, starts in ((school.ada, dt.date(2026, 9, 1)), (school.bea, dt.date(2026, 9, 1)), (school.cal, dt.date(2026, 10, 1))):
        ClassMembership.objects.create(teaching_class=teaching_class, pupil=pupil, starts_on=starts)
    return Lesson.objects.create(teaching_class=teaching_class, weekday=THURSDAY, period=period)


def take(school, lesson, marks, *, base=0, key=None, day=DAY, now=None, actor=None):
    return lesson_register_submit(
        lesson=lesson, date=day, marks=[m if isinstance(m, MarkInput) else MarkInput(m[0].pk, m[1]) for m in marks],
        idempotency_key=key or str(uuid.uuid4()), base_version=base, actor=actor or school.personas.teacher,
        now=now or london(day, 11, 5),
    )


def test_a_lesson_register_keeps_lesson_marks_apart_from_the_session_register(school, lesson):
    result = take(school, lesson, [(school.ada, "/"), MarkInput(school.bea.pk, "L", arrived_at=london(DAY, 11, 7))])

    assert (result.version, result.applied) == (1, 2)
    assert sorted(LessonMark.objects.values_list("code", "minutes_late")) == [("/", None), ("L", 7)]
    assert not Mark.objects.exists()


def test_a_pupil_not_in_the_class_that_day_is_refused_and_nothing_applied(school, lesson):
    with pytest.raises(SubmissionRejected) as caught:
        take(school, lesson, [(school.ada, "/"), (school.cal, "/")])

    assert caught.value.errors == [{
        "path": "marks[1].pupil", "message": registers.NOT_IN_CLASS.format(pupil_id=school.cal.pk, teaching_class="7 Swim", date=DAY)
    }]
    assert not LessonMark.objects.exists() and not LessonRegister.objects.filter(version__gt=0).exists()


def test_a_lesson_on_a_day_it_is_not_held_is_refused(school, lesson):
    friday = DAY + dt.timedelta(days=1)
    with pytest.raises(SubmissionRejected) as caught:
        take(school, lesson, [(school.ada, "/")], day=friday, now=london(friday, 11, 5))

    assert [e["path"] for e in caught.value.errors] == ["date"]


def test_a_replayed_key_applies_once_and_a_stale_save_is_told_the_conflict(school, lesson):
    first = take(school, lesson, [(school.ada, "/"), (school.bea, "/")], key="lesson-1")
    again = take(school, lesson, [(school.ada, "N")], key="lesson-1")
    take(school, lesson, [(school.ada, "N")], base=1, actor=school.personas.attendance_officer)

    with pytest.raises(SubmissionConflict) as caught:
        take(school, lesson, [(school.ada, "/"), (school.bea, "N")], base=1)

    assert (again.replayed, again.version) == (True, first.version)
    assert [(c["pupil"], c["theirs"]) for c in caught.value.conflicts] == [(school.ada.pk, "N")]
    assert dict(LessonMark.objects.values_list("pupil_id", "code")) == {school.ada.pk: "N", school.bea.pk: "/"}
