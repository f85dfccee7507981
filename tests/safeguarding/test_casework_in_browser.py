"""Case work in the real system Chromium: a DSL opens a case from an alert with one click,
downloads the CME notification and it reads back as a PDF, a teacher and the other site's
deputy are refused and their attempts are not openings while the DSL's view is audited;
axe-core finds no WCAG 2.2 A/AA problem on the pages, and the strict CSP holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader

from safewell.audit.models import Action, AuditEvent
from safewell.safeguarding import services
from safewell.safeguarding.models import Case
from tests.axe_check import assert_no_axe_violations
from tests.pupils.pupil_factory import make_pupil
from tests.conftest import sign_in
from tests.safeguarding.casework_factory import NOW, TODAY, alert_of, case_of, london, missing_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CME_EVIDENCE = {
    "first_day": "2026-10-19", "last_day": "2026-11-06", "school_days": 10, "whereabouts": "unknown",
    "la_notification_due_on": "2026-11-09", "cme_due_on": "2026-11-09",
}


@pytest.fixture
def pupil(personas):
    return make_pupil(personas.north, forename="Bryn", surname="Browserfield")


def test_a_dsl_opens_a_cme_case_from_the_alert_with_one_click(page, live_server, personas, pupil, csp_errors):
    alert = alert_of(pupil, rule="cme_ten_days", evidence=CME_EVIDENCE)
    sign_in(page, live_server, personas.dsl)
    page.goto(f"{live_server.url}/policy/alerts/{alert.pk}/")
    assert_no_axe_violations(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Open a case").click()

    case = Case.objects.get(alert=alert)
    assert page.url == f"{live_server.url}/safeguarding/cases/{case.pk}/"
    assert page.get_by_text("Case opened. You are its owner.").is_visible()
    assert page.locator("#cme-due").inner_text() == "Monday 9 November 2026"
    page.locator("#alert-evidence summary").click()
    assert page.locator("#alert-evidence").get_by_text("Monday 19 October 2026").is_visible()
    assert "2026-10-19" not in page.locator("#alert-evidence").inner_text()
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_the_notification_downloads_and_reads_back_as_a_pdf(page, live_server, personas, pupil, tmp_path):
    case = services.case_open_from_alert(alert=alert_of(pupil, rule="cme_ten_days", evidence=CME_EVIDENCE),
                                         actor=personas.dsl, now=NOW)
    services.reasonable_enquiry_record(case=case, actor=personas.dsl, now=NOW, kind="home_visit", made_on=TODAY,
                                       who="Two members of staff", outcome="No answer; neighbours say the family moved out.")
    sign_in(page, live_server, personas.dsl)
    page.goto(f"{live_server.url}/safeguarding/referrals/{case.referrals.get().pk}/")
    assert_no_axe_violations(page)

    with page.expect_download() as download_info:
        page.locator("#notification-pdf").click()
    path = Path(tmp_path) / "notification.pdf"
    download_info.value.save_as(path)

    reader = PdfReader(path)
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "To: the children missing education officer, Suffolk" in text and "Bryn Browserfield" in text
    assert "This notification is due by Monday 9 November 2026" in text
    assert "No answer; neighbours say the family moved out." in text


def openings(pupil) -> list[str]:
    return list(AuditEvent.objects.filter(action=Action.READ, target_type="pupils.pupil", target_id=str(pupil.pk))
                .values_list("actor_username", flat=True))


def test_a_teacher_and_the_other_sites_deputy_are_refused_and_the_dsls_view_is_audited(page, live_server, personas,
                                                                                      pupil, csp_errors):
    case = case_of(personas, pupil)
    url = f"{live_server.url}/safeguarding/cases/{case.pk}/"

    sign_in(page, live_server, personas.teacher)
    response = page.goto(url)
    assert response.status == 403 and page.get_by_text("Safeguarding records are for the DSL team.").is_visible()
    assert_no_axe_violations(page)
    page.context.clear_cookies()

    sign_in(page, live_server, personas.deputy_dsl_south)
    assert page.goto(url).status == 404
    assert openings(pupil) == []
    page.context.clear_cookies()

    sign_in(page, live_server, personas.dsl)
    assert page.goto(url).status == 200
    assert openings(pupil) == ["dsl"]
    page.goto(f"{live_server.url}/audit/opened/pupils.pupil/{pupil.pk}/")
    assert page.get_by_text(f"safeguarding: case {case.pk}").is_visible()
    assert csp_errors == []


def test_the_casework_pages_pass_axe(page, live_server, personas, pupil, csp_errors):
    case = case_of(personas, pupil)
    episode = missing_case(personas, pupil, returned_at=london(dt.date(2026, 11, 1), 23))
    plan = services.reintegration_plan_create(case=case, actor=personas.dsl, now=NOW, terms=services.PlanTerms(
        starts_on=TODAY, monitoring_ends_on=TODAY + dt.timedelta(weeks=6), attendance_target_percent=90,
        support="Key adult.", next_review_on=TODAY + dt.timedelta(weeks=2)))
    sign_in(page, live_server, personas.dsl)
    for path in ("/safeguarding/", f"/safeguarding/pupils/{pupil.pk}/", f"/safeguarding/cases/{case.pk}/",
                 f"/safeguarding/missing/{episode.pk}/", f"/safeguarding/reintegration/{plan.pk}/",
                 f"/safeguarding/pupils/{pupil.pk}/missing-person-profile/", "/safeguarding/reports/cme/",
                 f"/safeguarding/cases/{case.pk}/reintegration/new/", "/safeguarding/retention/"):
        assert page.goto(f"{live_server.url}{path}").status == 200, path
        assert_no_axe_violations(page)
    assert csp_errors == []


def test_a_refused_form_is_accessible_and_keyboard_usable(page, live_server, personas, pupil):
    case = case_of(personas, pupil)
    sign_in(page, live_server, personas.dsl)
    page.goto(f"{live_server.url}/safeguarding/cases/{case.pk}/assessments/new/")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Record the assessment").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="This field is required.").first.click()  # the summary links to the field
    assert page.evaluate("document.activeElement.name") == "judgement"


def test_any_member_of_staff_raises_a_concern_by_keyboard(page, live_server, personas, pupil):
    sign_in(page, live_server, personas.teacher)
    page.goto(f"{live_server.url}/safeguarding/concerns/new/?pupil={pupil.pk}")
    assert_no_axe_violations(page)
    page.get_by_label("Neglect").check()
    page.get_by_label("What did you see or hear?").fill("Came in hungry and cold three days running.")
    page.get_by_label("What did you see or hear?").press("Tab")
    with page.expect_navigation():
        page.get_by_role("button", name="Send to the DSL team").press("Enter")
    assert page.get_by_text("your concern is with the DSL team").is_visible()
    assert pupil.safeguarding_concerns.get().raised_by == personas.teacher
    assert_no_axe_violations(page)
