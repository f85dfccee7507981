"""Two people editing the same register in two browsers: the later save is told exactly
which marks conflict (theirs, by whom, when), nothing is silently overwritten, and the
teacher chooses per mark before saving again on the new version."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in
from tests.register_pages.register_browser import marks_on_day, receipts_of, register_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_the_later_save_is_told_which_marks_conflict_and_chooses_per_mark(
    page, officer_page, live_server, school, clock, csp_errors
):
    ada, bea, cal, dev, eli = school.pupils
    url = f"{live_server.url}{school.register_url()}"
    sign_in(page, live_server, school.personas.teacher)
    page.goto(url)
    sign_in(officer_page, live_server, school.personas.attendance_officer)
    officer_page.goto(url)

    # The attendance officer, on the phone to two families, records Bea ill and Cal at the doctor's.
    officer_page.locator(f"#code-{bea.pk}").fill("I")
    officer_page.locator(f"#code-{cal.pk}").fill("M")
    officer_page.get_by_role("button", name="Save register").click()
    expect(officer_page.locator("#register-status")).to_contain_text("Saved at")

    # The teacher's page still shows version 0: all present, Bea absent with no reason yet.
    page.get_by_role("button", name="Mark all not yet marked present (/)").click()
    page.locator(f"#code-{bea.pk}").fill("N")
    page.get_by_role("button", name="Save register").click()

    panel = page.locator("#register-conflicts")
    expect(panel).to_be_visible()
    expect(page.locator("#register-status")).to_contain_text("Failed: 2 marks were changed by someone else")
    expect(panel.locator("legend")).to_have_text(["Bea Birchley", "Cal Copperfold"])
    expect(panel.get_by_text("Yours: N")).to_be_visible()
    expect(panel.get_by_text("Theirs: I, by attendance at 08:5")).to_be_visible()
    expect(panel.get_by_text("Yours: /")).to_be_visible()
    expect(panel.get_by_text("Theirs: M, by attendance at 08:5")).to_be_visible()
    assert page.locator(f"[data-pupil='{bea.pk}'] [data-state]").inner_text() == "Conflict"
    assert_no_axe_violations(page)
    # Nothing of the teacher's was applied.
    assert marks_on_day() == {bea.pk: ("I", None), cal.pk: ("M", None)}
    assert register_of(school.form_7a).version == 1

    # The teacher chooses per mark: her own N for Bea, the officer's M for Cal.
    panel.get_by_role("group", name="Bea Birchley").get_by_label("Yours: N").check()
    panel.get_by_role("group", name="Cal Copperfold").get_by_label("Theirs: M", exact=False).check()
    panel.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#register-status")).to_contain_text("Saved at")
    expect(panel).to_be_hidden()
    expect(page.locator(f"#code-{cal.pk}")).to_have_value("M")

    assert marks_on_day() == {
        ada.pk: ("/", None), bea.pk: ("N", None), cal.pk: ("M", None), dev.pk: ("/", None), eli.pk: ("/", None),
    }
    assert register_of(school.form_7a).version == 2 and receipts_of(school.form_7a) == 2
    assert csp_errors == []
