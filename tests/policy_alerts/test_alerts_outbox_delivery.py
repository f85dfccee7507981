"""The outbox: delivered at least once, retried with backoff, de-duplicated. A mail backend
and an SMS gateway that fail for a while lose nothing and send nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from safewell.core import outbox as core_outbox
from safewell.policy import outbox
from safewell.policy.alerts import alerts_escalate_overdue, alerts_sync, notifications_queue
from safewell.policy.models import Alert, Notification, NotificationKind, StaffAlertContact
from safewell.core.sms import FailingSmsProvider, LogSmsProvider, SmsError, sms_provider_from_settings
from tests.policy_alerts.alerts_factory import NOW, candidate, full_scope
from tests.policy_alerts.alerts_flaky_backends import FlakyEmailBackend

FLAKY = "tests.policy_alerts.alerts_flaky_backends.FlakyEmailBackend"


@pytest.fixture
def raised(personas, north_pupil) -> Alert:
    alerts_sync(candidates=[candidate(north_pupil, severity="urgent")], scope=full_scope(personas), now=NOW)
    return Alert.objects.get()


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = FLAKY
    FlakyEmailBackend.reset()
    mail.outbox = []
    return FlakyEmailBackend


def email_row() -> Notification:
    return Notification.objects.get(channel="email")


def deliver_until_quiet(start: dt.datetime, *, sms_provider=None, steps: int = 40) -> dt.datetime:
    """Run the worker as the schedule would, jumping to each row's next attempt."""
    now = start
    for _ in range(steps):
        outbox.notifications_deliver_due(now=now, sms_provider=sms_provider)
        pending = Notification.objects.filter(status="queued").order_by("next_attempt_at").first()
        if pending is None:
            return now
        now = max(now, pending.next_attempt_at)
    return now


def test_a_queued_email_is_sent_once_and_marked_sent(flaky_mail, raised):
    report = outbox.notifications_deliver_due(now=NOW)

    row = email_row()
    assert report.sent == 2  # the in-app row and the email
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, NOW)
    assert [m.to for m in mail.outbox] == [["dsl@example.org"]]


def test_a_mail_server_down_three_times_loses_nothing_and_sends_once(flaky_mail, raised):
    flaky_mail.reset(failures=3)

    deliver_until_quiet(NOW)
    deliver_until_quiet(NOW + dt.timedelta(days=1))  # later runs find nothing to resend

    row = email_row()
    assert flaky_mail.refusals == 3
    assert len(mail.outbox) == 1
    assert (row.status, row.attempts) == ("sent", 4)
    assert row.last_error == ""


def test_each_failure_waits_longer_before_the_next_try(flaky_mail, raised):
    flaky_mail.reset(always_fail=True)
    waits = []
    now = NOW
    for _ in range(4):
        outbox.notifications_deliver_due(now=now)
        row = email_row()
        waits.append(row.next_attempt_at - now)
        assert "SMTPServerDisconnected" in row.last_error
        # Not retried before its time.
        assert outbox.notifications_deliver_due(now=row.next_attempt_at - dt.timedelta(seconds=1)).sent == 0
        now = row.next_attempt_at

    assert waits == [core_outbox.backoff(n) for n in (1, 2, 3, 4)]
    assert waits == sorted(waits) and waits[0] < waits[-1]


def test_a_mail_server_that_never_recovers_leaves_the_row_failed_with_its_error(flaky_mail, raised):
    flaky_mail.reset(always_fail=True)

    deliver_until_quiet(NOW)

    row = email_row()
    assert (row.status, row.attempts) == ("failed", core_outbox.MAX_ATTEMPTS)
    assert row.last_error.startswith(f"attempt {core_outbox.MAX_ATTEMPTS}: SMTPServerDisconnected")
    assert mail.outbox == []


def test_a_claimed_row_is_not_claimed_again_by_a_second_worker(flaky_mail, raised):
    row = email_row()
    assert core_outbox._claim(Notification, row.pk, row.attempts, NOW)  # worker A holds it (mid-send)

    report = outbox.notifications_deliver_due(now=NOW + dt.timedelta(seconds=30))  # worker B

    assert mail.outbox == [] and report.sent == 1  # only the in-app row
    row.refresh_from_db()
    assert row.status == "queued" and row.attempts == 1


def test_a_worker_that_died_mid_send_is_retried_after_its_lease(flaky_mail, raised):
    row = email_row()
    core_outbox._claim(Notification, row.pk, row.attempts, NOW)  # claimed, then the process was killed

    outbox.notifications_deliver_due(now=NOW + core_outbox.LEASE)

    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and len(mail.outbox) == 1


def test_queueing_the_same_notification_twice_writes_one_row(personas, raised):
    before = Notification.objects.count()

    assert notifications_queue(alerts=[raised], kind=NotificationKind.RAISED, now=NOW) == 0
    alerts_escalate_overdue(now=raised.due_by)
    alerts_escalate_overdue(now=raised.due_by + dt.timedelta(minutes=5))
    assert notifications_queue(alerts=[raised], kind=NotificationKind.ESCALATED, now=NOW, recipients=[personas.dsl]) == 0

    assert Notification.objects.count() == before + 2  # one escalation in-app and email each
    assert len(set(Notification.objects.values_list("dedupe_key", flat=True))) == Notification.objects.count()


def test_the_email_says_who_should_look_the_category_and_a_link_and_nothing_about_the_child(
    flaky_mail, personas, north_pupil, raised, settings
):
    settings.SAFEWELL_BASE_URL = "https://safewell.example.org"
    outbox.notifications_deliver_due(now=NOW)

    message = mail.outbox[0]
    text = f"{message.subject}\n{message.body}"
    assert "the DSL team at North site" in text
    assert "Category: Continuous absence" in text
    assert f"https://safewell.example.org/policy/alerts/{raised.pk}/" in text
    for secret in (north_pupil.legal_forename, north_pupil.legal_surname, north_pupil.upn, raised.explanation,
                   "2026-10-28", "school days absent"):
        assert secret not in text


