"""Group summaries through GET /api/summaries: per site, year group, registration group,
pupil and characteristic, figures worked out by hand, scoped to what the reader may see.

Week 1 (Mon 8 – Fri 12 Sep 2025), 10 sessions each:
  Ada  North, Year 7, 7A   8 present, I, U      possible 10, absent 2 (20%: persistent)
  Bea  North, Year 7, 7A   10 present           possible 10, absent 0
  Cal  North, Year 8, 8B   5 present, 5 G       possible 10, absent 5 (50%: persistent, severe)
  Dot  South, Year 7, none 9 present, D         possible 9,  absent 0
Characteristics: Ada free school meals from 1 Sep; Cal free school meals only from 15 Sep
(after the week, so not held on its last day); Bea a child protection plan from 1 Sep.
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.accounts.models import Membership, Role
from safewell.audit.models import AuditEvent
from safewell.pupils import services
from tests.attendance_summaries.summaries_school import PRESENT as P, admit, write_marks
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

WEEK_1 = {"start": "2025-09-08", "end": "2025-09-12"}


@pytest.fixture
def pupils(school):
    group_7a = services.registration_group_create(site=school.north, name="7A", year_group="7")
    group_8b = services.registration_group_create(site=school.north, name="8B", year_group="8")
    ada = admit(school.north, "Ada", registration_group=group_7a)
    bea = admit(school.north, "Bea", registration_group=group_7a)
    cal = admit(school.north, "Cal", year_group="8", registration_group=group_8b)
    dot = admit(school.south, "Dot")
    write_marks(ada, [P] * 8 + ["I", "U"])
    write_marks(bea, [P] * 10)
    write_marks(cal, [P] * 5 + ["G"] * 5)
    write_marks(dot, [P] * 9 + ["D"])
    services.characteristic_add(pupil=ada, kind="free_school_meals", starts_on=dt.date(2025, 9, 1))
    services.characteristic_add(pupil=cal, kind="free_school_meals", starts_on=dt.date(2025, 9, 15))
    services.characteristic_add(pupil=bea, kind="child_protection_plan", starts_on=dt.date(2025, 9, 1))
    school.group_7a = group_7a
    return school


@pytest.fixture
def head(pupils):
    """A DSL at both sites."""
    user = make_user("head", pupils.north, Role.DSL)
    Membership.objects.create(user=user, site=pupils.south, role=Role.DSL)
    return user


def groups_of(body: dict) -> dict[str, tuple]:
    return {
        g["label"]: (g["enrolments"], g["sessions"]["possible_sessions"], g["sessions"]["overall_absence"],
                     g["persistent_absentees"], g["severe_absentees"])
        for g in body["groups"]
    }


def test_the_total_and_each_site_are_counted_per_enrolment(client, head):
    client.force_login(head)
    body = client.get("/api/summaries", {**WEEK_1, "by": "site"}).json()

    total = body["total"]
    assert (total["enrolments"], total["sessions"]["possible_sessions"], total["sessions"]["overall_absence"]) == (4, 39, 7)
    assert total["sessions"]["overall_absence_rate"] == round(100 * 7 / 39, 2)
    assert (total["persistent_absentees"], total["severe_absentees"]) == (2, 1)
    assert total["persistent_absence_rate"] == 50.0 and total["severe_absence_rate"] == 25.0
    assert groups_of(body) == {"North site": (3, 30, 7, 2, 1), "South site": (1, 9, 0, 0, 0)}
    assert body["period"]["label"] == "8 September 2025 to 12 September 2025"
    assert all(g["period"] == body["period"] for g in body["groups"])


def test_year_groups_and_registration_groups(client, head):
    client.force_login(head)

    by_year = client.get("/api/summaries", {**WEEK_1, "by": "year_group"}).json()
    by_group = client.get("/api/summaries", {**WEEK_1, "by": "registration_group"}).json()

    assert groups_of(by_year) == {"Year 7": (3, 29, 2, 1, 0), "Year 8": (1, 10, 5, 1, 1)}
    assert [g["key"] for g in by_year["groups"]] == ["7", "8"]
    assert groups_of(by_group) == {"7A": (2, 20, 2, 1, 0), "8B": (1, 10, 5, 1, 1), "No registration group": (1, 9, 0, 0, 0)}


def test_filters_narrow_the_enrolments(client, head, pupils):
    client.force_login(head)

    one_group = client.get("/api/summaries", {**WEEK_1, "group": pupils.group_7a.pk, "by": "pupil"}).json()
    year_8 = client.get("/api/summaries", {**WEEK_1, "year_group": "8"}).json()
    south = client.get("/api/summaries", {**WEEK_1, "site": "south"}).json()

    assert groups_of(one_group) == {"Ada Summary": (1, 10, 2, 1, 0), "Bea Summary": (1, 10, 0, 0, 0)}
    assert one_group["filters"]["group"] == str(pupils.group_7a.pk)
    assert (year_8["total"]["enrolments"], year_8["total"]["severe_absentees"]) == (1, 1)
    assert (south["total"]["enrolments"], south["total"]["sessions"]["not_possible"]) == (1, 1)


def test_characteristics_are_those_held_on_the_last_day_counted(client, head):
    client.force_login(head)
    body = client.get("/api/summaries", {**WEEK_1, "by": "characteristic"}).json()

    assert body["characteristics_on"] == "2025-09-12"
    assert groups_of(body) == {
        "Free school meals": (1, 10, 2, 1, 0),
        "Child protection plan (s47)": (1, 10, 0, 0, 0),
        "None of these characteristics recorded": (2, 19, 5, 1, 1),
    }
    # Who is on a child protection plan was read: the audit log says so.
    event = AuditEvent.objects.filter(target_type="pupils.characteristic", action="read").get()
    assert event.action == "read" and event.target_id == "child_protection_plan"
    assert "8 September 2025 to 12 September 2025" in event.detail


def test_a_teacher_sees_no_safeguarding_characteristic(client, pupils):
    client.force_login(pupils.teacher)

    body = client.get("/api/summaries", {**WEEK_1, "by": "characteristic"}).json()
    refused = client.get("/api/summaries", {**WEEK_1, "characteristic": "child_protection_plan"})
    allowed = client.get("/api/summaries", {**WEEK_1, "characteristic": "free_school_meals"})

    # Bea's plan is not shown: she is among "none of these" with Cal.
    assert groups_of(body) == {"Free school meals": (1, 10, 2, 1, 0), "None of these characteristics recorded": (2, 20, 5, 1, 1)}
    assert refused.status_code == 403
    assert "your role at North site does not" in refused.json()["detail"]
    assert allowed.json()["total"]["enrolments"] == 1
    assert not AuditEvent.objects.filter(target_type="pupils.characteristic", action="read").exists()


def test_an_outside_agency_cannot_group_by_characteristic(client, pupils):
    client.force_login(pupils.external)

    response = client.get("/api/summaries", {**WEEK_1, "by": "characteristic"})

    assert response.status_code == 403
    assert response.json()["detail"] == "Your role at North site does not show pupils' characteristics."


def test_a_reader_sees_only_their_own_sites(client, pupils):
    client.force_login(pupils.deputy_dsl_south)

    mine = client.get("/api/summaries", WEEK_1).json()
    north = client.get("/api/summaries", {**WEEK_1, "site": "north"})
    north_group = client.get("/api/summaries", {**WEEK_1, "group": pupils.group_7a.pk})

    assert (mine["total"]["enrolments"], mine["filters"]) == (1, {"site": "south"})
    assert north.status_code == 422
    assert north.json()["errors"] == [{"field": "query.site", "message": "You have no site with the code “north”", "type": "value_error"}]
    assert north_group.status_code == 422 and north_group.json()["errors"][0]["field"] == "query.group"


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"start": "2025-09-12", "end": "2025-09-08"}, "query.end", "The end (2025-09-08) is before the start (2025-09-12)"),
    ({"mode": "period", "end": "2025-09-12"}, "query.start", "Give the first day of the period (YYYY-MM-DD) with mode=period"),
    ({"mode": "period", "start": "2025-09-08"}, "query.end", "Give the last day of the period (YYYY-MM-DD) with mode=period"),
    ({"mode": "ytd", "start": "2025-09-08"}, "query.start",
     "A year-to-date summary starts at the start of the academic year: leave start out, or use mode=period"),
    ({"start": "2020-01-01", "end": "2025-09-08"}, "query.end", "A summary covers at most 1098 days; this period has 2078"),
    ({"start": "8/9/2025", "end": "2025-09-12"}, "query.start", None),
    ({"mode": "month"}, "query.mode", None),
    ({"by": "teacher"}, "query.by", None),
    ({"year_group": "15"}, "query.year_group", None),
    ({"characteristic": "tall"}, "query.characteristic", None),
    ({"group": "7A"}, "query.group", None),
])
def test_bad_input_gets_a_422_naming_the_field(client, pupils, query, field, message):
    client.force_login(pupils.teacher)

    response = client.get("/api/summaries", query)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    if message:
        assert errors[0]["message"] == message


def test_year_to_date_is_the_default_and_says_so(client, pupils):
    client.force_login(pupils.dsl)

    body = client.get("/api/summaries", {"end": "2025-09-12"}).json()

    # From 1 Aug: Thu 4 and Fri 5 Sep had no marks (4 sessions each for 3 pupils).
    assert body["period"]["mode"] == "ytd"
    assert body["period"]["label"] == "2025/26 year to date, 1 August 2025 to 12 September 2025"
    assert body["total"]["sessions"]["possible_sessions"] == 30
    assert body["total"]["sessions"]["no_mark"] == 12
