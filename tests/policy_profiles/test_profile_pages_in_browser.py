"""The policy profile pages in a real browser: each passes axe-core under our CSP, and an
administrator pastes a refused profile, reads the problems by line, fixes it and installs it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from safewell.policy.models import PolicyProfile
from safewell.policy.profile_services import policy_profile_install
from safewell.policy.profiles import shipped_profile_text
from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in
from tests.policy_profiles.profile_texts import line_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_reads_the_profile_fixes_a_refused_upload_and_compares_versions(page, live_server, personas, csp_errors):
    policy_profile_install(
        organisation=personas.organisation, yaml_text=shipped_profile_text("seed-004-special"), actor=personas.admin
    )
    sign_in(page, live_server, personas.admin)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Policy profile", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The policy profile in force")
    expect(page.locator("#next-review")).to_contain_text("1 September 2026")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Upload a new version").click()
    weakened = shipped_profile_text("seed-004-special").replace("    school_days: 10\n", "    school_days: 12\n", 1)
    page.get_by_label("Or paste the profile").fill(weakened)
    page.get_by_role("button", name="Check and install").click()
    line = line_of(weakened, "school_days: 12")
    summary = page.locator("#profile-errors")
    expect(summary).to_contain_text(f"Line {line}, rules.cme_ten_days.school_days: 12 school days would weaken")
    assert_no_axe_violations(page)
    summary.get_by_role("link", name=f"Line {line}").click()
    expect(page.locator(f"#yaml-line-{line}")).to_contain_text("Problem")
    assert PolicyProfile.objects.count() == 1

    stricter = weakened.replace("    school_days: 12\n", "    school_days: 8\n", 1)
    page.get_by_label("Or paste the profile").fill(stricter)
    page.get_by_role("button", name="Check and install").click()
    expect(page.get_by_text("Version 2 of 'seed-004-special' is installed and in force.")).to_be_visible()
    expect(page.locator("#rule-cme_ten_days")).to_contain_text("8")

    page.get_by_role("link", name="Change history").click()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Compare with version 1").click()
    expect(page.locator("#diff-summary")).to_contain_text("1 line added, 1 line removed.")
    assert_no_axe_violations(page)
    assert csp_errors == []
