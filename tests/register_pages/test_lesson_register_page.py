"""The lesson register page without JavaScript: the class as it is that day, each pupil's
session mark beside them ("present at registration, missing now": seed 004's on site but
missing lessons), a plain form through lesson_register_submit (exactly once, refusals
beside the pupil, conflicts named), linked from My registers, refused to outsiders."""

from __future__ import annotations

import uuid

import pytest

from safewell.attendance.models import LessonMark, LessonRegister, Mark
from safewell.attendance.registers import MarkInput, lesson_register_submit, register_submit
from tests.register_pages.lesson_pages_timetable import DURING_LESSON, swimming  # noqa: F401  (fixture)
from tests.register_pages.register_pages_school import DAY, WHILE_OPEN, london


@pytest.fixture(autouse=True)
def during_the_lesson(clock):
    clock.set(DURING_LESSON)


def take_morning_register(school, codes: dict) -> None:
    register_submit(
        site=school.north, registration_group=school.form_7a, date=DAY, session="AM",
        marks=[MarkInput(p.pk, codes.get(p.pk, "/")) for p in school.pupils],
        idempotency_key=str(uuid.uuid4()), base_version=0, actor=school.personas.teacher, now=WHILE_OPEN,
    )


def form_data(swimming, codes: dict, *, key: str | None = None, base: int = 0, was: dict | None = None, **extra) -> dict:
    data = {"idempotency_key": key or str(uuid.uuid4()), "base_version": str(base), **extra}
    for pupil_id, code in codes.items():
        data[f"code-{pupil_id}"] = code
    for pupil_id, code in (was or {}).items():
        data[f"was-{pupil_id}"] = code
    return data


def lesson_marks() -> dict[int, tuple[str, int | None]]:
    return {m.pupil_id: (m.code, m.minutes_late) for m in LessonMark.objects.all()}


def test_my_registers_links_the_teachers_lessons_today_with_their_state(client, school, swimming):
    client.force_login(school.personas.teacher)
    content = client.get("/attendance/registers/").content.decode()
    assert "Your lesson registers today" in content
    assert f'href="{swimming.url()}">7 Swim</a>' in content and "Not taken yet" in content

    client.post(swimming.url(), form_data(swimming, {}, fill="present"))
    content = client.get("/attendance/registers/").content.decode()
    assert "Taken at 11:05 by teacher" in content
    # Another member of staff teaches no lesson today: no lesson registers for them.
    client.force_login(school.personas.attendance_officer)
    assert "Your lesson registers" not in client.get("/attendance/registers/").content.decode()


def test_the_page_lists_the_class_that_day_with_each_pupils_session_mark(client, school, swimming):
    ada, bea, cal, dev, eli = school.pupils
    take_morning_register(school, {bea.pk: "N", cal.pk: "L"})
    client.force_login(school.personas.teacher)

    response = client.get(swimming.url())

    assert response.status_code == 200
    assert [r.row.name for r in response.context["rows"]] == ["Ada Ashdown", "Bea Birchley", "Cal Copperfold"]
    assert [r.row.session_code for r in response.context["rows"]] == ["/", "N", "L"]
    content = response.content.decode()
    assert "7 Swim: Swimming, P3" in content and "11:00–12:00, Pool, taught by teacher." in content
    assert "Morning register: / (Present in the morning session" in content
    assert "Morning register: N (Reason for absence not yet established" in content
    assert "Dev Dunmere" not in content and "Eli Elmstead" not in content


def test_a_pupil_present_at_registration_and_marked_absent_is_shown_missing_on_site(client, school, swimming):
    ada, bea, cal, *_ = school.pupils
    take_morning_register(school, {cal.pk: "N"})
    client.force_login(school.personas.teacher)

    response = client.post(swimming.url(), form_data(swimming, {ada.pk: "/", bea.pk: "N", cal.pk: "N"}), follow=True)

    assert lesson_marks() == {ada.pk: ("/", None), bea.pk: ("N", None), cal.pk: ("N", None)}
    rows = {r.row.pupil_id: r.row for r in response.context["rows"]}
    # Bea was at registration and is missing now; Cal was absent all morning: not "on site".
    assert (rows[ada.pk].missing_on_site, rows[bea.pk].missing_on_site, rows[cal.pk].missing_on_site) == (False, True, False)
    assert response.content.decode().count("data-missing-on-site>") == 1
    # Lesson marks never touch the session register.
    session_marks = dict(Mark.objects.values_list("pupil_id", "code"))
    assert (session_marks[ada.pk], session_marks[bea.pk], session_marks[cal.pk]) == ("/", "/", "N")


