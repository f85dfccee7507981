"""Reading the weekly timetable: which lessons happen on a date, and who is in them.

The models are in pupils/models.py (Period, Subject, TeachingClass, ClassMembership,
Lesson); files are imported by pupils/timetable_import.py. One week repeats all year (no
two-week timetable). Whether a date has lessons at all is the calendar's answer
(schools/calendar.py: weekends, holidays, INSET days, closures), never worked out here; a
lesson happens only when the session its period falls in is held that day.

These are domain reads for the registers and the rules engine, not access-scoped: a page
that shows them scopes the site or the pupil first (pupils/selectors.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from safewell.pupils.models import ClassMembership, Lesson, Pupil, TeachingClass
from safewell.schools.calendar import SchoolCalendar
from safewell.schools.models import Site


def _calendar_for(site: Site, day: dt.date, calendar: SchoolCalendar | None) -> SchoolCalendar:
    if calendar is not None and calendar.start <= day <= calendar.end:
        return calendar
    return SchoolCalendar.for_site(site, day, day)


def _lessons(site_id: int) -> QuerySet[Lesson]:
    return Lesson.objects.filter(teaching_class__site_id=site_id).select_related(
        "period", "period__site", "teaching_class", "teaching_class__subject", "teaching_class__teacher"
    )


def _held(lessons: Iterable[Lesson], sessions: tuple[str, ...]) -> list[Lesson]:
    """The lessons whose period falls in a session held that day, in time order."""
    held = [lesson for lesson in lessons if lesson.period.session in sessions]
    return sorted(held, key=lambda lesson: (lesson.period.starts_at, lesson.teaching_class.name))


def lessons_on(site: Site, day: dt.date, *, calendar: SchoolCalendar | None = None) -> list[Lesson]:
    """Every lesson held at `site` on `day`, in time order: none on a day that is not a
    school day, and none in a session closed that day (an AM INSET, a # or Y4 closure).
    Pass a `calendar` of the site covering `day` to save its three queries."""
    sessions = _calendar_for(site, day, calendar).sessions(day)
    if not sessions:
        return []
    return _held(_lessons(site.pk).filter(weekday=day.weekday()), sessions)


def _membership_on(day: dt.date) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def pupil_lessons_on(pupil: Pupil, day: dt.date, *, calendar: SchoolCalendar | None = None) -> list[Lesson]:
    """The lessons `pupil` is timetabled for on `day` (the classes they belong to that day,
    at their site), in time order."""
    sessions = _calendar_for(pupil.site, day, calendar).sessions(day)
    if not sessions:
        return []
    classes = ClassMembership.objects.filter(_membership_on(day), pupil=pupil).values("teaching_class_id")
    lessons = _lessons(pupil.site_id).filter(weekday=day.weekday(), teaching_class_id__in=classes)
    return _held(lessons, sessions)


def class_members_on(teaching_class: TeachingClass, day: dt.date) -> QuerySet[Pupil]:
    """The pupils in `teaching_class` on `day`: who a lesson register lists."""
    members = ClassMembership.objects.filter(_membership_on(day), teaching_class=teaching_class)
    return Pupil.objects.filter(id__in=members.values("pupil_id")).select_related("site", "registration_group")


def class_members_by_lesson_on(lessons: Iterable[Lesson], day: dt.date) -> dict[int, list[int]]:
    """{lesson id: [pupil ids]} on `day`, in one query (for the rules over a day's lessons)."""
    lessons = list(lessons)
    class_ids = {lesson.teaching_class_id for lesson in lessons}
    by_class: dict[int, list[int]] = defaultdict(list)
    rows = ClassMembership.objects.filter(_membership_on(day), teaching_class_id__in=class_ids)
    for class_id, pupil_id in rows.values_list("teaching_class_id", "pupil_id").order_by("pupil_id"):
        by_class[class_id].append(pupil_id)
    return {lesson.id: list(by_class.get(lesson.teaching_class_id, [])) for lesson in lessons}


def teacher_lessons_on(site: Site, teacher_id: int, day: dt.date, *,
                       calendar: SchoolCalendar | None = None) -> list[Lesson]:
    """The lessons a teacher teaches at `site` on `day`: the lesson registers they take."""
    return [lesson for lesson in lessons_on(site, day, calendar=calendar)
            if lesson.teaching_class.teacher_id == teacher_id]
