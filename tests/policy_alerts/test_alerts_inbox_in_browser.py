"""The inbox and an alert in a real browser: axe-core finds no WCAG 2.2 A/AA problem, the
CSP holds (no inline script or style), and a DSL closes an alert by keyboard alone."""

from __future__ import annotations

import pytest

from safewell.policy.alerts import alerts_sync
from safewell.policy.models import Alert, AlertState
from safewell.schools.services import term_dates_import_csv
from tests.attendance_summaries.summaries_school import PRESENT as P, TERM_DATES_2025_26, WEEK_1, admit, write_marks
from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alert(personas) -> Alert:
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2025_26)
    pupil = admit(personas.north, "Hazel", surname="Browserby")
    write_marks(pupil, [P, P, "N", "N", "O", "O", P, P, P, P], WEEK_1)
    alerts_sync(candidates=[candidate(pupil, evidence={
        "sessions": [{"date": "2025-09-09", "session": s, "code": "N"} for s in ("AM", "PM")]
        + [{"date": "2025-09-10", "session": s, "code": "O"} for s in ("AM", "PM")],
        "lessons_missed": [{"date": "2025-09-09", "session": "AM", "class": "7A/PE", "subject": "PE", "period": "P2", "teacher": "Mx Example", "code": "N", "lesson": 3}],
        "figures": {"school days absent": 2},
    })], scope=full_scope(personas), now=NOW)
    return Alert.objects.get()


def test_the_inbox_passes_axe(page, live_server, personas, alert, csp_errors):
    sign_in(page, live_server, personas.dsl)
    page.goto(f"{live_server.url}/policy/alerts/")

    assert page.locator(f"#alert-{alert.pk}").is_visible()
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_the_alert_page_passes_axe_with_its_calendar_and_after_a_refusal(page, live_server, personas, alert, csp_errors):
    sign_in(page, live_server, personas.dsl)
    page.goto(f"{live_server.url}/policy/alerts/{alert.pk}/")
    assert page.locator("#heatmap svg").is_visible()
    assert_no_axe_violations(page)

    page.locator("#decision-dismiss").click()  # no reason given
    assert page.locator(".govuk-error-summary").is_visible()
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_a_dsl_closes_an_alert_by_keyboard(page, live_server, personas, alert):
    sign_in(page, live_server, personas.dsl)
    page.goto(f"{live_server.url}/policy/alerts/{alert.pk}/")

    page.locator("#reason").focus()
    page.keyboard.type("Home visit: pupil safe and well.")
    page.keyboard.press("Tab")  # Acknowledge
    page.keyboard.press("Tab")  # Close as actioned
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.get_by_text("Alert closed as actioned").is_visible()
    alert.refresh_from_db()
    assert alert.state == AlertState.ACTIONED
    assert alert.actions.get(action="action").reason == "Home visit: pupil safe and well."
