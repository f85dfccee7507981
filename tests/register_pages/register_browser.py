"""Helpers for the register pages' browser tests: the phone check, and reading the register's
state from the database. Signing in and the CSP watch are every browser test's (tests/conftest.py)."""

from __future__ import annotations

from safewell.attendance.models import Mark, SessionRegister, SubmissionReceipt
from tests.register_pages.register_pages_school import DAY

PHONE = {"width": 375, "height": 740}


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def marks_on_day(session: str = "AM") -> dict[int, tuple[str, int | None]]:
    return {m.pupil_id: (m.code, m.minutes_late) for m in Mark.objects.filter(date=DAY, session=session)}


def register_of(group, session: str = "AM") -> SessionRegister:
    return SessionRegister.objects.get(registration_group=group, date=DAY, session=session)


def receipts_of(group) -> int:
    return SubmissionReceipt.objects.filter(session_register__registration_group=group).count()
