"""The demo's email backend writes each email to a log, shown newest first on the email log
page beside the SMS log, for the same people; with a real mail server there is no page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safewell.audit.models import AuditEvent
from safewell.core.email_log import LOG_BACKEND
from safewell.followup import messages
from tests.followup.followup_school import TUESDAY, london

NOW = london(TUESDAY, 10, 0)


@pytest.fixture
def email_log(settings, tmp_path):
    settings.EMAIL_BACKEND = LOG_BACKEND
    settings.SAFEWELL_EMAIL_LOG = str(tmp_path / "email.log")
    return tmp_path / "email.log"


def send_first_day_email(school, pupil) -> None:
    messages.first_day_message_send(pupil=pupil, day=TUESDAY, channel="email",
                                    actor=school.personas.attendance_officer, now=NOW)
    assert messages.messages_deliver_due(now=NOW).sent == 1


def test_the_worker_writes_each_email_as_one_line(school, email_log):
    send_first_day_email(school, school.bea)

    [line] = email_log.read_text().splitlines()
    when, to, subject, body = line.split("\t")
    assert (to, subject) == ("bryony@example.org", "Bea is not in school today")
    assert body.startswith("Dear parent or carer, Bea is not in school today, Tuesday 10 November, and")


def test_the_attendance_officer_reads_the_newest_email_first(client, school, email_log):
    send_first_day_email(school, school.bea)
    send_first_day_email(school, school.cal)
    client.force_login(school.personas.attendance_officer)

    page = client.get(reverse("followup:email_log")).content.decode()

    assert page.index("Cal is not in school today") < page.index("Bea is not in school today")
    assert AuditEvent.objects.filter(action="read", detail="the email log").exists()


def test_the_day_page_links_to_the_email_log(client, school, email_log):
    client.force_login(school.personas.attendance_officer)

    page = client.get(reverse("followup:day"), {"site": "north"}).content.decode()

    assert reverse("followup:email_log") in page


def test_a_teacher_is_refused_the_email_log(client, school, email_log):
    client.force_login(school.personas.teacher)

    assert client.get(reverse("followup:email_log")).status_code == 403


def test_with_a_real_mail_server_there_is_no_email_log(client, school, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    client.force_login(school.personas.attendance_officer)

    assert client.get(reverse("followup:email_log")).status_code == 404
    assert reverse("followup:email_log") not in client.get(reverse("followup:day"), {"site": "north"}).content.decode()
