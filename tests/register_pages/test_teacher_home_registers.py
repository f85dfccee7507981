"""The teacher's home page shows today's registers to take: their registration groups'
session registers and their lessons, each with its state, how many registers that have
opened are still not taken, and a link to My registers."""

from __future__ import annotations

import uuid

from safewell.attendance.registers import MarkInput, register_submit
from tests.register_pages.lesson_pages_timetable import swimming  # noqa: F401  (fixture)
from tests.register_pages.register_pages_school import DAY, SATURDAY, london


def take_7a(school, day, now):
    register_submit(
        site=school.north, registration_group=school.form_7a, date=day, session="AM",
        marks=[MarkInput(p.pk, "/") for p in school.pupils], idempotency_key=str(uuid.uuid4()), base_version=0,
        actor=school.personas.teacher, now=now,
    )


def test_the_teacher_home_page_lists_todays_registers_and_lessons(client, school, swimming, clock):
    yesterday = DAY.replace(day=9)
    take_7a(school, yesterday, london(yesterday, 8, 50))  # 7A is the teacher's group
    client.force_login(school.personas.teacher)

    content = client.get("/").content.decode()

    assert "No registers to take yet" not in content
    assert "Your registration groups" in content
    assert f'href="/attendance/registers/{school.form_7a.pk}/2026-09-10/AM/"' in content
    assert f'href="/attendance/lessons/{swimming.lesson.pk}/2026-09-10/">7 Swim</a> (Swimming)' in content
    # At 08:50 the morning registers of 7A and 8B have opened; the afternoon ones have not.
    assert "Across North site, every group included: 2 registers opened and not taken yet." in content
    assert 'href="/attendance/registers/">All of today\'s registers</a>' in content


def test_a_taken_register_is_counted_as_taken(client, school, clock):
    take_7a(school, DAY, london(DAY, 8, 50))
    client.force_login(school.personas.teacher)
    content = client.get("/").content.decode()
    assert "Across North site, every group included: 1 register opened and not taken yet." in content
    assert ">Taken</strong>" in content


def test_on_a_day_without_sessions_the_home_page_says_so(client, school, clock):
    clock.set(london(SATURDAY, 9, 0))
    client.force_login(school.personas.teacher)
    assert "North site has no sessions today, so there are no registers to take." in client.get("/").content.decode()
