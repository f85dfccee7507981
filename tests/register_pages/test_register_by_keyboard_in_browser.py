"""Taking a register in a real browser, as a teacher at 8:45 would: all present in one
action, then the exceptions by keyboard, saved, in well under a minute; and by touch on a
phone. Every state passes axe-core, with no CSP violation."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in
from tests.register_pages.register_browser import PHONE, marks_on_day, receipts_of, register_of, scrolls_sideways
from tests.register_pages.register_pages_school import WHILE_OPEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_takes_a_register_by_keyboard_in_under_a_minute(page, live_server, school, clock, csp_errors):
    ada, bea, cal, dev, eli = school.pupils
    sign_in(page, live_server, school.personas.teacher)
    page.clock.set_fixed_time(WHILE_OPEN)
    page.goto(f"{live_server.url}{school.register_url()}")
    expect(page.locator("h1")).to_contain_text("7A: morning register")
    assert page.locator("[data-state]").all_inner_texts() == ["Not yet marked"] * 5
    assert_no_axe_violations(page)

    started = time.monotonic()
    page.get_by_role("button", name="Mark all not yet marked present (/)").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#code-{ada.pk}")).to_be_focused()
    page.keyboard.press("ArrowDown")  # Bea
    page.keyboard.type("n")
    page.keyboard.press("ArrowDown")  # Cal arrives late, now
    page.keyboard.press("L")
    expect(page.locator(f"#code-{dev.pk}")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # back to Ada, who is present: "\" in the morning is "/"
    page.keyboard.press("\\")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # Eli, the last pupil: Enter moves to Save
    expect(page.get_by_role("button", name="Save register")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#register-status")).to_contain_text("Saved at 08:50")
    elapsed = time.monotonic() - started
    assert elapsed < 60
    assert marks_on_day() == {ada.pk: ("/", None), bea.pk: ("N", None), cal.pk: ("L", 5), dev.pk: ("/", None), eli.pk: ("/", None)}
    assert register_of(school.form_7a).version == 1 and receipts_of(school.form_7a) == 1
    # The server's answer is shown: the late mark with its minutes.
    expect(page.locator(f"[data-pupil='{cal.pk}'] [data-minutes-late]")).to_have_text("5 min late")
    assert page.locator("[data-state]").all_inner_texts() == ["Saved"] * 5
    expect(page.locator("[data-taken]")).to_have_text("Taken by teacher.")
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_a_mistyped_code_is_caught_before_sending(page, live_server, school, clock):
    ada = school.pupils[0]
    sign_in(page, live_server, school.personas.teacher)
    page.goto(f"{live_server.url}{school.register_url()}")
    page.locator(f"#code-{ada.pk}").focus()
    page.keyboard.type("h")
    expect(page.locator(f"#feedback-{ada.pk}")).to_contain_text("withdrawn on 19 August 2024")
    expect(page.locator(f"#code-{ada.pk}")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Save register").click()
    expect(page.locator("#register-status")).to_contain_text("Failed: 1 mark is not valid. Nothing was sent.")
    expect(page.locator("#register-errors")).to_be_visible()
    assert_no_axe_violations(page)
    assert marks_on_day() == {}


def test_the_server_refusal_is_shown_beside_the_pupil(page, live_server, school, clock):
    from safewell.attendance.models import PlannedAbsence
    from tests.register_pages.register_pages_school import DAY

    bea = school.pupils[1]
    PlannedAbsence.objects.create(pupil=bea, code="M", starts_on=DAY, ends_on=DAY, reason="Orthodontist")
    sign_in(page, live_server, school.personas.teacher)
    page.goto(f"{live_server.url}{school.register_url()}")
    expect(page.locator(f"#code-{bea.pk}")).to_have_value("M")
    page.get_by_role("button", name="Mark all not yet marked present (/)").click()
    page.locator(f"#code-{bea.pk}").fill("N")  # overriding a planned absence needs a reason
    page.get_by_role("button", name="Save register").click()
    expect(page.locator("#register-status")).to_contain_text("Failed: Nothing was saved")
    expect(page.locator(f"#feedback-{bea.pk}")).to_contain_text("has planned M")
    expect(page.locator("#register-errors")).to_contain_text("Bea Birchley: Pupil")
    assert marks_on_day() == {}
    page.locator("#reason").fill("Appointment cancelled; absent without a reason yet")
    page.get_by_role("button", name="Save register").click()
    expect(page.locator("#register-status")).to_contain_text("Saved at")
    assert marks_on_day()[bea.pk] == ("N", None) and len(marks_on_day()) == 5


def test_a_register_can_be_taken_by_touch_on_a_phone(page, live_server, school, clock, csp_errors):
    ada, bea, cal, dev, eli = school.pupils
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, school.personas.teacher)
    page.clock.set_fixed_time(WHILE_OPEN)
    page.goto(f"{live_server.url}{school.register_url()}")
    assert not scrolls_sideways(page)
    page.get_by_role("button", name="Mark all not yet marked present (/)").click()
    page.get_by_role("group", name="Quick marks for Dev Dunmere").get_by_role("button", name="Absent (N)").click()
    page.get_by_role("group", name="Quick marks for Eli Elmstead").get_by_role("button", name="Late").click()
    expect(page.locator(f"#arrived-{eli.pk}")).to_have_value("08:50")
    expect(page.locator(f"#arrived-{ada.pk}")).to_be_hidden()
    box = page.locator(f"#code-{ada.pk}").bounding_box()
    assert box["height"] >= 44  # a comfortable finger target
    assert not scrolls_sideways(page)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save register").click()
    expect(page.locator("#register-status")).to_contain_text("Saved at")
    assert marks_on_day() == {ada.pk: ("/", None), bea.pk: ("/", None), cal.pk: ("/", None), dev.pk: ("N", None), eli.pk: ("L", 5)}
    assert csp_errors == []
