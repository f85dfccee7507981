"""The register API through real URLs, against every persona; bad JSON gets a 4xx with
field paths, never a 500."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from safewell.attendance.models import Mark, SessionRegister
from safewell.audit.models import Action, AuditEvent
from safewell.pupils.services import characteristic_add
from tests.registers.register_school import DAY, WHILE_OPEN

SUBMIT = "/api/registers/submit"


@pytest.fixture(autouse=True)
def the_clock_reads_while_open(monkeypatch):
    # The API reads the real clock (timezone.now); set it to 08:50 on DAY.
    monkeypatch.setattr(timezone, "now", lambda: WHILE_OPEN.astimezone(dt.UTC))


def body(school, marks=None, **fields) -> dict:
    return {
        "site": "north", "registration_group": school.group.pk, "date": DAY.isoformat(), "session": "AM",
        "idempotency_key": str(uuid.uuid4()), "base_version": 0, "reason": "",
        "marks": marks if marks is not None else [{"pupil": p.pk, "code": "/", "minutes_late": None} for p in school.pupils],
        **fields,
    }


def post(client, data) -> object:
    payload = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.post(SUBMIT, payload, content_type="application/json")


@pytest.mark.parametrize("persona", ["teacher", "attendance_officer", "dsl", "admin"])
def test_a_member_of_the_site_who_takes_registers_can_submit(client, school, persona):
    client.force_login(getattr(school.personas, persona))

    response = post(client, body(school))

    assert response.status_code == 200, response.content
    assert response.json() == {"register": SessionRegister.objects.get().pk, "version": 1, "applied": 3, "replayed": False}
    assert Mark.objects.count() == 3


def test_the_other_sites_deputy_dsl_is_told_the_site_does_not_exist(client, school):
    client.force_login(school.personas.deputy_dsl_south)

    response = post(client, body(school))

    assert response.status_code == 404
    assert not Mark.objects.exists()


def test_the_other_sites_deputy_cannot_reach_a_north_group_through_their_own_site(client, school):
    client.force_login(school.personas.deputy_dsl_south)

    response = post(client, body(school, site="south"))

    assert response.status_code == 404
    assert not Mark.objects.exists()


def test_an_external_user_may_neither_read_a_whole_register_nor_submit_one(client, school):
    from safewell.attendance.selectors import NOT_A_REGISTER_READER

    client.force_login(school.personas.teacher)
    post(client, body(school))
    client.force_login(school.personas.external)

    read = client.get(f"/api/registers/{school.group.pk}/{DAY.isoformat()}/AM")
    assert (read.status_code, read.json()["detail"]) == (403, NOT_A_REGISTER_READER)
    assert "Registertest" not in read.content.decode()
    assert post(client, body(school, [{"pupil": school.ada.pk, "code": "N"}], base_version=1)).status_code == 403
    assert set(Mark.objects.values_list("code", flat=True)) == {"/"}
    # Their own pupils' marks stay readable through the pupil API.
    assert client.get(f"/api/pupils/{school.ada.pk}/marks").status_code == 200


def test_anonymous_gets_401(client, school):
    assert post(client, body(school)).status_code == 401


def test_a_replay_answers_with_the_first_result(client, school):
    client.force_login(school.personas.teacher)
    data = body(school)

    first, again = post(client, data), post(client, data)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {**first.json(), "replayed": True}


def test_a_refused_submission_is_a_422_with_the_path_of_each_problem(client, school):
    client.force_login(school.personas.teacher)
    marks = [{"pupil": school.ada.pk, "code": "/"}, {"pupil": school.bea.pk, "code": "H"}, {"pupil": school.eve.pk, "code": "/"}]

    response = post(client, body(school, marks))

    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["marks[1].code", "marks[2].pupil"]
    assert not Mark.objects.exists()


def test_a_conflict_is_a_409_naming_the_marks(client, school):
    client.force_login(school.personas.teacher)
    post(client, body(school))
    post(client, body(school, [{"pupil": school.ada.pk, "code": "N"}], base_version=1))

    response = post(client, body(school, [{"pupil": school.ada.pk, "code": "L", "minutes_late": 3}], base_version=1))

    assert response.status_code == 409
    data = response.json()
    assert data["version"] == 2
    assert [(c["pupil"], c["yours"], c["theirs"]) for c in data["conflicts"]] == [(school.ada.pk, "L", "N")]


@pytest.mark.parametrize(
    ("payload", "status", "paths"),
    [
        ("{not json", 400, [""]),
        (b"\xff\xfe", 400, [""]),
        ("[]", 422, [""]),
        ({"site": "north"}, 422, ["registration_group", "date", "session", "idempotency_key", "base_version", "marks"]),
        ("MARKS", 422, ["marks[1].pupil", "marks[2].code"]),
        ("DATE", 422, ["date", "session", "base_version"]),
    ],
)
def test_bad_json_is_a_4xx_with_field_paths_never_a_500(client, school, payload, status, paths):
    client.force_login(school.personas.teacher)
    if payload == "MARKS":
        payload = body(school, [{"pupil": school.ada.pk, "code": "/"}, {"pupil": "Ada", "code": "/"}, {"pupil": 1, "code": 7}])
    elif payload == "DATE":
        payload = body(school, date="10/09/2026", session="morning", base_version=-1)

    response = post(client, payload)

    assert response.status_code == status
    assert [e["path"] for e in response.json()["errors"]] == paths
    assert not Mark.objects.exists()


def test_reading_the_register_gives_its_version_marks_and_pupils_on_roll(client, school):
    client.force_login(school.personas.teacher)
    post(client, body(school, [{"pupil": school.ada.pk, "code": "L", "minutes_late": 4}]))

    data = client.get(f"/api/registers/{school.group.pk}/{DAY.isoformat()}/AM").json()

    assert (data["version"], data["closed"], data["can_edit"], data["is_school_session"]) == (1, False, True, True)
    assert data["opens_at"].startswith("2026-09-10T08:45:00+01:00") or data["opens_at"] == "2026-09-10T07:45:00Z"
    # Eve (admitted in October) is not on this register.
    assert [(r["name"], r["code"], r["minutes_late"]) for r in data["pupils"]] == [
        ("Ada Registertest", "L", 4), ("Bea Registertest", "", None), ("Cal Registertest", "", None)
    ]


def test_a_teacher_sees_no_safeguarding_flags_and_the_dsl_does_with_the_read_audited(client, school):
    characteristic_add(pupil=school.ada, kind="child_protection_plan", starts_on=dt.date(2026, 9, 1))
    characteristic_add(pupil=school.ada, kind="ehc_plan", starts_on=dt.date(2026, 9, 1))
    url = f"/api/registers/{school.group.pk}/{DAY.isoformat()}/AM"

    client.force_login(school.personas.teacher)
    teacher_flags = client.get(url).json()["pupils"][0]["flags"]
    assert not AuditEvent.objects.filter(action=Action.READ).exists()
    client.force_login(school.personas.dsl)
    dsl_flags = client.get(url).json()["pupils"][0]["flags"]

    assert teacher_flags == ["ehc_plan"]
    assert dsl_flags == ["child_protection_plan", "ehc_plan"]
    read = AuditEvent.objects.get(action=Action.READ)
    assert (read.actor_id, read.target_id) == (school.personas.dsl.pk, str(school.group.pk))


def test_reading_a_group_of_another_site_is_a_404(client, school):
    client.force_login(school.personas.deputy_dsl_south)

    assert client.get(f"/api/registers/{school.group.pk}/{DAY.isoformat()}/AM").status_code == 404


def test_a_bad_date_or_session_in_the_register_url_is_a_422(client, school):
    client.force_login(school.personas.teacher)

    assert client.get(f"/api/registers/{school.group.pk}/2026-13-01/AM").status_code == 422
    assert client.get(f"/api/registers/{school.group.pk}/{DAY.isoformat()}/XX").status_code == 422
