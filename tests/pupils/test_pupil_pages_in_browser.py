"""The pupil pages in a real browser: axe-core finds no WCAG 2.2 A/AA problem, the search
works by keyboard alone, and nothing breaks the CSP."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.pupils import services
from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in
from tests.pupils.pupil_factory import make_pupil

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pupil(personas):
    pupil = make_pupil(personas.north, forename="Ada", surname="Northcott")
    make_pupil(personas.north, forename="Bea", surname="Other")
    services.contact_add(pupil=pupil, name="Pat Northcott", relationship="mother", mobile_phone="07700 900123",
                         do_not_contact=False)
    services.characteristic_add(pupil=pupil, kind="child_in_need", starts_on=dt.date(2026, 9, 10))
    services.professional_contact_add(pupil=pupil, role="social_worker", name="Robin Caseworker",
                                      organisation="Suffolk", starts_on=dt.date(2026, 9, 10))
    return pupil


@pytest.mark.parametrize("persona", ["dsl", "teacher"])
def test_the_pupil_list_and_page_pass_axe(page, live_server, personas, pupil, persona, csp_errors):
    sign_in(page, live_server, getattr(personas, persona))
    page.goto(f"{live_server.url}/pupils/")
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/pupils/{pupil.pk}/")
    assert page.locator("h1").inner_text() == "Ada Northcott"
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_a_pupil_can_be_found_and_opened_by_keyboard(page, live_server, personas, pupil):
    sign_in(page, live_server, personas.teacher)
    page.goto(f"{live_server.url}/pupils/")
    page.get_by_label("Name or UPN").focus()
    page.keyboard.type("northcott")
    page.keyboard.press("Enter")
    page.wait_for_url("**/pupils/?q=northcott*")
    assert page.locator("tbody tr").count() == 1
    page.get_by_role("link", name="Northcott, Ada").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/pupils/{pupil.pk}/")
    assert page.get_by_text("Pat Northcott").is_visible()
