"""The register tools in a real browser: the late book signs a pupil in; the teacher's
registers page, the missing registers board (polled by htmx, nudged by a click) and the
amendments report each pass axe-core and fit a phone without sideways scrolling."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from safewell.attendance.models import RegisterNudge
from safewell.attendance.registers import MarkInput, register_submit
from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in
from tests.register_pages.register_browser import PHONE, marks_on_day, scrolls_sideways
from tests.register_pages.register_pages_school import AFTER_CLOSE, DAY, WHILE_OPEN, london

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reception_signs_a_late_pupil_in_through_the_late_book(page, live_server, school, clock, csp_errors):
    clock.set(london(DAY, 9, 5))
    cal = school.pupils[2]
    sign_in(page, live_server, school.personas.attendance_officer)
    page.goto(f"{live_server.url}/attendance/late-book/")
    assert_no_axe_violations(page)
    page.get_by_label("Find the pupil: name or UPN").fill("copper")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Arrived at")).to_have_value("09:05")
    page.get_by_label("Arrived at").fill("09:01")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Sign in Cal Copperfold late").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Cal Copperfold signed in at 09:01: L (late before the register closed), 16 minutes late."
    )
    expect(page.locator("table")).to_contain_text("Cal Copperfold")
    assert marks_on_day() == {cal.pk: ("L", 16)}
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_a_late_arrival_after_the_close_is_u(page, live_server, school, clock):
    clock.set(london(DAY, 9, 40))
    sign_in(page, live_server, school.personas.attendance_officer)
    page.goto(f"{live_server.url}/attendance/late-book/?q=Ashdown")
    page.get_by_role("button", name="Sign in Ada Ashdown late").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Ada Ashdown signed in at 09:40: U (arrived after the register closed), 55 minutes late."
    )
    assert marks_on_day() == {school.pupils[0].pk: ("U", 55)}


def test_the_board_refreshes_itself_and_nudges_with_one_click(page, live_server, school, clock, csp_errors):
    page.clock.install(time=WHILE_OPEN)
    sign_in(page, live_server, school.personas.attendance_officer)
    page.goto(f"{live_server.url}/attendance/missing-registers/")
    board = page.locator("#missing-board")
    expect(board.locator("tbody tr")).to_have_count(2)
    assert_no_axe_violations(page)

    # 7A's register is taken elsewhere; within 20 seconds the board polls and drops it.
    register_submit(
        site=school.north, registration_group=school.form_7a, date=DAY, session="AM",
        marks=[MarkInput(p.pk, "/") for p in school.pupils], idempotency_key=str(uuid.uuid4()),
        base_version=0, actor=school.personas.teacher, now=WHILE_OPEN,
    )
    page.clock.run_for(21_000)
    expect(board.locator("tbody tr")).to_have_count(1)
    expect(board.locator("tbody")).to_contain_text("8B")

    board.get_by_role("button", name="Nudge the teacher of 8B").click()
    expect(page.locator("#missing-board")).to_contain_text("8B: teacher has been reminded to take the morning register.")
    expect(page.locator("#missing-board tbody")).not_to_contain_text("Not yet")
    assert RegisterNudge.objects.get().registration_group == school.form_8b
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_the_amendments_report_lists_changes_after_the_close(page, live_server, school, clock, csp_errors):
    register_submit(
        site=school.north, registration_group=school.form_7a, date=DAY, session="AM",
        marks=[MarkInput(p.pk, "/") for p in school.pupils], idempotency_key=str(uuid.uuid4()),
        base_version=0, actor=school.personas.teacher, now=WHILE_OPEN,
    )
    register_submit(
        site=school.north, registration_group=school.form_7a, date=DAY, session="AM",
        marks=[MarkInput(school.pupils[0].pk, "M")], idempotency_key=str(uuid.uuid4()),
        base_version=1, actor=school.personas.attendance_officer, now=AFTER_CLOSE, reason="Dentist letter",
    )
    sign_in(page, live_server, school.personas.attendance_officer)
    page.goto(f"{live_server.url}/attendance/amendments/")
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ada Ashdown")
    expect(row).to_contain_text("/ → M")
    expect(row).to_contain_text("Dentist letter")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these 1 amendment as CSV").click()
    assert download.value.suggested_filename == "amendments-north-2026-08-14-to-2026-09-10.csv"
    assert_no_axe_violations(page)
    assert csp_errors == []


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("teacher", "/"),
        ("teacher", "/attendance/registers/"),
        ("teacher", "REGISTER"),
        ("attendance_officer", "/attendance/late-book/?q=a"),
        ("attendance_officer", "/attendance/missing-registers/"),
        ("attendance_officer", "/attendance/amendments/"),
    ],
)
def test_each_register_page_fits_a_phone_and_passes_axe(page, live_server, school, clock, persona, path):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, getattr(school.personas, persona))
    page.goto(live_server.url + (school.register_url() if path == "REGISTER" else path))
    expect(page.locator("h1")).to_be_visible()
    assert not scrolls_sideways(page), f"{path} scrolls sideways on a phone"
    assert_no_axe_violations(page)