def test_a_failing_sms_gateway_loses_nothing_and_sends_once(flaky_mail, personas, raised):
    StaffAlertContact.objects.create(user=personas.dsl, mobile_phone="+447700900123")
    row = Notification.objects.create(
        alert=raised, recipient=personas.dsl, address="+447700900123", channel="sms", kind="raised",
        recipient_label="the DSL team at North site", next_attempt_at=NOW, created_at=NOW,
        dedupe_key=f"alert:{raised.pk}:raised:sms:user:{personas.dsl.pk}",
    )
    gateway = FailingSmsProvider(failures=2)

    deliver_until_quiet(NOW, sms_provider=gateway)
    deliver_until_quiet(NOW + dt.timedelta(days=1), sms_provider=gateway)

    row.refresh_from_db()
    assert gateway.refused == 2 and len(gateway.sent) == 1
    assert (row.status, row.attempts) == ("sent", 3)
    to, body = gateway.sent[0]
    assert to == "+447700900123" and "continuous absence" in body and raised.pupil.legal_surname not in body


def test_the_log_provider_appends_each_text_to_its_file(tmp_path):
    log = tmp_path / "sms.log"
    provider = LogSmsProvider(log)

    provider.send(to="+447700900001", body="Safewell: new alert for the DSL team. https://x/1")
    provider.send(to="+447700900002", body="Safewell: second")

    lines = log.read_text().splitlines()
    assert len(lines) == 2 and "to +447700900001" in lines[0] and lines[1].endswith("Safewell: second")


def test_a_number_not_in_international_form_is_refused_by_the_provider(tmp_path):
    with pytest.raises(SmsError, match="international form"):
        LogSmsProvider(tmp_path / "sms.log").send(to="07700 900123", body="x")


def test_the_provider_is_chosen_in_settings(settings, tmp_path):
    settings.SAFEWELL_SMS_PROVIDER = "safewell.core.sms.FailingSmsProvider"
    assert isinstance(sms_provider_from_settings(), FailingSmsProvider)
    settings.SAFEWELL_SMS_PROVIDER = "safewell.core.sms.LogSmsProvider"
    settings.SAFEWELL_SMS_LOG = str(tmp_path / "demo-sms.log")
    assert sms_provider_from_settings().path == tmp_path / "demo-sms.log"


def test_an_unknown_provider_is_a_configuration_error_in_one_sentence(settings):
    from safewell.core.env import ConfigurationError

    settings.SAFEWELL_SMS_PROVIDER = "safewell.core.sms.NoSuchProvider"
    with pytest.raises(ConfigurationError, match="cannot be imported"):
        sms_provider_from_settings()


def test_the_in_app_notification_is_listed_and_can_be_marked_read(client, personas, raised):
    from django.urls import reverse

    outbox.notifications_deliver_due(now=NOW)
    client.force_login(personas.dsl)

    page = client.get(reverse("policy:notifications")).content.decode()
    inbox = client.get(reverse("policy:inbox")).content.decode()
    client.post(reverse("policy:notifications_read"))

    assert "1 unread" in page and f"/policy/alerts/{raised.pk}/" in page
    assert 'id="unread-badge"' in inbox
    assert Notification.objects.get(channel="in_app").read_at is not None
    assert 'id="unread-badge"' not in client.get(reverse("policy:inbox")).content.decode()


def test_a_delivery_is_enqueued_as_soon_as_the_alert_commits(personas, north_pupil, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alerts_sync(candidates=[candidate(north_pupil, severity="urgent")], scope=full_scope(personas), now=NOW)

    assert len(callbacks) >= 1
    assert DBTaskResult.objects.filter(task_path="safewell.policy.tasks.deliver_notifications").exists()


def test_the_worker_task_delivers_the_due_rows(flaky_mail, raised):
    from safewell.policy.tasks import deliver_notifications

    Notification.objects.update(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    result = deliver_notifications.call()

    assert result["sent"] == 2 and len(mail.outbox) == 1


def test_many_alerts_at_once_reach_each_person_as_one_digest_per_channel(flaky_mail, personas):
    from safewell.policy.alerts import DIGEST_AFTER
    from tests.pupils.pupil_factory import make_pupil

    pupils = [make_pupil(personas.north, forename=f"P{i}") for i in range(DIGEST_AFTER + 2)]
    alerts_sync(candidates=[candidate(p, severity="urgent") for p in pupils], scope=full_scope(personas), now=NOW)

    rows = list(Notification.objects.values_list("recipient__username", "channel", "alert_count"))
    assert sorted(rows) == [("dsl", "email", DIGEST_AFTER + 2), ("dsl", "in_app", DIGEST_AFTER + 2)]
    outbox.notifications_deliver_due(now=NOW)
    message = mail.outbox[0]
    assert message.subject == f"Safewell: {DIGEST_AFTER + 2} new alerts for the DSL team at North site"
    assert "/policy/alerts/" in message.body and "P0" not in message.body


def test_a_few_alerts_at_once_are_told_one_by_one(flaky_mail, personas):
    from safewell.policy.alerts import DIGEST_AFTER
    from tests.pupils.pupil_factory import make_pupil

    pupils = [make_pupil(personas.north, forename=f"P{i}") for i in range(DIGEST_AFTER)]
    alerts_sync(candidates=[candidate(p, severity="urgent") for p in pupils], scope=full_scope(personas), now=NOW)

    assert Notification.objects.filter(channel="email", alert_count=1).count() == DIGEST_AFTER
