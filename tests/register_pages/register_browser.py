"""Helpers for the register pages' browser tests: signing a persona in, the CSP console
watch, the phone check, and reading the register's state from the database."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from safewell.attendance.models import Mark, SessionRegister, SubmissionReceipt
from tests.register_pages.register_pages_school import DAY

PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def marks_on_day(session: str = "AM") -> dict[int, tuple[str, int | None]]:
    return {m.pupil_id: (m.code, m.minutes_late) for m in Mark.objects.filter(date=DAY, session=session)}


def register_of(group, session: str = "AM") -> SessionRegister:
    return SessionRegister.objects.get(registration_group=group, date=DAY, session=session)


def receipts_of(group) -> int:
    return SubmissionReceipt.objects.filter(session_register__registration_group=group).count()
