"""The pupil list and the pupil page, against every persona.

Teachers see names, year, group and contacts but no safeguarding characteristics; the DSL
team and the attendance officer see everything, and their reading it is audited; the
South deputy DSL cannot see a North pupil at all (404).
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.audit.models import Action, AuditEvent
from safewell.pupils import services
from tests.pupils.pupil_factory import make_pupil

CP_PLAN = "Child protection plan (s47)"
EHCP = "EHC plan"
SOCIAL_WORKER = "Robin Caseworker"
CONTACT_PHONE = "07700 900123"


@pytest.fixture
def north_pupil(personas):
    group = services.registration_group_create(site=personas.north, name="8N", year_group="8")
    pupil = make_pupil(personas.north, forename="Ada", surname="Northcott", registration_group=group)
    services.contact_add(pupil=pupil, name="Pat Northcott", relationship="mother", parental_responsibility=True,
                         lives_with=True, mobile_phone=CONTACT_PHONE, email="pat@example.org")
    services.characteristic_add(pupil=pupil, kind="child_protection_plan", starts_on=dt.date(2026, 9, 10))
    services.characteristic_add(pupil=pupil, kind="ehc_plan", starts_on=dt.date(2024, 1, 1))
    services.professional_contact_add(pupil=pupil, role="social_worker", name=SOCIAL_WORKER,
                                      organisation="Suffolk, Ipswich team", starts_on=dt.date(2026, 9, 10))
    return pupil


def page_for(client, user, pupil):
    client.force_login(user)
    return client.get(f"/pupils/{pupil.pk}/")


@pytest.mark.parametrize("persona", ["dsl", "attendance_officer"])
def test_the_dsl_team_and_attendance_officer_see_everything(client, personas, north_pupil, persona):
    response = page_for(client, getattr(personas, persona), north_pupil)
    html = response.content.decode()
    assert response.status_code == 200
    for expected in ("Ada Northcott", "8N", "Year 8", "Pat Northcott", CONTACT_PHONE, CP_PLAN, EHCP, SOCIAL_WORKER):
        assert expected in html


@pytest.mark.parametrize("persona", ["teacher", "admin"])
def test_teachers_and_admins_see_contacts_but_no_safeguarding_characteristics(client, personas, north_pupil, persona):
    html = page_for(client, getattr(personas, persona), north_pupil).content.decode()
    for expected in ("Ada Northcott", "8N", "Pat Northcott", CONTACT_PHONE, EHCP):
        assert expected in html
    for hidden in (CP_PLAN, SOCIAL_WORKER, "Suffolk, Ipswich team"):
        assert hidden not in html


def test_an_external_user_sees_the_pupil_and_enrolments_only(client, personas, north_pupil):
    html = page_for(client, personas.external, north_pupil).content.decode()
    assert "Ada Northcott" in html and "Enrolments" in html
    for hidden in ("Pat Northcott", CONTACT_PHONE, EHCP, CP_PLAN, SOCIAL_WORKER):
        assert hidden not in html


def test_the_deputy_dsl_of_another_site_gets_404(client, personas, north_pupil):
    assert page_for(client, personas.deputy_dsl_south, north_pupil).status_code == 404


def test_the_deputy_dsl_sees_their_own_sites_safeguarding_characteristics(client, personas):
    pupil = make_pupil(personas.south, forename="Sol", surname="Southey")
    services.characteristic_add(pupil=pupil, kind="looked_after", starts_on=dt.date(2026, 1, 1),
                                responsible_local_authority="Norfolk")
    html = page_for(client, personas.deputy_dsl_south, pupil).content.decode()
    assert "Looked after" in html and "Responsible LA: Norfolk" in html


def test_a_signed_out_visitor_is_sent_to_sign_in(client, north_pupil):
    response = client.get(f"/pupils/{north_pupil.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reading_safeguarding_characteristics_is_audited(client, personas, north_pupil):
    reads = AuditEvent.objects.filter(action=Action.READ, target_type="pupils.pupil", target_id=str(north_pupil.pk))
    page_for(client, personas.teacher, north_pupil)
    assert not reads.exists()
    page_for(client, personas.dsl, north_pupil)
    assert reads.get().actor_username == "dsl"


def test_the_list_shows_only_pupils_at_the_users_sites(client, personas, north_pupil):
    make_pupil(personas.south, forename="Sol", surname="Southey")
    client.force_login(personas.teacher)
    html = client.get("/pupils/").content.decode()
    assert "Northcott, Ada" in html and "Southey" not in html
    client.force_login(personas.deputy_dsl_south)
    html = client.get("/pupils/").content.decode()
    assert "Southey, Sol" in html and "Northcott" not in html


@pytest.mark.parametrize("query", ["northcott", "ADA NORTH", None])
def test_the_list_finds_a_pupil_by_name_or_upn(client, personas, north_pupil, query):
    make_pupil(personas.north, forename="Bea", surname="Other")
    client.force_login(personas.dsl)
    html = client.get("/pupils/", {"q": query or north_pupil.upn.lower()}).content.decode()
    assert "Northcott, Ada" in html and "Other, Bea" not in html


def test_the_list_filters_by_site(client, personas, north_pupil):
    from safewell.accounts.models import Membership, Role

    Membership.objects.create(user=personas.teacher, site=personas.south, role=Role.TEACHER)
    make_pupil(personas.south, forename="Sol", surname="Southey")
    client.force_login(personas.teacher)
    assert "Southey" in client.get("/pupils/").content.decode()
    html = client.get("/pupils/", {"site": "north"}).content.decode()
    assert "Northcott" in html and "Southey" not in html
