"""The site calendar page in a real browser: no axe-core WCAG 2.2 A/AA problem, no CSP error,
and the year can be changed by keyboard alone."""

from __future__ import annotations

import pytest

from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calendar_page_passes_axe_and_changes_year_by_keyboard(page, live_server, testbridge, csp_errors):
    sign_in(page, live_server, testbridge.teacher)
    page.goto(f"{live_server.url}/schools/north/calendar/?year=2026/27")
    assert page.locator("h1").inner_text() == "School calendar 2026/27"
    assert_no_axe_violations(page)

    page.get_by_label("Academic year").focus()
    page.keyboard.press("ArrowDown")  # 2026/27 → 2027/28
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**year=2027%2F28")
    assert page.locator("h1").inner_text() == "School calendar 2027/28"
    assert_no_axe_violations(page)
    assert csp_errors == []
