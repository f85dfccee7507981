"""The pupil attendance page in a real browser: axe-core finds no WCAG 2.2 A/AA problem, the
heat-map draws without breaking the CSP, and the week-by-week table opens by keyboard."""

from __future__ import annotations

import os

import pytest

from safewell.schools.models import AcademicYear
from safewell.schools.services import term_dates_import_csv
from tests.attendance_summaries.summaries_school import (
    PRESENT as P,
    TERM_DATES_2025_26,
    WEEK_1,
    WEEK_2,
    admit,
    write_marks,
)
from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pupil(personas):
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2025_26)
    assert AcademicYear.objects.filter(organisation=personas.organisation).exists()
    pupil = admit(personas.north, "Ada", surname="Northcott")
    write_marks(pupil, [P, P, "L", "I", "I", "U", "D", P, "B", "#"], WEEK_1)
    write_marks(pupil, [P, P, P, "N", "G", "G", P, P, "M", None], WEEK_2)
    return pupil


@pytest.mark.parametrize("persona", ["teacher", "dsl"])
def test_the_pupil_attendance_page_passes_axe(page, live_server, personas, pupil, persona, csp_errors):
    sign_in(page, live_server, getattr(personas, persona))
    page.goto(f"{live_server.url}/attendance/pupils/{pupil.pk}/")

    assert page.locator("h1").inner_text() == "Attendance of Ada Northcott, 2025/26"
    assert page.locator("#heatmap svg[role=img]").is_visible()
    assert_no_axe_violations(page)
    page.locator("#sessions-by-week summary").focus()
    page.keyboard.press("Enter")
    assert page.locator("#sessions-by-week table").is_visible()
    assert_no_axe_violations(page)
    if os.environ.get("SAFEWELL_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SAFEWELL_SCREENSHOTS']}/pupil-attendance-{persona}.png", full_page=True)
    assert csp_errors == []


def test_a_sessions_title_names_its_date_and_code(page, live_server, personas, pupil):
    sign_in(page, live_server, personas.teacher)
    page.goto(f"{live_server.url}/attendance/pupils/{pupil.pk}/")

    titles = page.locator("#heatmap svg g > title").all_text_contents()
    assert "Tue 9 Sep 2025, afternoon: I, Illness (not a medical or dental appointment); authorised absence" in titles
    assert "Sat 13 Sep 2025: weekend" in titles
    assert "Fri 19 Sep 2025, afternoon: no mark yet" in titles
