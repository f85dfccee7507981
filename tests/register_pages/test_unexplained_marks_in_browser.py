"""The unexplained absences page in a real browser: it fits a phone (the table scrolls in its
own box), every link is reachable, and it passes axe-core with no CSP violation."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from playwright.sync_api import expect

from safewell.attendance.registers import MarkInput, register_submit
from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in
from tests.register_pages.register_browser import PHONE, scrolls_sideways
from tests.register_pages.register_pages_school import london

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_unexplained_absences_page_fits_a_phone_and_passes_axe(page, live_server, school, clock, csp_errors):
    for day in (dt.date(2026, 9, 2), dt.date(2026, 9, 3), dt.date(2026, 9, 8)):
        register_submit(
            site=school.north, registration_group=school.form_7a, date=day, session="AM",
            marks=[MarkInput(school.pupils[day.day % 5].pk, "N")], idempotency_key=str(uuid.uuid4()), base_version=0,
            actor=school.personas.teacher, now=london(day, 8, 50),
        )
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, school.personas.attendance_officer)
    page.goto(f"{live_server.url}/attendance/missing-registers/")
    page.get_by_role("link", name="Unexplained absences (N) at North site").click()

    expect(page.locator("h1")).to_contain_text("Unexplained absences (N)")
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.get_by_text("Last day today")).to_be_visible()
    assert not scrolls_sideways(page)
    assert_no_axe_violations(page)
    assert csp_errors == []
