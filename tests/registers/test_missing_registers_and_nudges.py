"""The missing registers board: groups with pupils on roll whose register has not been
submitted once it opened; a nudge emails the group's teacher (issue 4 §5)."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance.jobs import register_nudge, register_taker_of
from safewell.attendance.models import RegisterNudge
from safewell.attendance.selectors import registers_missing
from safewell.pupils.services import registration_group_create
from tests.conftest import make_user
from tests.registers.register_school import DAY, admit, london, submit


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture
def two_groups(school):
    """7A (three pupils on roll) and 7B (one pupil) at North; 7C with nobody on roll yet."""
    school.group_b = registration_group_create(site=school.north, name="7B", year_group="7")
    admit(school.north, school.group_b, "Gus")
    registration_group_create(site=school.north, name="7C", year_group="7")
    return school


def names(missing) -> list[tuple[str, int]]:
    return [(m.group_name, m.pupils_on_roll) for m in missing]


def test_nothing_is_missing_before_the_register_opens(two_groups):
    assert registers_missing(site=two_groups.north, date=DAY, session="AM", now=london(DAY, 8, 44)) == []


def test_groups_with_pupils_on_roll_and_no_register_are_missing_once_it_opens(two_groups):
    school = two_groups
    assert names(registers_missing(site=school.north, date=DAY, session="AM", now=london(DAY, 8, 45))) == [("7A", 3), ("7B", 1)]

    submit(school, [(school.ada, "/")])

    assert names(registers_missing(site=school.north, date=DAY, session="AM", now=london(DAY, 8, 51))) == [("7B", 1)]
    # The afternoon is its own register.
    assert names(registers_missing(site=school.north, date=DAY, session="PM", now=london(DAY, 13, 20))) == [("7A", 3), ("7B", 1)]


def test_a_pupil_not_yet_admitted_does_not_make_a_group_missing(school):
    late_group = registration_group_create(site=school.north, name="7L", year_group="7")
    admit(school.north, late_group, "Hal", admitted=dt.date(2026, 10, 5))

    assert "7L" not in [m.group_name for m in registers_missing(site=school.north, date=DAY, session="AM", now=london(DAY, 9))]


def test_nothing_is_missing_on_a_day_the_site_does_not_meet(two_groups):
    half_term = dt.date(2026, 10, 28)
    assert registers_missing(site=two_groups.north, date=half_term, session="AM", now=london(half_term, 10)) == []


def test_a_nudge_emails_whoever_last_took_the_groups_register(two_groups, mailoutbox, immediate_tasks):
    school = two_groups
    yesterday = DAY - dt.timedelta(days=1)
    submit(school, [(school.ada, "/")], date=yesterday, now=london(yesterday, 8, 50))
    officer = school.personas.attendance_officer

    nudge = register_nudge(group=school.group, date=DAY, session="AM", actor=officer, now=london(DAY, 9, 0))

    assert nudge.sent_to == school.personas.teacher
    (email,) = mailoutbox
    assert email.to == ["teacher@example.org"]
    assert "7A" in email.subject and f"/attendance/registers/{school.group.pk}/2026-09-10/AM/" in email.body
    missing = registers_missing(site=school.north, date=DAY, session="AM", now=london(DAY, 9, 1))
    assert [(m.group_name, m.last_nudged_at) for m in missing] == [("7A", london(DAY, 9, 0)), ("7B", None)]


def test_with_no_register_taken_yet_the_sites_only_teacher_is_nudged(two_groups, mailoutbox, immediate_tasks):
    school = two_groups
    nudge = register_nudge(group=school.group_b, date=DAY, session="AM", actor=None, now=london(DAY, 9, 0))

    assert nudge.sent_to == school.personas.teacher
    assert len(mailoutbox) == 1


def test_with_several_teachers_and_no_history_nobody_is_guessed(two_groups, mailoutbox, immediate_tasks):
    from safewell.accounts.models import Role

    make_user("teacher2", two_groups.north, Role.TEACHER)

    assert register_taker_of(two_groups.group_b) is None
    nudge = register_nudge(group=two_groups.group_b, date=DAY, session="AM", actor=None, now=london(DAY, 9, 0))
    assert nudge.sent_to is None and mailoutbox == []
    assert RegisterNudge.objects.count() == 1


def test_a_groups_tutor_is_nudged_before_whoever_last_took_its_register(two_groups, mailoutbox, immediate_tasks):
    from safewell.accounts.models import Role
    from safewell.pupils.models import RegistrationGroup

    school = two_groups
    tutor = make_user("tutor7a", school.north, Role.TEACHER)
    RegistrationGroup.objects.filter(pk=school.group.pk).update(tutor=tutor)
    yesterday = DAY - dt.timedelta(days=1)
    submit(school, [(school.ada, "/")], date=yesterday, now=london(yesterday, 8, 50))  # taken by the teacher (cover)
    school.group.refresh_from_db()

    nudge = register_nudge(group=school.group, date=DAY, session="AM", actor=None, now=london(DAY, 9, 0))

    assert nudge.sent_to == tutor
    assert [m.to for m in mailoutbox] == [["tutor7a@example.org"]]
    # A tutor who has left (deactivated) is not nudged: back to whoever last took the register.
    tutor.is_active = False
    tutor.save(update_fields=["is_active"])
    school.group.refresh_from_db()
    assert register_taker_of(school.group) == school.personas.teacher
