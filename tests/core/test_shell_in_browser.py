"""The shell in a real browser: axe-core finds no WCAG 2.2 A/AA problem, it works by keyboard,
a phone-sized screen needs no sideways scrolling, and nothing breaks the CSP."""

from __future__ import annotations

import pytest

from safewell.accounts.models import Membership, Role
from tests.axe_check import assert_no_axe_violations, axe_violations
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONAS = ["admin", "dsl", "deputy_dsl_south", "attendance_officer", "teacher", "external"]
# WCAG 2.2 SC 1.4.10 Reflow: content must fit 320 CSS pixels wide without scrolling sideways.
PHONE = {"width": 320, "height": 640}


def test_the_axe_check_reports_a_real_problem(page):
    # The helper must be able to fail, or every accessibility test below proves nothing.
    page.set_content("<html lang='en'><title>t</title><main><input type='text'></main></html>")
    assert "label" in {violation["id"] for violation in axe_violations(page)}


def test_the_sign_in_page_passes_axe(page, live_server, csp_errors):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").first.is_visible()
    assert_no_axe_violations(page)
    assert csp_errors == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_roles_home_page_passes_axe(page, live_server, personas, persona, csp_errors):
    sign_in(page, live_server, getattr(personas, persona))
    page.goto(f"{live_server.url}/")
    assert page.locator(".safewell-logotype").is_visible()
    # GOV.UK Frontend's JavaScript ran (app.js sets this), so its components are live.
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_the_error_pages_pass_axe(page, live_server, personas, csp_errors):
    sign_in(page, live_server, personas.teacher)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page, live_server, personas):
    sign_in(page, live_server, personas.teacher)
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def tab_to(page, selector: str, *, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} was not reached by pressing Tab {limit} times")


def test_the_site_switcher_works_by_keyboard(page, live_server, personas):
    Membership.objects.create(user=personas.teacher, site=personas.south, role=Role.ATTENDANCE_OFFICER)
    sign_in(page, live_server, personas.teacher)
    page.goto(f"{live_server.url}/")
    tab_to(page, "#site-switcher")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.selectedOptions[0].textContent.trim()") == "South site"
    # Choosing an option does not move on by itself (WCAG 3.2.2): the button does.
    assert page.url == f"{live_server.url}/"
    tab_to(page, ".safewell-site-switcher__button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".govuk-caption-l").inner_text() == "Testbridge Academy: South site"
    assert page.locator("h1").inner_text() == "Attendance"


def test_sign_out_works_by_keyboard(page, live_server, personas):
    sign_in(page, live_server, personas.teacher)
    page.goto(f"{live_server.url}/")
    tab_to(page, ".safewell-nav-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url


@pytest.mark.parametrize("persona", ["admin", "teacher"])
def test_a_phone_sized_screen_needs_no_sideways_scrolling(page, live_server, personas, persona):
    Membership.objects.create(user=personas.teacher, site=personas.south, role=Role.TEACHER)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, getattr(personas, persona))
    for path in ("/", "/accounts/login/", "/no-such-page/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a {PHONE['width']}px screen"


def test_on_a_phone_the_navigation_folds_into_a_menu_button(page, live_server, personas):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, personas.admin)
    page.goto(f"{live_server.url}/")
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert not page.locator("#navigation").is_visible()
    menu.focus()
    page.keyboard.press("Enter")
    assert page.locator("#navigation").is_visible()
    assert page.get_by_role("link", name="Home").is_visible()


def test_htmx_requests_carry_the_csrf_token_and_inject_no_styles(page, live_server, personas, csp_errors):
    Membership.objects.create(user=personas.teacher, site=personas.south, role=Role.TEACHER)
    sign_in(page, live_server, personas.teacher)
    page.goto(f"{live_server.url}/")
    page.wait_for_function("typeof window.htmx !== 'undefined'")
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    # A POST through htmx succeeds only if app.js added the X-CSRFToken header.
    status = page.evaluate(
        """(siteId) => new Promise((resolve) => {
            document.body.addEventListener("htmx:afterRequest",
                (event) => resolve(event.detail.xhr.status), {once: true});
            htmx.ajax("POST", "/site/switch/", {values: {site_id: siteId}, swap: "none"});
        })""",
        personas.south.pk,
    )
    assert status == 200
    page.goto(f"{live_server.url}/")
    assert page.locator(".govuk-caption-l").inner_text() == "Testbridge Academy: South site"
    assert csp_errors == []
