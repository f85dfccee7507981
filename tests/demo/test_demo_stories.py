"""The stories of docs/demo.md are in the marks, where the later rules will look for them.

Each is checked against the school calendar and the statutory codes, not against how the
demo loader placed it. The demo's today is Friday 20 November 2026 (tests/demo/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from safewell.attendance import codes
from safewell.demo.attendance import lesson_absences
from safewell.attendance.models import LessonMark, LessonRegister, Mark, PlannedAbsence, SessionRegister
from safewell.attendance.store import session_store_differences
from safewell.pupils.models import Characteristic, ProfessionalContact, Pupil, RegistrationGroup
from safewell.pupils.timetable import pupil_lessons_on
from safewell.schools.calendar import SchoolCalendar
from safewell.schools.models import AcademicYear

THIS_YEAR = dt.date(2026, 9, 1)
UNEXPLAINED = {"N", "O"}


def pupil(name: str) -> Pupil:
    forename, surname = name.split()
    return Pupil.objects.select_related("site").get(legal_forename=forename, legal_surname=surname)


def marks_of(who: Pupil, start: dt.date = THIS_YEAR, end: dt.date | None = None) -> dict[tuple[dt.date, str], Mark]:
    marks = Mark.objects.filter(pupil=who, date__gte=start)
    if end is not None:
        marks = marks.filter(date__lte=end)
    return {(m.date, m.session): m for m in marks}


def calendar_of(who: Pupil) -> SchoolCalendar:
    return SchoolCalendar.for_site(who.site)


def is_absent(mark: Mark) -> bool:
    return codes.by_code(mark.code).is_absence


def test_a_child_is_absent_for_12_school_days_across_october_half_term_with_no_explanation(db, demo):
    tyler = pupil("Tyler Ashdown")
    calendar = calendar_of(tyler)
    marks = marks_of(tyler)
    absent_days = sorted({d for (d, _), m in marks.items() if m.code in UNEXPLAINED})
    # The longest run of consecutive school days with both sessions N or O.
    runs, run = [], []
    for day in calendar.school_days_between(THIS_YEAR, demo - dt.timedelta(days=1)):
        both = all(marks.get((day, s)) is not None and marks[(day, s)].code in UNEXPLAINED for s in ("AM", "PM"))
        run = run + [day] if both else []
        runs.append(list(run))
    longest = max(runs, key=len)
    assert len(longest) == 12
    assert set(longest) <= set(absent_days)
    # It spans October half term (26-30 October) and the INSET day after it (2 November).
    assert longest[0] < dt.date(2026, 10, 26) and longest[-1] > dt.date(2026, 11, 2)
    assert dt.date(2026, 11, 2) not in longest  # INSET: not a school day
    # The 10th school day of absence falls after the holiday.
    assert calendar.nth_school_day_after(longest[0], 9) == longest[9] == dt.date(2026, 11, 9)
    # Older than 5 school days, an N has become O (reg 10(7)-(9)).
    assert {marks[(d, s)].code for d in longest for s in ("AM", "PM")} == {"O"}


def test_a_pupil_is_absent_mostly_on_mondays_and_fridays_this_year_unlike_last_year(db, demo):
    mason = pupil("Mason Pridmore")
    this_year = [m for m in marks_of(mason).values() if is_absent(m)]
    by_weekday = Counter(m.date.weekday() for m in this_year)
    assert by_weekday[0] + by_weekday[4] >= 0.9 * len(this_year)
    assert by_weekday[0] >= 8 and by_weekday[4] >= 8
    mondays_and_fridays = [m for m in marks_of(mason).values() if m.date.weekday() in (0, 4)]
    assert sum(map(is_absent, mondays_and_fridays)) / len(mondays_and_fridays) >= 0.5
    last_year = list(marks_of(mason, dt.date(2025, 9, 1), dt.date(2026, 7, 31)).values())
    assert sum(map(is_absent, last_year)) / len(last_year) < 0.2


def lesson_marks_of(who: Pupil):
    return LessonMark.objects.filter(pupil=who).select_related(
        "lesson_register__lesson__period", "lesson_register__lesson__teaching_class__subject"
    )


def missed_while_in_school(who: Pupil) -> list[LessonMark]:
    """Lesson marks of absence on sessions the pupil was marked present at registration."""
    sessions = marks_of(who)
    missed = []
    for mark in lesson_marks_of(who):
        lesson = mark.lesson_register.lesson
        session_mark = sessions[(mark.lesson_register.date, lesson.period.session)]
        if not is_absent(session_mark) and codes.by_code(mark.code).is_absence:
            missed.append(mark)
    return missed


def test_a_pupil_misses_pe_and_swimming_while_present_at_registration(db, demo):
    maisie = pupil("Maisie Quarrell")
    missed = missed_while_in_school(maisie)
    assert len(missed) >= 12
    # Every lesson missed is PE or swimming, and every PE or swimming lesson of the last six
    # weeks is missed, while she is in her other lessons those days.
    assert {m.lesson_register.lesson.teaching_class.subject.uncovers_body for m in missed} == {True}
    recent_pe = [m for m in lesson_marks_of(maisie) if m.lesson_register.date >= demo - dt.timedelta(weeks=5)
                 and m.lesson_register.lesson.teaching_class.subject.uncovers_body]
    assert recent_pe and all(m in missed for m in recent_pe)
    days = {m.lesson_register.date for m in missed}
    others = [m for m in lesson_marks_of(maisie) if m.lesson_register.date in days and m not in missed]
    assert others and not any(codes.by_code(m.code).is_absence for m in others)
    assert {a.date for a in lesson_absences("special", demo) if a.upn == maisie.upn} == days


def test_three_friends_miss_the_same_lessons_together(db, demo):
    friends = [pupil(n) for n in ("Jake Thornbury", "Kian Vellacott", "Ellie Ransome")]
    assert len({f.registration_group_id for f in friends}) == 1
    missed = [{m.lesson_register_id for m in missed_while_in_school(f)} for f in friends]
    shared = set.intersection(*missed)
    assert len(shared) >= 5 and missed[0] == missed[1] == missed[2]
    # No one else at the AP misses a lesson while marked present at registration.
    others = Pupil.objects.filter(organisation__name="Brackenwell Learning Centre").exclude(pk__in=[f.pk for f in friends])
    assert not any(missed_while_in_school(p) for p in others)
    # And they are absent together for whole afternoons too.
    afternoons = [{d for (d, s), m in marks_of(f).items() if s == "PM" and m.code in UNEXPLAINED} for f in friends]
    assert len(set.intersection(*afternoons)) >= 2


def test_lesson_registers_are_taken_for_every_lesson_before_today_and_none_today(db, demo):
    assert not LessonRegister.objects.filter(date__gte=demo).exists()
    yesterday = demo - dt.timedelta(days=1)
    held = sum(len(pupil_lessons_on(p, yesterday)) for p in Pupil.objects.all())
    assert LessonMark.objects.filter(lesson_register__date=yesterday).count() == held
    assert not LessonRegister.objects.filter(taken_by__isnull=True).exists()


def test_a_looked_after_child_has_a_social_worker_a_virtual_school_and_absences_when_missing(db, demo):
    kayden = pupil("Kayden Moult")
    looked_after = Characteristic.objects.get(pupil=kayden, kind="looked_after")
    assert looked_after.responsible_local_authority == "Norfolk" and looked_after.applies_on(demo)
    roles = set(ProfessionalContact.objects.filter(pupil=kayden).values_list("role", flat=True))
    assert {"social_worker", "virtual_school"} <= roles
    absences = sorted({d for (d, _), m in marks_of(kayden).items() if m.code in UNEXPLAINED})
    # Three episodes this term: the latest began at lunchtime (present in the morning).
    assert len(absences) >= 5
    first_day_of_latest = [d for d in absences if marks_of(kayden)[(d, "AM")].code == "/"]
    assert first_day_of_latest and marks_of(kayden)[(first_day_of_latest[-1], "PM")].code in UNEXPLAINED


def test_a_young_carer_is_often_late_with_the_minutes_recorded(db, demo):
    ruby = pupil("Ruby Callow")
    assert Characteristic.objects.filter(pupil=ruby, kind="young_carer").exists()
    mornings = [m for (d, s), m in marks_of(ruby).items() if s == "AM"]
    late = [m for m in mornings if m.code in ("L", "U")]
    assert len(late) >= 0.2 * len(mornings)
    # L: arrived while the register was open (30 minutes here); U: after it closed.
    assert all(1 <= m.minutes_late <= 30 for m in late if m.code == "L")
    assert all(m.minutes_late > 30 for m in late if m.code == "U")
    assert {m.code for m in late} == {"L", "U"}


def test_a_pupil_on_a_part_time_timetable_has_c2_afternoons_under_a_reviewed_plan(db, demo):
    leon = pupil("Leon Haverstock")
    plan = PlannedAbsence.objects.get(pupil=leon, code="C2")
    assert plan.ends_on > demo and demo < plan.review_on < plan.ends_on
    calendar = calendar_of(leon)
    marks = marks_of(leon)
    for day in calendar.school_days_between(plan.starts_on, demo - dt.timedelta(days=1)):
        assert plan.covers(day, "PM") and marks[(day, "PM")].code == "C2"
        assert not plan.covers(day, "AM") and marks[(day, "AM")].code != "C2"
    assert Mark.objects.filter(code="C2").exclude(pupil=leon).count() == 0


def test_todays_morning_registers_are_taken_except_the_readme_teachers_and_the_afternoon_is_left(db, demo):
    taken = set(SessionRegister.objects.filter(date=demo, session="AM", taken_at__isnull=False)
                .values_list("registration_group__name", flat=True))
    groups = set(RegistrationGroup.objects.values_list("name", flat=True))
    # Cedar (ap.teacher), Kestrel (teacher) and Swift (teacher.tithe) keep a register to take.
    assert taken == groups - {"Cedar", "Kestrel", "Swift"}
    assert not Mark.objects.filter(date=demo, pupil__registration_group__name__in=["Cedar", "Kestrel", "Swift"]).exists()
    assert not Mark.objects.filter(date__gte=demo, session="PM").exists()
    assert not SessionRegister.objects.filter(date__gt=demo).exists()
    yesterday = demo - dt.timedelta(days=1)
    assert Mark.objects.filter(date=yesterday).count() >= 150
    assert SessionRegister.objects.filter(date=yesterday, taken_at__isnull=False).count() == 2 * (6 + 14)


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_the_session_stores_agree_with_the_marks(db, demo, year):
    for academic_year in AcademicYear.objects.filter(name=year):
        assert session_store_differences(academic_year) == []


def test_dual_registered_pupils_are_marked_d_on_their_day_at_the_placing_school(db, demo):
    for plan in PlannedAbsence.objects.filter(code="D").select_related("pupil", "enrolment"):
        assert plan.enrolment.dual_registration == "subsidiary"
        d_days = {m.date for m in Mark.objects.filter(pupil=plan.pupil, code="D")}
        assert d_days and all(plan.covers(day, "AM") for day in d_days)
