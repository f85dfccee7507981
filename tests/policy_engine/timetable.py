"""A small weekly timetable at North for the lesson rules, and lesson registers taken the
real way (attendance.registers.lesson_register_submit)."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from safewell.attendance.registers import MarkInput, lesson_register_submit
from safewell.pupils.models import ClassMembership, Lesson, Period, Subject, TeachingClass

LONDON = ZoneInfo("Europe/London")
# (subject, weekday, period): Maths Mon/Wed/Fri P1, English Tue/Thu P1, Science Tue/Fri P2,
# PE Mon/Thu P4 (afternoon), Swimming Wed P4.
WEEK = [
    ("Maths", 0, "P1"), ("Maths", 2, "P1"), ("Maths", 4, "P1"),
    ("English", 1, "P1"), ("English", 3, "P1"),
    ("Science", 1, "P2"), ("Science", 4, "P2"),
    ("PE", 0, "P4"), ("PE", 3, "P4"),
    ("Swimming", 2, "P4"),
]


class Timetable:
    def __init__(self, school, pupils, teacher) -> None:
        site = school.north
        self.school, self.teacher = school, teacher
        self.periods = {
            "P1": Period.objects.create(site=site, name="P1", starts_at=dt.time(9, 20), ends_at=dt.time(10, 20)),
            "P2": Period.objects.create(site=site, name="P2", starts_at=dt.time(10, 40), ends_at=dt.time(11, 40)),
            "P4": Period.objects.create(site=site, name="P4", starts_at=dt.time(13, 50), ends_at=dt.time(14, 50)),
        }
        self.lessons: list[Lesson] = []
        for name in ("Maths", "English", "Science", "PE", "Swimming"):
            subject = Subject.objects.create(organisation=school.organisation, name=name, is_pe=name == "PE",
                                             is_swimming=name == "Swimming")
            group = TeachingClass.objects.create(site=site, name=f"7E/{name}", subject=subject, teacher=teacher)
            for pupil in pupils:
                ClassMembership.objects.create(teaching_class=group, pupil=pupil, starts_on=dt.date(2026, 9, 1))
            for subject_name, weekday, period in WEEK:
                if subject_name == name:
                    self.lessons.append(Lesson.objects.create(teaching_class=group, weekday=weekday,
                                                              period=self.periods[period]))

    def lessons_on(self, day: dt.date) -> list[Lesson]:
        calendar = self.school.calendar()
        return [lesson for lesson in self.lessons if lesson.weekday == day.weekday()
                and lesson.period.session in calendar.sessions(day)]

    def take(self, lesson: Lesson, day: dt.date, codes: dict) -> None:
        """Take the lesson register: `codes` maps pupils to codes."""
        now = dt.datetime.combine(day, dt.time(16, 0), tzinfo=LONDON)
        lesson_register_submit(
            lesson=lesson, date=day, marks=[MarkInput(p.pk, c) for p, c in codes.items()],
            idempotency_key=str(uuid.uuid4()), base_version=0, actor=self.teacher, now=now,
        )
