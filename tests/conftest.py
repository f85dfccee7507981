"""Shared fixtures: the personas every view is tested against, and the browser set-up with the
helpers every browser test uses (signing in, the CSP console watch, plain-http cookies)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from safewell.accounts.models import Membership, Role, User
from safewell.schools.models import Organisation, OrganisationKind, Site

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse
# to run beside it. The tests are single-threaded, so this is safe here (and only here).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
PERSONA_PASSWORD = "correct-horse-battery-staple"


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None


def pytest_report_header(config: pytest.Config) -> list[str]:
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    name = {"sqlite3": "sqlite", "postgresql": "postgresql"}.get(vendor, vendor)
    lines = [f"database: {name}"]
    if not chromium_available():
        lines.append(f"browser tests: SKIPPED, no Chromium at {CHROMIUM} (apt-get install chromium)")
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_available():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before xdist chooses its own scheduler
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    # Imported here: xdist is only sure to be installed when it calls this hook.
    from tests.xdist_groups import PathGroupScheduling

    return PathGroupScheduling(config, log)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    vendor = connection.vendor
    terminalreporter.write_line(f"database: {vendor}")
    if not chromium_available():
        terminalreporter.write_line(
            f"browser tests were SKIPPED: no Chromium at {CHROMIUM} (apt-get install chromium)"
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Always the system Chromium: browser downloads are blocked on these machines."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def plain_http_cookies(request: pytest.FixtureRequest) -> None:
    """Browser tests only: the live server speaks plain http, and a browser never sends a
    secure cookie back over it."""
    if request.node.get_closest_marker("browser") is None:
        return
    test_settings = request.getfixturevalue("settings")
    test_settings.SESSION_COOKIE_SECURE = False
    test_settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def csp_errors(page) -> list[str]:
    """Console messages about the Content Security Policy: each is something it blocked."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def sign_in(page, live_server, user: User) -> None:
    """Reuse a test-client session: most browser tests are about a page, not the sign-in flow."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def sign_in_with_password(page, base_url: str, login: str) -> None:
    """The sign-in form, as a person fills it in: for the tests of the sign-in flow itself."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username or email address").fill(login)
    page.get_by_label("Password").fill(PERSONA_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """The personas' passwords need no strength in tests; PBKDF2 would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Personas:
    """Who is who in the tests. North and South are two sites of one organisation."""

    organisation: Organisation
    north: Site
    south: Site
    admin: User
    dsl: User
    deputy_dsl_south: User
    teacher: User
    attendance_officer: User
    external: User

    def all_signed_in(self) -> dict[str, User]:
        return {
            "admin": self.admin,
            "dsl": self.dsl,
            "deputy_dsl_south": self.deputy_dsl_south,
            "teacher": self.teacher,
            "attendance_officer": self.attendance_officer,
            "external": self.external,
        }


def make_user(username: str, site: Site, role: Role, *, with_mfa: bool = True) -> User:
    """A staff user with one membership. MFA roles get a TOTP authenticator unless told not to."""
    user = User.objects.create_user(
        username=username, email=f"{username}@example.org", password=PERSONA_PASSWORD
    )
    Membership.objects.create(user=user, site=site, role=role)
    if with_mfa and role in (Role.ADMIN, Role.DSL, Role.DEPUTY_DSL):
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def personas(db) -> Personas:
    organisation = Organisation.objects.create(
        name="Testbridge Academy", kind=OrganisationKind.SCHOOL,
        local_authority_code="935", local_authority_name="Suffolk",
    )
    north = Site.objects.create(organisation=organisation, name="North site", code="north")
    south = Site.objects.create(organisation=organisation, name="South site", code="south")
    return Personas(
        organisation=organisation,
        north=north,
        south=south,
        admin=make_user("admin", north, Role.ADMIN),
        dsl=make_user("dsl", north, Role.DSL),
        deputy_dsl_south=make_user("deputy_south", south, Role.DEPUTY_DSL),
        teacher=make_user("teacher", north, Role.TEACHER),
        attendance_officer=make_user("attendance", north, Role.ATTENDANCE_OFFICER),
        external=make_user("external", north, Role.EXTERNAL),
    )
