"""Reads of safeguarding records are logged, and the DSL team can see who opened a record."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from safewell.accounts.record_openings import record_openings
from safewell.audit.services import audit_read
from safewell.core.request_context import acting_as

pytestmark = pytest.mark.django_db


def opened_url(target) -> str:
    return reverse(
        "audit:record_opened_by",
        kwargs={"target_type": target._meta.label_lower, "target_id": str(target.pk)},
    )


def test_reading_a_record_writes_one_read_event_for_the_reader(personas):
    with acting_as(personas.dsl.pk, ip_address="198.51.100.7"):
        event = audit_read(target=personas.north, detail="opened the chronology")

    event.refresh_from_db()
    assert (event.action, event.target_type, event.target_id) == ("read", "schools.site", str(personas.north.pk))
    assert (event.actor, event.ip_address, event.detail) == (personas.dsl, "198.51.100.7", "opened the chronology")
    assert list(record_openings(target_type="schools.site", target_id=str(personas.north.pk))) == [event]


def test_record_openings_lists_only_reads_of_that_record_newest_first(personas):
    with acting_as(personas.teacher.pk):
        first = audit_read(target=personas.north)
    with acting_as(personas.dsl.pk):
        second = audit_read(target=personas.north)
        audit_read(target=personas.south)

    openings = record_openings(target_type="schools.site", target_id=str(personas.north.pk))
    assert list(openings) == [second, first]


WHO_MAY_SEE_NORTH = {
    "admin": 200,
    "dsl": 200,
    "deputy_dsl_south": 403,  # a deputy DSL, but of the other site
    "teacher": 403,
    "attendance_officer": 403,
    "external": 403,
}


@pytest.mark.parametrize(("persona", "status"), WHO_MAY_SEE_NORTH.items())
def test_who_opened_a_north_record_is_shown_to_the_north_dsl_team_only(client, personas, persona, status):
    client.force_login(personas.all_signed_in()[persona])

    response = client.get(opened_url(personas.north))

    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, personas):
    response = client.get(opened_url(personas.north))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_deputy_dsl_of_the_south_site_sees_who_opened_a_south_record(client, personas):
    with acting_as(personas.deputy_dsl_south.pk):
        audit_read(target=personas.south)
    client.force_login(personas.deputy_dsl_south)

    response = client.get(opened_url(personas.south))

    assert response.status_code == 200
    assert response.context["total"] == 1


def test_the_page_lists_each_opening_with_who_and_when_in_london_time(client, personas):
    with acting_as(personas.teacher.pk, ip_address="192.0.2.44"):
        audit_read(target=personas.north, detail="register page")
    client.force_login(personas.dsl)

    response = client.get(opened_url(personas.north))

    page = response.content.decode()
    assert "teacher" in page and "192.0.2.44" in page and "register page" in page
    [event] = response.context["openings"]
    # Stored in UTC, shown on the wall clock of Europe/London (an hour ahead in summer).
    london = event.occurred_at.astimezone(ZoneInfo("Europe/London"))
    assert london.strftime("%H:%M:%S") in page


def test_a_user_record_is_scoped_to_the_sites_of_that_user(client, personas):
    with acting_as(personas.admin.pk):
        audit_read(target=personas.teacher)
    url = opened_url(personas.teacher)

    client.force_login(personas.dsl)
    assert client.get(url).status_code == 200
    client.force_login(personas.deputy_dsl_south)
    assert client.get(url).status_code == 403


def test_a_record_type_no_app_has_registered_is_shown_to_no_one(client, personas):
    client.force_login(personas.dsl)

    response = client.get(reverse("audit:record_opened_by", kwargs={"target_type": "nowhere.thing", "target_id": "1"}))

    assert response.status_code == 403


def test_with_no_openings_the_page_says_so(client, personas):
    client.force_login(personas.dsl)

    response = client.get(opened_url(personas.north))

    assert "Nobody has opened this record yet." in response.content.decode()
