"""Cases are for the DSL team of the child's site and the lead DSL only; every read is
audited, and the DSL can see who opened a child's record."""

from __future__ import annotations

import pytest

from safewell.audit.models import Action, AuditEvent
from safewell.safeguarding import selectors
from tests.conftest import make_user
from tests.safeguarding.casework_factory import case_of


def reads_of(pupil) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=Action.READ, target_type="pupils.pupil", target_id=str(pupil.pk)))


def test_opening_a_case_writes_a_read_of_the_child_to_the_audit_log(client, personas, north_pupil):
    case = case_of(personas, north_pupil)
    client.force_login(personas.dsl)

    assert client.get(f"/safeguarding/cases/{case.pk}/").status_code == 200

    [read] = reads_of(north_pupil)
    assert read.actor_username == "dsl" and f"case {case.pk}" in read.detail


def test_the_chronology_read_is_audited_in_the_selector_so_the_pdf_is_too(client, personas, north_pupil):
    case_of(personas, north_pupil)
    client.force_login(personas.dsl)

    client.get(f"/safeguarding/pupils/{north_pupil.pk}/")
    client.get(f"/safeguarding/pupils/{north_pupil.pk}/chronology.pdf")

    assert [e.detail for e in reads_of(north_pupil)] == ["safeguarding: chronology", "safeguarding: chronology printed"]


def test_a_refused_read_is_not_recorded_as_an_opening(client, personas, north_pupil):
    case = case_of(personas, north_pupil)
    client.force_login(personas.deputy_dsl_south)

    assert client.get(f"/safeguarding/cases/{case.pk}/").status_code == 404
    assert reads_of(north_pupil) == []


def test_a_teacher_gets_a_403_that_points_to_raising_a_concern(client, personas, north_pupil):
    case = case_of(personas, north_pupil)
    client.force_login(personas.teacher)

    response = client.get(f"/safeguarding/cases/{case.pk}/")

    assert response.status_code == 403
    assert selectors.NOT_CASEWORK in response.content.decode()


def test_the_lead_dsl_reads_a_south_childs_case_and_so_does_souths_deputy(client, personas, south_pupil):
    case = case_of(personas, south_pupil, actor=personas.deputy_dsl_south)
    for user in (personas.dsl, personas.deputy_dsl_south):
        client.force_login(user)
        assert client.get(f"/safeguarding/cases/{case.pk}/").status_code == 200


def test_a_north_deputy_cannot_read_souths_cases(client, personas, south_pupil):
    case = case_of(personas, south_pupil, actor=personas.deputy_dsl_south)
    north_deputy = make_user("deputy_north", personas.north, "deputy_dsl")
    client.force_login(north_deputy)
    assert client.get(f"/safeguarding/cases/{case.pk}/").status_code == 404


def test_the_dsl_sees_who_opened_the_childs_record_and_an_administrator_does_not(client, personas, north_pupil):
    case = case_of(personas, north_pupil)
    client.force_login(personas.dsl)
    client.get(f"/safeguarding/cases/{case.pk}/")
    url = f"/audit/opened/pupils.pupil/{north_pupil.pk}/"

    page = client.get(url)
    assert page.status_code == 200 and f"safeguarding: case {case.pk}" in page.content.decode()
    for user in (personas.admin, personas.teacher, personas.deputy_dsl_south):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", ["teacher", "attendance_officer", "admin"])
def test_staff_outside_the_dsl_team_can_raise_a_concern_but_not_read_one(client, personas, north_pupil, persona):
    client.force_login(getattr(personas, persona))
    response = client.post("/safeguarding/concerns/new/", {
        "pupil": north_pupil.pk, "categories": ["neglect"], "description": "Came in without a coat again.",
        "observed_at": "2026-11-02T08:50",
    })
    assert response.status_code == 302
    concern = north_pupil.safeguarding_concerns.get()
    assert client.get(f"/safeguarding/concerns/{concern.pk}/").status_code == 403
    mine = client.get("/safeguarding/concerns/").content.decode()
    assert "Waiting to be looked at" in mine and "Came in without a coat" not in mine


def test_an_external_user_cannot_raise_a_concern_here(client, personas, north_pupil):
    client.force_login(personas.external)
    assert client.get(f"/safeguarding/concerns/new/?pupil={north_pupil.pk}").status_code == 403


def test_a_member_of_staff_cannot_raise_a_concern_about_another_sites_pupil(client, personas, south_pupil):
    client.force_login(personas.teacher)
    assert client.get(f"/safeguarding/concerns/new/?pupil={south_pupil.pk}").status_code == 404
