"""The lesson register API through real URLs: submit (exactly once, 422 with paths, 409
naming the marks, bad JSON a 4xx never a 500) and read (the class that day with each
pupil's session mark), against every persona."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from safewell.attendance.models import LessonMark, LessonRegister, Mark
from safewell.attendance.selectors import NOT_A_REGISTER_READER
from tests.registers.lesson_timetable import swim_lesson  # noqa: F401  (fixture)
from tests.registers.register_school import DAY, london, submit

SUBMIT = "/api/lesson-registers/submit"
DURING_LESSON = london(DAY, 11, 10)


@pytest.fixture(autouse=True)
def the_clock_reads_during_the_lesson(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: DURING_LESSON.astimezone(dt.UTC))


def body(school, lesson, marks=None, **fields) -> dict:
    return {
        "lesson": lesson.pk, "date": DAY.isoformat(), "idempotency_key": str(uuid.uuid4()), "base_version": 0,
        "marks": marks if marks is not None else [{"pupil": p.pk, "code": "/"} for p in (school.ada, school.bea)],
        **fields,
    }


def post(client, data):
    payload = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(SUBMIT, payload, content_type="application/json")


def detail_url(lesson, day=DAY) -> str:
    return f"/api/lesson-registers/{lesson.pk}/{day.isoformat()}"


@pytest.mark.parametrize("persona", ["teacher", "attendance_officer", "dsl", "admin"])
def test_staff_of_the_site_submit_a_lesson_register(client, school, swim_lesson, persona):
    client.force_login(getattr(school.personas, persona))

    response = post(client, body(school, swim_lesson))

    assert response.status_code == 200, response.content
    assert response.json() == {"register": LessonRegister.objects.get().pk, "version": 1, "applied": 2, "replayed": False}
    assert LessonMark.objects.count() == 2 and not Mark.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("external", 403), ("deputy_dsl_south", 404)])
def test_outsiders_may_neither_read_nor_submit_a_lesson_register(client, school, swim_lesson, persona, status):
    client.force_login(getattr(school.personas, persona))

    submitted, read = post(client, body(school, swim_lesson)), client.get(detail_url(swim_lesson))

    assert (submitted.status_code, read.status_code) == (status, status)
    if persona == "external":
        assert read.json()["detail"] == NOT_A_REGISTER_READER
    assert not LessonMark.objects.exists()


def test_anonymous_gets_401(client, school, swim_lesson):
    assert post(client, body(school, swim_lesson)).status_code == 401
    assert client.get(detail_url(swim_lesson)).status_code == 401


def test_a_replay_answers_with_the_first_result(client, school, swim_lesson):
    client.force_login(school.personas.teacher)
    data = body(school, swim_lesson)

    first, again = post(client, data), post(client, data)

    assert again.json() == {**first.json(), "replayed": True}
    assert LessonRegister.objects.get().version == 1


def test_a_refusal_is_a_422_with_paths_and_a_conflict_a_409_naming_the_marks(client, school, swim_lesson):
    client.force_login(school.personas.teacher)
    refused = post(client, body(school, swim_lesson, [{"pupil": school.ada.pk, "code": "H"}, {"pupil": school.cal.pk, "code": "/"}]))
    post(client, body(school, swim_lesson))
    post(client, body(school, swim_lesson, [{"pupil": school.ada.pk, "code": "N"}], base_version=1))

    conflict = post(client, body(school, swim_lesson, [{"pupil": school.ada.pk, "code": "/"}, {"pupil": school.bea.pk, "code": "N"}],
                                 base_version=1))

    assert refused.status_code == 422
    assert [e["path"] for e in refused.json()["errors"]] == ["marks[0].code", "marks[1].pupil"]
    assert conflict.status_code == 409
    assert [(c["pupil"], c["yours"], c["theirs"]) for c in conflict.json()["conflicts"]] == [(school.ada.pk, "/", "N")]
    assert dict(LessonMark.objects.values_list("pupil_id", "code")) == {school.ada.pk: "N", school.bea.pk: "/"}


@pytest.mark.parametrize(
    ("payload", "status", "paths"),
    [
        ("{not json", 400, [""]),
        ("[]", 422, [""]),
        ({"lesson": 1}, 422, ["date", "idempotency_key", "base_version", "marks"]),
        ("BAD", 422, ["date", "base_version", "marks[0].pupil"]),
    ],
)
def test_bad_json_is_a_4xx_with_field_paths_never_a_500(client, school, swim_lesson, payload, status, paths):
    client.force_login(school.personas.teacher)
    if payload == "BAD":
        payload = body(school, swim_lesson, [{"pupil": "Ada", "code": "/"}], date="10/09/2026", base_version=-1)

    response = post(client, payload)

    assert response.status_code == status
    assert [e["path"] for e in response.json()["errors"]] == paths
    assert not LessonMark.objects.exists()


def test_reading_a_lesson_register_gives_the_class_that_day_with_session_marks(client, school, swim_lesson):
    submit(school, [(school.ada, "/"), (school.bea, "/"), (school.cal, "/")])  # the morning register
    client.force_login(school.personas.teacher)
    post(client, body(school, swim_lesson, [{"pupil": school.ada.pk, "code": "/"}, {"pupil": school.bea.pk, "code": "N"}]))

    data = client.get(detail_url(swim_lesson)).json()

    assert (data["version"], data["session"], data["is_held"], data["can_edit"], data["taken_by"]) == (1, "AM", True, True, "teacher")
    assert dt.datetime.fromisoformat(data["starts_at"].replace("Z", "+00:00")) == london(DAY, 11)
    # Cal joins the class on 1 October: not on this register.
    assert [(r["name"], r["code"], r["session_code"], r["missing_on_site"]) for r in data["pupils"]] == [
        ("Ada Registertest", "/", "/", False), ("Bea Registertest", "N", "/", True),
    ]


def test_a_lesson_on_a_day_it_is_not_held_reads_as_not_held(client, school, swim_lesson):
    client.force_login(school.personas.teacher)
    data = client.get(detail_url(swim_lesson, DAY - dt.timedelta(days=1))).json()
    assert (data["is_held"], data["pupils"][0]["code"]) == (False, "")
