"""In a real browser, with Chromium's virtual authenticator: a DSL sets up a security key
instead of an app, and signs in with it. allauth's WebAuthn script runs under our CSP."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from safewell.accounts.models import Role
from tests.axe_check import assert_no_axe_violations
from tests.conftest import make_user, sign_in_with_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def webauthn_over_plain_http(settings):
    # The live server is http://localhost; WebAuthn on plain http is what `make demo` does too.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def virtual_security_key(page):
    """A platform authenticator that always says yes, as if the person touched the key."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})
    return cdp


@pytest.fixture
def page_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_a_new_dsl_sets_up_a_security_key_and_signs_in_with_it(page, live_server, personas, virtual_security_key, page_errors):
    base = live_server.url
    make_user("key_dsl", personas.north, Role.DSL, with_mfa=False)

    sign_in_with_password(page, base, "key_dsl")
    page.wait_for_url(f"{base}/accounts/2fa/totp/activate/")
    page.get_by_role("link", name="use a security key or passkey instead").click()
    page.wait_for_url(f"{base}/accounts/2fa/webauthn/add/")
    assert_no_axe_violations(page)
    page.get_by_label("Name").fill("Blue key")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    page.goto(f"{base}/")
    assert page.url == f"{base}/", "with a security key the MFA gate lets them through"

    page.goto(f"{base}/accounts/logout/")
    page.locator("main").get_by_role("button", name="Sign out").click()
    sign_in_with_password(page, base, "key_dsl")
    page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(f"{base}/")
    assert page.locator(".safewell-logotype").is_visible()
    assert not [e for e in page_errors if "Content Security Policy" in e], page_errors
