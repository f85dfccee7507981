"""GET /api/pupils/{id}/summary and GET /api/pupils/{id}/marks: figures per enrolment with
their period, marks over a range, 404 for a pupil the reader may not see, and a 422 naming
the field for bad input."""

from __future__ import annotations

import pytest

from safewell.pupils import services
from tests.attendance_summaries.summaries_school import PRESENT as P, WEEK_1, WEEK_2, admit, write_marks

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(school):
    pupil = admit(school.north, "Ada")
    write_marks(pupil, [P] * 8 + ["I", "U"], WEEK_1)
    write_marks(pupil, ["L"] + [P] * 8 + ["D"], WEEK_2)
    return pupil


def test_a_pupils_summary_over_a_period(client, school, ada):
    client.force_login(school.teacher)

    body = client.get(f"/api/pupils/{ada.pk}/summary", {"start": "2025-09-08", "end": "2025-09-19"}).json()

    [enrolment] = body["enrolments"]
    sessions = enrolment["sessions"]
    # 19 possible (D is not), 2 absent: 10.53%, persistent; L counts as present.
    assert body["period"] == enrolment["period"] == {
        "start": "2025-09-08", "end": "2025-09-19", "mode": "period", "academic_year": "",
        "label": "8 September 2025 to 19 September 2025", "counted_to": "2025-09-19",
    }
    assert (enrolment["site"], enrolment["counted_from"], enrolment["counted_to"]) == ("north", "2025-09-08", "2025-09-19")
    assert (sessions["possible_sessions"], sessions["present"], sessions["overall_absence"]) == (19, 17, 2)
    assert sessions["overall_absence_rate"] == 10.53 and sessions["attendance_rate"] == 89.47
    assert (sessions["persistent_absence"], sessions["severe_absence"]) == (True, False)
    assert sessions["by_code"] == {"/": 8, "\\": 8, "L": 1, "D": 1, "I": 1, "U": 1}
    assert sessions["not_possible"] == 1 and sessions["no_mark"] == 0 and sessions["note"] == ""


def test_a_period_with_no_possible_sessions_gives_nulls_and_says_why(client, school, ada):
    client.force_login(school.teacher)

    body = client.get(f"/api/pupils/{ada.pk}/summary", {"start": "2025-10-27", "end": "2025-10-31"}).json()

    sessions = body["enrolments"][0]["sessions"]
    assert sessions["possible_sessions"] == 0
    assert sessions["overall_absence_rate"] is None and sessions["persistent_absence"] is None
    assert sessions["note"] == "No possible sessions in this period"


def test_year_to_date_runs_to_the_day_asked_about(client, school, ada):
    client.force_login(school.dsl)

    body = client.get(f"/api/pupils/{ada.pk}/summary", {"end": "2025-09-12"}).json()

    assert body["period"]["mode"] == "ytd" and body["period"]["start"] == "2025-08-01"
    # Thu 4 and Fri 5 Sep have no mark; week 1 is 10 possible sessions.
    assert body["enrolments"][0]["sessions"]["possible_sessions"] == 10
    assert body["enrolments"][0]["sessions"]["no_mark"] == 4


def test_a_leavers_enrolment_is_counted_to_the_leaving_date(client, school, ada):
    services.enrolment_end(enrolment=ada.enrolments.get(), leaving_date=WEEK_1[-1],
                           deletion_ground="registered_at_another_school")
    client.force_login(school.dsl)

    body = client.get(f"/api/pupils/{ada.pk}/summary", {"start": "2025-09-08", "end": "2025-09-19"}).json()

    enrolment = body["enrolments"][0]
    assert (enrolment["leaving_date"], enrolment["counted_to"]) == ("2025-09-12", "2025-09-12")
    assert enrolment["sessions"]["possible_sessions"] == 10


def test_a_pupils_marks_over_a_range(client, school, ada):
    client.force_login(school.teacher)

    body = client.get(f"/api/pupils/{ada.pk}/marks", {"start": "2025-09-12", "end": "2025-09-15"}).json()

    assert (body["start"], body["end"]) == ("2025-09-12", "2025-09-15")
    assert [(m["date"], m["session"], m["code"], m["category"], m["is_possible"]) for m in body["marks"]] == [
        ("2025-09-12", "AM", "I", "authorised", True),
        ("2025-09-12", "PM", "U", "unauthorised", True),
        ("2025-09-15", "AM", "L", "present", True),
        ("2025-09-15", "PM", "\\", "present", True),
    ]
    assert body["marks"][1]["minutes_late"] == 7 and body["marks"][1]["source"] == "Register"


@pytest.mark.parametrize("path", ["summary", "marks"])
def test_a_pupil_at_another_site_is_not_found(client, school, ada, path):
    client.force_login(school.deputy_dsl_south)

    response = client.get(f"/api/pupils/{ada.pk}/{path}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(("path", "query", "field", "message"), [
    ("summary", {"start": "2025-09-19", "end": "2025-09-08"}, "query.end", "The end (2025-09-08) is before the start (2025-09-19)"),
    ("summary", {"start": "2025-13-01"}, "query.start", None),
    ("summary", {"mode": "ytd", "start": "2025-09-01"}, "query.start", None),
    ("marks", {"start": "2024-09-01", "end": "2025-09-19"}, "query.end", "Ask for at most 366 days of marks at a time"),
    ("marks", {"start": "2025-09-19", "end": "2025-09-08"}, "query.end", None),
    ("marks", {"end": "yesterday"}, "query.end", None),
])
def test_bad_input_gets_a_422_naming_the_field(client, school, ada, path, query, field, message):
    client.force_login(school.teacher)

    response = client.get(f"/api/pupils/{ada.pk}/{path}", query)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if message:
        assert errors[0]["message"] == message


def test_the_endpoints_are_in_the_openapi_document(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]

    assert {"/api/pupils/{pupil_id}/summary", "/api/pupils/{pupil_id}/marks", "/api/summaries"} <= set(paths)
    parameters = {p["name"] for p in paths["/api/summaries"]["get"]["parameters"]}
    assert parameters == {"start", "end", "mode", "site", "group", "year_group", "characteristic", "by"}
