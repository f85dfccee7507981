"""The site calendar page in a real browser: no axe-core WCAG 2.2 A/AA problem, no CSP error,
and the year can be changed by keyboard alone."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.axe_check import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_the_calendar_page_passes_axe_and_changes_year_by_keyboard(page, live_server, testbridge):
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
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
