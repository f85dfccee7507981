"""Lesson patterns under the seed-004 profile (PE/swimming: 3 missed; a subject: 4 missed
and twice the rate of other lessons; on site: 2 lessons missed while registered present in
10 school days; co-absence: a group of at least 3 who missed at least 3 lessons together,
over 6 school weeks), over four weeks of lessons from Monday 16 November 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.policy.engine.evaluate import evaluate_full
from tests.policy_engine.conftest import by_rule
from tests.policy_engine.timetable import Timetable

D = dt.date
FROM, TODAY = D(2026, 11, 16), D(2026, 12, 11)


@pytest.fixture
def classroom(seed_004, settings):
    settings.SAFEWELL_EVALUATE_ON_MARKS = False  # the lesson registers below, then one full evaluation
    school = seed_004
    pupils = {name: school.admit(name) for name in ("Ada", "Bea", "Cal", "Dot", "Eve", "Fay")}
    for pupil in pupils.values():
        school.present(pupil, D(2026, 9, 3), TODAY)
    timetable = Timetable(school, list(pupils.values()), school.personas.teacher)
    return school, pupils, timetable


def take_weeks(school, timetable, pupils, missed) -> None:
    """Take every lesson from FROM to TODAY: present ("/" or "\\"), except `missed(name,
    subject, day)` returns a code."""
    for day in school.school_days(FROM, TODAY):
        for lesson in timetable.lessons_on(day):
            subject = lesson.teaching_class.subject.name
            present = "/" if lesson.period.session == "AM" else "\\"
            timetable.take(lesson, day, {p: missed(name, subject, day) or present for name, p in pupils.items()})


def test_pe_and_swimming_missed_and_nothing_else(classroom):
    school, pupils, timetable = classroom
    take_weeks(school, timetable, pupils, lambda name, subject, day: "O" if name == "Ada" and subject in ("PE", "Swimming") else None)
    candidates = evaluate_full(today=TODAY, organisation=school.organisation)
    found = by_rule(candidates, "pattern_pe_swimming", pupils["Ada"])
    assert found
    evidence = found[0].evidence
    assert evidence["subjects"] == ["PE", "Swimming"]
    assert evidence["other_missed"] == 0 and evidence["missed"] == evidence["lessons"] == 12
    assert {lesson["subject"] for lesson in evidence["lessons_missed"]} == {"PE", "Swimming"}
    assert "bruising or injuries" in found[0].explanation
    assert [c.pupil_id for c in by_rule(candidates, "pattern_pe_swimming")] == [pupils["Ada"].pk]


def test_three_pupils_missing_the_same_lessons_are_one_group(classroom):
    school, pupils, timetable = classroom
    mondays = [d for d in school.school_days(FROM, TODAY) if d.weekday() == 0]
    # Bea, Cal and Dot skip Monday's first Maths lesson together, four weeks running; Eve
    # skips a Monday Maths lesson once on her own; Fay is off sick (I) on one of those days.
    def missed(name, subject, day):
        if subject == "Maths" and day in mondays and name in ("Bea", "Cal", "Dot"):
            return "N"
        if subject == "Maths" and day == mondays[0] and name == "Eve":
            return "N"
        if day == mondays[1] and name == "Fay":
            return "I"
        return None

    take_weeks(school, timetable, pupils, missed)
    candidates = evaluate_full(today=TODAY, organisation=school.organisation)
    groups = by_rule(candidates, "pattern_co_absence_group")
    assert len(groups) == 1
    group = groups[0]
    members = sorted(pupils[n].pk for n in ("Bea", "Cal", "Dot"))
    assert group.pupil_id is None and group.peers == members
    assert group.evidence["members"] == members
    assert group.evidence["lessons_missed_together"] == 4
    assert group.episode_key == "group:" + "-".join(map(str, members))
    assert {(lesson["date"], lesson["subject"]) for lesson in group.evidence["lessons_missed"]} == {
        (d.isoformat(), "Maths") for d in mondays}
    # Registered present for the session but not in the lesson: on site, somewhere else.
    on_site = by_rule(candidates, "pattern_missing_lessons_on_site")
    assert sorted(c.pupil_id for c in on_site) == members


def test_two_pupils_are_not_a_group_under_seed_004(classroom):
    school, pupils, timetable = classroom
    take_weeks(school, timetable, pupils,
               lambda name, subject, day: "N" if subject == "Maths" and day.weekday() == 0 and name in ("Bea", "Cal") else None)
    assert not by_rule(evaluate_full(today=TODAY, organisation=school.organisation), "pattern_co_absence_group")


def test_one_subject_missed_far_more_than_the_others(classroom):
    school, pupils, timetable = classroom
    take_weeks(school, timetable, pupils,
               lambda name, subject, day: "O" if name == "Eve" and subject == "Science" else None)
    candidates = evaluate_full(today=TODAY, organisation=school.organisation)
    subject = by_rule(candidates, "pattern_subject", pupils["Eve"])
    assert subject and subject[0].evidence["subject"] == "Science" and subject[0].evidence["missed"] == 8
    # Every class has the same teacher here, so it is not a teacher pattern.
    assert not by_rule(candidates, "pattern_teacher", pupils["Eve"])
