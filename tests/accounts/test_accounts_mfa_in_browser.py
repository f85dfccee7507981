"""In a real browser: a new DSL is made to set up TOTP, then signs in again with a fresh code.

Codes come from pyotp, reading the secret off the set-up page as a person would type it
into their app. A code is only ever accepted once, including the one that confirmed set-up.
"""

from __future__ import annotations

import pyotp
import pytest
from django.core.cache import cache

from safewell.accounts.adapter import REPLAYED_CODE
from safewell.accounts.models import Role
from tests.accounts.mfa_helpers import code_valid_for, next_step_code
from tests.axe_check import assert_no_axe_violations
from tests.conftest import make_user, sign_in_with_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache table outlives a transactional test: leave no lock-out counts behind."""
    cache.clear()
    yield
    cache.clear()


def enter_sign_in_code(page, code: str) -> None:
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
    page.get_by_role("button", name="Continue").click()


def sign_out(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/logout/")
    page.locator("main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base_url}/accounts/login/")


def test_a_new_dsl_sets_up_totp_and_signs_in_with_it(page, live_server, personas, csp_errors):
    base = live_server.url
    make_user("new_dsl", personas.north, Role.DSL, with_mfa=False)

    sign_in_with_password(page, base, "new_dsl")
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    assert "you must set up two-factor authentication" in page.content()
    assert_no_axe_violations(page)
    page.goto(f"{base}/")  # every other page sends them back here
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")

    secret = page.locator("#totp-secret").inner_text().strip()
    set_up_code = code_valid_for(secret, seconds=20)
    page.get_by_label("Code from your authenticator app").fill(set_up_code)
    page.get_by_role("button", name="Set up").click()
    page.wait_for_url(f"{base}/accounts/2fa/recovery-codes/")
    assert page.locator("#recovery_codes li").count() == 10
    page.get_by_role("button", name="Continue to Safewell").click()
    page.wait_for_url(f"{base}/")

    sign_out(page, base)
    sign_in_with_password(page, base, "new_dsl")
    page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    assert_no_axe_violations(page)

    # The code that confirmed set-up is spent, even within its 30 seconds.
    enter_sign_in_code(page, set_up_code)
    assert REPLAYED_CODE in page.locator(".govuk-error-summary").inner_text()
    assert page.url == f"{base}/accounts/2fa/authenticate/"

    fresh_code = next_step_code(secret, used=set_up_code)
    enter_sign_in_code(page, fresh_code)
    page.wait_for_url(f"{base}/")
    assert page.locator(".safewell-logotype").is_visible()

    # And the code that just signed in cannot sign in again.
    sign_out(page, base)
    sign_in_with_password(page, base, "new_dsl")
    page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    assert pyotp.TOTP(secret).now() == fresh_code, "the step turned over; the replay check needs the same step"
    enter_sign_in_code(page, fresh_code)
    assert REPLAYED_CODE in page.locator(".govuk-error-summary").inner_text()
    assert page.url == f"{base}/accounts/2fa/authenticate/"
    assert csp_errors == []
