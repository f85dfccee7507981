"""The register page as a plain HTML form (no JavaScript): it shows every pupil "not yet
marked" with planned absences pre-filled, and a POST goes through register_submit exactly
as the API does: applied once per idempotency key, refused whole with the errors beside
the pupils, and a conflict shown mark by mark."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from safewell.attendance.models import Mark, MarkAmendment, PlannedAbsence, SessionRegister, SubmissionReceipt
from safewell.attendance.register_views import REGISTER_ALREADY_SAVED
from tests.register_pages.register_pages_school import AFTER_CLOSE, DAY, SATURDAY, london


def form_data(school, codes: dict, *, key: str | None = None, base: int = 0, was: dict | None = None, **extra) -> dict:
    data = {"idempotency_key": key or str(uuid.uuid4()), "base_version": str(base)}
    for pupil in school.pupils:
        data[f"code-{pupil.pk}"] = codes.get(pupil, "")
        data[f"was-{pupil.pk}"] = (was or {}).get(pupil, "")
    data.update(extra)
    return data


def marks_of(school) -> dict:
    return {m.pupil_id: m.code for m in Mark.objects.filter(date=DAY, session="AM")}


def test_every_pupil_starts_not_yet_marked(client, school, clock):
    client.force_login(school.personas.teacher)
    response = client.get(school.register_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count("Not yet marked") == 5
    assert "Ada Ashdown" in content and "Eli Elmstead" in content
    assert "Fay Fernhill" not in content  # 8B


def test_a_planned_absence_is_pre_filled(client, school, clock):
    PlannedAbsence.objects.create(pupil=school.pupils[1], code="M", starts_on=DAY, ends_on=DAY, reason="Medical appointment")
    client.force_login(school.personas.teacher)
    response = client.get(school.register_url())
    assert f'name="code-{school.pupils[1].pk}"\n             value="M"' in response.content.decode()
    assert "Planned: M" in response.content.decode()


def test_mark_all_present_then_an_exception_saves_every_mark_once(client, school, clock):
    client.force_login(school.personas.teacher)
    bea = school.pupils[1]
    response = client.post(school.register_url(), form_data(school, {bea: "n"}, fill="present"))
    assert response.status_code == 302
    marks = marks_of(school)
    assert marks == {p.pk: ("N" if p == bea else "/") for p in school.pupils}
    register = SessionRegister.objects.get(registration_group=school.form_7a, date=DAY, session="AM")
    assert register.version == 1 and register.taken_by == school.personas.teacher
    assert SubmissionReceipt.objects.count() == 1


def test_posting_the_same_form_twice_applies_it_once(client, school, clock):
    client.force_login(school.personas.teacher)
    data = form_data(school, {}, fill="present")
    client.post(school.register_url(), data)
    response = client.post(school.register_url(), data, follow=True)
    assert REGISTER_ALREADY_SAVED.format(version=1) in response.content.decode()
    assert SessionRegister.objects.get(registration_group=school.form_7a).version == 1
    assert SubmissionReceipt.objects.count() == 1


def test_a_withdrawn_code_is_shown_beside_its_pupil_and_nothing_is_saved(client, school, clock):
    client.force_login(school.personas.teacher)
    cal = school.pupils[2]
    response = client.post(school.register_url(), form_data(school, {cal: "H"}, fill="present"))
    assert response.status_code == 422
    content = response.content.decode()
    assert f'<a href="#code-{cal.pk}">Cal Copperfold: Code “H” was withdrawn on 19 August 2024' in content
    assert Mark.objects.count() == 0 and SubmissionReceipt.objects.count() == 0


def test_a_late_arrival_time_makes_l_with_the_minutes_late(client, school, clock):
    client.force_login(school.personas.teacher)
    dev = school.pupils[3]
    client.post(school.register_url(), form_data(school, {dev: "L"}, fill="present", **{f"arrived-{dev.pk}": "09:02"}))
    mark = Mark.objects.get(pupil=dev, date=DAY, session="AM")
    assert (mark.code, mark.minutes_late) == ("L", 17)


def test_a_late_arrival_after_the_close_becomes_u(client, school, clock):
    clock.set(AFTER_CLOSE)
    client.force_login(school.personas.teacher)
    dev = school.pupils[3]
    client.post(school.register_url(), form_data(school, {dev: "L"}, **{f"arrived-{dev.pk}": "09:40"}))
    mark = Mark.objects.get(pupil=dev, date=DAY, session="AM")
    assert (mark.code, mark.minutes_late) == ("U", 55)


def test_an_arrival_time_that_is_not_a_time_is_refused(client, school, clock):
    client.force_login(school.personas.teacher)
    dev = school.pupils[3]
    response = client.post(school.register_url(), form_data(school, {dev: "L"}, **{f"arrived-{dev.pk}": "nine"}))
    assert response.status_code == 422
    assert "Enter the arrival time as hours and minutes, like 09:05." in response.content.decode()
    assert Mark.objects.count() == 0


def test_a_stale_form_is_told_which_marks_conflict_and_who_changed_them(client, school, clock):
    ada, bea = school.pupils[0], school.pupils[1]
    client.force_login(school.personas.attendance_officer)
    client.post(school.register_url(), form_data(school, {ada: "/", bea: "I"}))
    client.force_login(school.personas.teacher)
    # The teacher's page was loaded at version 0: Bea's N conflicts with the officer's I;
    # Ada's / agrees with the server, so it is no conflict.
    response = client.post(school.register_url(), form_data(school, {ada: "/", bea: "N"}, base=0))
    assert response.status_code == 409
    content = response.content.decode()
    assert "Changed to I by attendance at 08:5" in content
    assert "Your mark (N) is in the box" in content
    assert f'name="was-{bea.pk}" value="I"' in content
    assert 'name="base_version" value="1"' in content
    assert marks_of(school) == {ada.pk: "/", bea.pk: "I"}


def test_keeping_theirs_after_a_conflict_changes_nothing(client, school, clock):
    bea = school.pupils[1]
    client.force_login(school.personas.attendance_officer)
    client.post(school.register_url(), form_data(school, {bea: "I"}))
    client.force_login(school.personas.teacher)
    response = client.post(school.register_url(), form_data(school, {bea: "I"}, base=1, was={bea: "I"}))
    assert response.status_code == 302
    assert SessionRegister.objects.get(registration_group=school.form_7a).version == 1


def test_changing_a_mark_after_the_close_needs_a_reason_and_is_reported(client, school, clock):
    ada = school.pupils[0]
    client.force_login(school.personas.teacher)
    client.post(school.register_url(), form_data(school, {}, fill="present"))
    clock.set(AFTER_CLOSE)
    response = client.post(school.register_url(), form_data(school, {ada: "M"}, base=1, was={ada: "/"}))
    assert response.status_code == 422
    assert "The register closed at 09:15" in response.content.decode()
    response = client.post(
        school.register_url(), form_data(school, {ada: "M"}, base=1, was={ada: "/"}, reason="Dentist letter came in")
    )
    assert response.status_code == 302
    amendment = MarkAmendment.objects.get(pupil=ada)
    assert (amendment.old_code, amendment.new_code, amendment.out_of_window) == ("/", "M", True)


def test_a_day_without_sessions_has_no_register_to_take(client, school, clock):
    client.force_login(school.personas.teacher)
    response = client.get(school.register_url(day=SATURDAY))
    assert response.status_code == 200
    assert "has no morning session on Saturday 12 September 2026" in response.content.decode()
    assert b"<form method=\"post\"" not in response.content


def test_a_future_register_cannot_be_taken_yet(client, school, clock):
    clock.set(london(DAY - dt.timedelta(days=1), 8, 50))
    client.force_login(school.personas.teacher)
    response = client.get(school.register_url())
    assert "cannot be taken before Thursday 10 September 2026" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("external", 403), ("deputy_dsl_south", 404)])
def test_people_without_a_register_role_at_the_site_are_refused(client, school, clock, persona, status):
    client.force_login(getattr(school.personas, persona))
    assert client.get(school.register_url()).status_code == status
    assert client.post(school.register_url(), form_data(school, {}, fill="present")).status_code == status
    assert Mark.objects.count() == 0


def test_a_teacher_of_another_site_gets_not_found(client, school, clock):
    client.force_login(school.personas.teacher)
    assert client.get(school.register_url(group=school.form_9s)).status_code == 404


def test_a_date_that_does_not_exist_is_not_found(client, school, clock):
    client.force_login(school.personas.teacher)
    assert client.get(f"/attendance/registers/{school.form_7a.pk}/2026-02-30/AM/").status_code == 404