def test_saving_twice_with_one_key_applies_once_and_a_late_time_counts_from_the_lesson_start(client, school, swimming):
    ada, bea, cal, *_ = school.pupils
    client.force_login(school.personas.teacher)
    data = form_data(swimming, {ada.pk: "/", bea.pk: "L", cal.pk: "/"}, key="lesson-key-1", **{f"arrived-{bea.pk}": "11:04"})

    first = client.post(swimming.url(), data)
    again = client.post(swimming.url(), data, follow=True)

    assert first.status_code == 302 and again.status_code == 200
    assert "These marks were already saved (version 1)" in again.content.decode()
    assert lesson_marks() == {ada.pk: ("/", None), bea.pk: ("L", 4), cal.pk: ("/", None)}
    assert LessonRegister.objects.get().version == 1


def test_a_refused_mark_is_shown_beside_the_pupil_and_nothing_is_saved(client, school, swimming):
    ada, bea, *_ = school.pupils
    client.force_login(school.personas.teacher)

    response = client.post(swimming.url(), form_data(swimming, {ada.pk: "/", bea.pk: "H"}))

    assert response.status_code == 422
    shown = {r.row.pupil_id: r for r in response.context["rows"]}
    assert "withdrawn" in shown[bea.pk].error and not shown[ada.pk].error
    assert not LessonMark.objects.exists()


def test_a_stale_save_is_told_which_marks_someone_else_changed(client, school, swimming):
    ada, bea, *_ = school.pupils
    lesson_register_submit(lesson=swimming.lesson, date=DAY, marks=[MarkInput(ada.pk, "N")], idempotency_key="other",
                           base_version=0, actor=school.personas.attendance_officer, now=london(DAY, 11, 2))
    client.force_login(school.personas.teacher)

    response = client.post(swimming.url(), form_data(swimming, {ada.pk: "/", bea.pk: "/"}, base=0))

    assert response.status_code == 409
    conflict = {r.row.pupil_id: r.conflict for r in response.context["rows"] if r.conflict}
    assert list(conflict) == [ada.pk] and conflict[ada.pk]["theirs"] == "N"
    assert lesson_marks() == {ada.pk: ("N", None)}


def test_on_a_day_the_lesson_is_not_held_there_is_no_register(client, school, swimming, clock):
    friday = DAY.replace(day=11)
    clock.set(london(friday, 11, 5))
    client.force_login(school.personas.teacher)
    content = client.get(swimming.url(friday)).content.decode()
    assert "7 Swim has no P3 lesson on Friday 11 September 2026" in content
    assert "data-register" not in content


@pytest.mark.parametrize(("persona", "status"), [
    ("teacher", 200), ("attendance_officer", 200), ("dsl", 200), ("admin", 200),
    ("external", 403), ("deputy_dsl_south", 404),
])
def test_staff_of_the_site_take_lesson_registers_and_outsiders_are_refused(client, school, swimming, persona, status):
    ada = school.pupils[0]
    client.force_login(getattr(school.personas, persona))
    assert client.get(swimming.url()).status_code == status
    posted = client.post(swimming.url(), form_data(swimming, {ada.pk: "/"}))
    assert posted.status_code == (302 if status == 200 else status)
    assert LessonMark.objects.count() == (1 if status == 200 else 0)


def test_a_lesson_that_does_not_exist_is_not_found(client, school, swimming):
    client.force_login(school.personas.teacher)
    assert client.get(f"/attendance/lessons/{swimming.lesson.pk + 100}/{DAY.isoformat()}/").status_code == 404
    assert client.get(f"/attendance/lessons/{swimming.lesson.pk}/2026-02-30/").status_code == 404
