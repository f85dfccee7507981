"""The site calendar page: members of the site see its terms, closures and bank holidays."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from safewell.schools.models import AcademicYear, Organisation, OrganisationKind, Site
from safewell.schools.selectors import academic_year_for

D = dt.date


def calendar_url(site_code: str, year: str | None = "2026/27") -> str:
    url = reverse("schools:site_calendar", kwargs={"code": site_code})
    return f"{url}?year={year}" if year else url


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_member_sees_the_terms_with_their_school_days_and_sessions(client, testbridge):
    client.force_login(testbridge.teacher)
    response = client.get(calendar_url("north"))
    assert response.status_code == 200
    page = text_of(response)
    # Autumn 1: 39 weekdays less 2 INSET days = 37 school days, 74 sessions.
    assert "Autumn 1 Tue 1 Sep 2026 Fri 23 Oct 2026 37 74" in page
    # Autumn 2: 7 weeks less the INSET Monday and the PM INSET of 18 December.
    assert "Autumn 2 Mon 2 Nov 2026 Fri 18 Dec 2026 34 67" in page
    # Summer 1 at North: 7 weeks less the early May bank holiday and polling day.
    assert "Summer 1 Mon 12 Apr 2027 Fri 28 May 2027 33 66" in page
    assert "190 school days and 379 sessions" in page
    assert "Autumn 1 Sat 24 Oct 2026 Sun 1 Nov 2026" in page  # the half-term holiday
    assert "Autumn 1 Thu 2 Sep 2027" not in page  # next year's term is not this year's


def test_a_site_shows_its_own_closures_and_not_the_other_sites(client, testbridge):
    client.force_login(testbridge.teacher)
    north = text_of(client.get(calendar_url("north")))
    assert "Thu 6 May 2027 Whole day Planned closure (#) # Hall used as a polling station" in north
    assert "Part of the site out of use (Y3): Science block Y3 Burst pipe" in north
    assert "Snow" not in north

    client.force_login(testbridge.deputy_dsl_south)
    south = text_of(client.get(calendar_url("south")))
    assert "Mon 25 Jan 2027 AM Unexpected closure (Y4) Y4 Snow: opened at lunchtime" in south
    assert "polling" not in south


def test_the_page_lists_englands_bank_holidays_and_whether_they_fall_in_term(client, testbridge):
    client.force_login(testbridge.attendance_officer)
    page = text_of(client.get(calendar_url("north")))
    assert "Fri 26 Mar 2027 Good Friday Yes (not a school day)" in page
    assert "Mon 29 Mar 2027 Easter Monday No" in page
    assert "Mon 3 May 2027 May Day Yes (not a school day)" in page
    assert "Fri 25 Dec 2026 Christmas Day No" in page


def test_someone_from_another_site_is_refused(client, testbridge):
    client.force_login(testbridge.deputy_dsl_south)
    assert client.get(calendar_url("north")).status_code == 403


def test_an_unknown_site_or_year_is_not_found(client, testbridge):
    client.force_login(testbridge.teacher)
    assert client.get(calendar_url("nowhere")).status_code == 404
    assert client.get(calendar_url("north", "1999/00")).status_code == 404


def test_a_site_without_term_dates_says_so(client, personas):
    client.force_login(personas.teacher)
    response = client.get(calendar_url("north", None))
    assert response.status_code == 200
    assert "There are no term dates for Testbridge Academy yet" in text_of(response)


# (today, the year shown when none is asked for)
DEFAULT_YEARS = [
    (D(2026, 11, 22), "2026/27"),
    (D(2027, 8, 15), "2027/28"),
    (D(2028, 9, 1), "2027/28"),  # after the last year: the last one begun
    (D(2025, 9, 1), "2026/27"),  # before the first year: the first one
]


@pytest.mark.parametrize("today,expected", DEFAULT_YEARS)
def test_without_a_year_the_page_shows_the_one_containing_today(testbridge, today, expected):
    assert academic_year_for(site=testbridge.north, name=None, today=today).name == expected


@pytest.mark.django_db
def test_the_page_warns_when_a_year_has_fewer_than_380_sessions(client):
    from tests.conftest import make_user
    from safewell.accounts.models import Role
    from safewell.schools.services import term_dates_import_csv

    organisation = Organisation.objects.create(name="Short Year School", kind=OrganisationKind.SCHOOL)
    site = Site.objects.create(organisation=organisation, name="Only site", code="short")
    term_dates_import_csv(organisation=organisation, file="kind,name,starts_on,ends_on\nterm,Autumn 1,2026-09-01,2026-10-23\n")
    client.force_login(make_user("short-teacher", site, Role.TEACHER))
    page = text_of(client.get(calendar_url("short")))
    assert "A school must meet for at least 380 sessions a year; this calendar has 78." in page
    assert AcademicYear.objects.get(organisation=organisation).name == "2026/27"
