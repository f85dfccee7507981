"""A teacher's registers for today at their current site: every group's morning and
afternoon register with its state, the groups they take first, none on a day without
sessions."""

from __future__ import annotations

import uuid

from safewell.attendance.registers import MarkInput, register_submit
from tests.register_pages.register_pages_school import DAY, SATURDAY, WHILE_OPEN, london


def take_7a(school, actor, day=DAY, session="AM", now=WHILE_OPEN):
    register_submit(
        site=school.north, registration_group=school.form_7a, date=day, session=session,
        marks=[MarkInput(p.pk, "/" if session == "AM" else "\\") for p in school.pupils],
        idempotency_key=str(uuid.uuid4()), base_version=0, actor=actor, now=now,
    )


def test_a_teacher_sees_todays_registers_of_every_group_at_their_site(client, school, clock):
    client.force_login(school.personas.teacher)
    content = client.get("/attendance/registers/").content.decode()
    assert "Thursday 10 September 2026" in content
    for group in (school.form_7a, school.form_8b):
        assert f'href="/attendance/registers/{group.pk}/2026-09-10/AM/"' in content
        assert f'href="/attendance/registers/{group.pk}/2026-09-10/PM/"' in content
    assert f"/attendance/registers/{school.form_9s.pk}/" not in content  # South's group
    assert "Not taken yet: closes at 09:15" in content
    assert "Opens at 13:15" in content


def test_a_taken_register_says_when_and_by_whom(client, school, clock):
    take_7a(school, school.personas.teacher)
    client.force_login(school.personas.attendance_officer)
    content = client.get("/attendance/registers/").content.decode()
    assert "Taken at 08:5" in content and "by teacher" in content


def test_the_groups_a_teacher_has_been_taking_come_first(client, school, clock):
    take_7a(school, school.personas.teacher, day=DAY.replace(day=9), now=london(DAY.replace(day=9), 8, 50))
    client.force_login(school.personas.teacher)
    content = client.get("/attendance/registers/").content.decode()
    yours, others = content.split("Other registration groups")
    assert "Your registration groups" in yours and ">7A<" in yours and ">8B<" not in yours
    assert ">8B<" in others


def test_there_are_no_registers_on_a_day_without_sessions(client, school, clock):
    clock.set(london(SATURDAY, 9, 0))
    client.force_login(school.personas.teacher)
    content = client.get("/attendance/registers/").content.decode()
    assert "North site has no sessions today" in content
    assert "/attendance/registers/" + str(school.form_7a.pk) not in content


def test_an_external_user_has_no_registers(client, school, clock):
    client.force_login(school.personas.external)
    assert client.get("/attendance/registers/").status_code == 403


def test_the_registers_are_in_the_navigation_of_those_who_take_them(client, school, clock):
    client.force_login(school.personas.teacher)
    labels = [item.label for item in client.get("/").context["nav_items"]]
    assert "Registers" in labels and "Late book" not in labels and "Missing registers" not in labels
    client.force_login(school.personas.attendance_officer)
    labels = [item.label for item in client.get("/").context["nav_items"]]
    assert {"Registers", "Late book", "Missing registers", "Amendments"} <= set(labels)
    client.force_login(school.personas.external)
    labels = [item.label for item in client.get("/").context["nav_items"]]
    assert not {"Registers", "Late book", "Missing registers", "Amendments"} & set(labels)


def test_on_a_day_without_sessions_the_page_links_to_the_school_day_before(client, school, clock):
    clock.set(london(SATURDAY, 9, 0))
    client.force_login(school.personas.teacher)
    content = client.get("/attendance/registers/").content.decode()
    assert 'href="/attendance/registers/?date=2026-09-11">Registers of the school day before, Friday 11 September' in content
    content = client.get("/attendance/registers/", {"date": "2026-09-11"}).content.decode()
    assert "Friday 11 September 2026" in content
    assert f'href="/attendance/registers/{school.form_7a.pk}/2026-09-11/AM/"' in content
    assert "Not taken: closed at 09:15" in content


def test_a_future_day_shows_today_instead(client, school, clock):
    client.force_login(school.personas.teacher)
    content = client.get("/attendance/registers/", {"date": "2026-09-14"}).content.decode()
    assert "Thursday 10 September 2026" in content and "2026-09-14" not in content


def test_a_tutors_group_comes_first_even_when_someone_else_took_its_registers(client, school, clock):
    from safewell.pupils.models import RegistrationGroup

    # The attendance officer has been covering 7A, but its tutor is the teacher.
    take_7a(school, school.personas.attendance_officer, day=DAY.replace(day=9), now=london(DAY.replace(day=9), 8, 50))
    RegistrationGroup.objects.filter(pk=school.form_7a.pk).update(tutor=school.personas.teacher)

    client.force_login(school.personas.teacher)
    yours, others = client.get("/attendance/registers/").content.decode().split("Other registration groups")
    assert ">7A<" in yours and ">8B<" in others
    client.force_login(school.personas.attendance_officer)
    content = client.get("/attendance/registers/").content.decode()
    assert "Your registration groups" not in content
