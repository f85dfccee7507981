"""The whole morning of first-day calling in a real browser, on the demo (issue 6, "Done
when"): the attendance officer works through the list (a call with no answer about the
vulnerable child, a call that gives a reason), accepts the reason so the code changes with
its amendment and audit event, sends a first-day text that the demo's provider writes to
its log, and the no-contact vulnerable child is in the DSL's inbox. Every page passes
axe-core, and the CSP holds."""

from __future__ import annotations

import datetime as dt
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from safewell.attendance.models import Mark, MarkAmendment
from safewell.audit.models import AuditEvent
from safewell.followup.messages import messages_deliver_due
from safewell.followup.models import ContactAttempt
from safewell.policy.models import Alert
from safewell.pupils.models import Pupil
from tests.axe_check import assert_no_axe_violations
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")
DEMO_TODAY = dt.date(2026, 11, 20)
MORNING = dt.datetime(2026, 11, 20, 10, 5, tzinfo=LONDON)  # Brackenwell's morning register closed at 09:30


@pytest.fixture
def demo_morning(settings, monkeypatch, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SAFEWELL_SMS_PROVIDER = "safewell.core.sms.LogSmsProvider"
    settings.SAFEWELL_SMS_LOG = str(tmp_path / "sms.log")
    call_command("demo_load", today=DEMO_TODAY, verbosity=0)
    started, real = MORNING, time.monotonic()
    monkeypatch.setattr(timezone, "now", lambda: (started + dt.timedelta(seconds=time.monotonic() - real)).astimezone(dt.UTC))
    return tmp_path / "sms.log"


def pupil(name: str) -> Pupil:
    forename, surname = name.split()
    return Pupil.objects.get(legal_forename=forename, legal_surname=surname)


def log_a_call(page, who: Pupil, *, outcome: str, where: str | None = None, reason: str | None = None) -> None:
    page.locator(f"#pupil-{who.pk}").get_by_role("link", name=re.compile("Log a call")).click()
    page.get_by_label(outcome, exact=True).check()
    if where:
        page.get_by_label(where).check()
    if reason:
        page.get_by_label("Reason given").select_option(label=reason)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save the attempt").click()


def test_the_attendance_officers_morning(page, live_server, demo_morning, csp_errors):
    from safewell.accounts.models import User

    leon, adam, oliver = pupil("Leon Haverstock"), pupil("Adam Bailey"), pupil("Oliver Graham")
    sign_in(page, live_server, User.objects.get(username="ap.attendance"))
    page.goto(f"{live_server.url}/followup/?site=brackenwell")
    cards = page.locator(".govuk-summary-card__title a")
    assert cards.first.inner_text() == "Leon Haverstock"  # the vulnerable child first
    assert_no_axe_violations(page)

    # 1. The vulnerable child's mother does not answer: the DSL hears at once.
    log_a_call(page, leon, outcome="No answer")
    assert page.get_by_text(re.compile("No answer: phone call to .* about Leon Haverstock recorded")).is_visible()
    assert Alert.objects.filter(pupil=leon, rule_id="no_contact_safeguarding", routed_to_role="dsl").exists()

    # 2. A call that reaches a parent who gives a reason: a code is proposed.
    log_a_call(page, adam, outcome="Reached", where="Known: they said where the child is", reason="Illness")
    assert page.get_by_text(re.compile(r"A code proposal \(I\) waits")).is_visible()
    assert Mark.objects.get(pupil=adam, date=DEMO_TODAY, session="AM").code == "N"

    # 3. The officer accepts it: the mark changes, with its amendment and audit event.
    page.get_by_role("button", name=re.compile("Accept I for Adam Bailey")).first.click()
    assert page.get_by_text(re.compile("Adam Bailey: I recorded for AM")).is_visible()
    assert Mark.objects.get(pupil=adam, date=DEMO_TODAY, session="AM").code == "I"
    assert MarkAmendment.objects.filter(pupil=adam, old_code="N", new_code="I").exists()
    assert AuditEvent.objects.filter(detail__contains="code proposal").exists()

    # 4. A first-day text to the family of the child absent yesterday too; the worker sends it.
    page.locator(f"#pupil-{oliver.pk}").get_by_role("button", name=re.compile("Send first-day text")).click()
    assert page.get_by_text(re.compile("A first-day text to .* about Oliver Graham is queued")).is_visible()
    assert messages_deliver_due(now=timezone.now()).sent >= 1
    text = ContactAttempt.objects.get(pupil=oliver, channel="sms").message
    assert text.status == "sent" and text.address in demo_morning.read_text()
    page.goto(f"{live_server.url}/followup/sms-log/")
    assert page.get_by_text(re.compile("Oliver is not in school today")).is_visible()
    assert_no_axe_violations(page)

    # 5. The DSL's inbox has the no-contact alert about the vulnerable child.
    page.context.clear_cookies()
    sign_in(page, live_server, User.objects.get(username="ap.dsl"))
    page.goto(f"{live_server.url}/policy/alerts/")
    row = page.locator("tr", has_text="Leon Haverstock").filter(has_text="No contact with the family")
    assert row.first.is_visible()
    assert_no_axe_violations(page)
    assert csp_errors == []
