"""Delivering the outbox: in-app, email and SMS, at least once, retried with backoff.

The rows are written with the alert (alerts.py, same transaction); this module only
delivers them, so an alert never depends on a mail server or a queue being up (design.md
principle 4).

**Claiming** is the healthchecks pattern: a conditional UPDATE on the row's `attempts`
(`UPDATE … SET attempts = n + 1, next_attempt_at = now + lease WHERE id = … AND attempts = n
AND status = 'queued'`), checked by row count. Two workers can never both claim an attempt;
it needs no `SELECT … FOR UPDATE`, so it runs the same on SQLite and PostgreSQL.

**At least once**: a worker that dies after sending and before recording it leaves the row
queued with its lease; when the lease runs out, another worker sends it again. A send that
takes longer than the lease can therefore be repeated; the lease is far longer than any
mail or SMS hand-off should take. `dedupe_key` (unique) stops the same message being queued
twice, so re-running the engine or the escalation job never sends twice.

**Retries**: a failed attempt waits `BACKOFF_BASE * 2^(attempts-1)` (capped at
`BACKOFF_MAX`) and after `MAX_ATTEMPTS` the row is marked `failed`: kept, with its last
error, and shown on the alert, so nothing is silently lost.

**Content**: an email or a text says who should look, the category and a link, never the
child's name or the evidence (issue 5 §4: mail and SMS leave our control).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F
from django.urls import reverse

from safewell.policy.alerts import category_of
from safewell.policy.models import Channel, Notification, NotificationKind, NotificationStatus
from safewell.core.sms import SmsProvider, sms_provider_from_settings

logger = logging.getLogger("safewell.policy.outbox")

# While a worker holds a claimed row: long enough for any SMTP or SMS hand-off.
LEASE = dt.timedelta(minutes=5)
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=2)
# 1+2+4+…+64 minutes, then two hours: about 4 hours of trying before a row is marked failed.
MAX_ATTEMPTS = 9
BATCH_SIZE = 200

EMAIL_SUBJECT = {
    NotificationKind.RAISED: "Safewell: a new alert for {label}",
    NotificationKind.ESCALATED: "Safewell: an alert not acknowledged in time, for {label}",
}
EMAIL_BODY = (
    "{opening}\n\n"
    "Who should look: {label}\n"
    "Category: {category}\n\n"
    "Sign in to Safewell to see it: {link}\n\n"
    "This message says nothing about the child or the evidence on purpose: the details are "
    "only in Safewell, where every reading is recorded.\n"
)
OPENING = {
    NotificationKind.RAISED: "Safewell has raised an alert for {label}.",
    NotificationKind.ESCALATED: (
        "An alert for {team} was not acknowledged in time, so it comes to {label}."
    ),
}
SMS_BODY = {
    NotificationKind.RAISED: "Safewell: new {category} alert for {label}. Sign in to see it: {link}",
    NotificationKind.ESCALATED: "Safewell: {category} alert not acknowledged in time, now for {label}. {link}",
}


DIGEST_SUBJECT = {
    NotificationKind.RAISED: "Safewell: {count} new alerts for {label}",
    NotificationKind.ESCALATED: "Safewell: {count} alerts not acknowledged in time, for {label}",
}
DIGEST_OPENING = {
    NotificationKind.RAISED: "Safewell has raised {count} alerts for {label}.",
    NotificationKind.ESCALATED: "{count} alerts were not acknowledged in time, so they come to {label}.",
}
DIGEST_SMS = "Safewell: {count} {what} for {label}. Sign in to see them: {link}"
SEVERAL_CATEGORIES = "several (see the inbox)"


def _absolute(path: str) -> str:
    return getattr(settings, "SAFEWELL_BASE_URL", "").rstrip("/") + path


def alert_link(alert_id: int) -> str:
    return _absolute(reverse("policy:alert_detail", args=[alert_id]))


def _link_for(notification: Notification) -> str:
    if notification.alert_count > 1:
        return _absolute(reverse("policy:inbox"))
    return alert_link(notification.alert_id)


def _team_words(notification: Notification) -> str:
    alert = notification.alert
    place = alert.site.name if alert.site_id else alert.organisation.name
    team = "the attendance officers" if alert.routed_to_role == "attendance_officer" else "the DSL team"
    return f"{team} at {place}"


def email_for(notification: Notification) -> EmailMessage:
    """The email for one row: who should look, the category, a link. Nothing else."""
    digest = notification.alert_count > 1
    words = dict(
        label=notification.recipient_label or "you", count=notification.alert_count,
        category=SEVERAL_CATEGORIES if digest else category_of(notification.alert.rule_id),
        link=_link_for(notification), team=_team_words(notification),
    )
    subject = (DIGEST_SUBJECT if digest else EMAIL_SUBJECT)[notification.kind]
    opening = (DIGEST_OPENING if digest else OPENING)[notification.kind]
    return EmailMessage(
        subject=subject.format(**words),
        body=EMAIL_BODY.format(opening=opening.format(**words), **words),
        to=[notification.address],
    )


def sms_for(notification: Notification) -> str:
    if notification.alert_count > 1:
        what = "new alerts" if notification.kind == NotificationKind.RAISED else "alerts not acknowledged in time"
        return DIGEST_SMS.format(count=notification.alert_count, what=what,
                                 label=notification.recipient_label or "you", link=_link_for(notification))
    return SMS_BODY[notification.kind].format(
        category=category_of(notification.alert.rule_id).lower(),
        label=notification.recipient_label or "you", link=alert_link(notification.alert_id),
    )


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed, "skipped": self.skipped}


def notifications_deliver_due(
    *, now: dt.datetime, sms_provider: SmsProvider | None = None, limit: int = BATCH_SIZE
) -> DeliveryReport:
    """Deliver every queued row that is due (up to `limit`), oldest first."""
    report = DeliveryReport()
    due = list(
        Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk").values_list("pk", "attempts")[:limit]
    )
    provider = sms_provider
    for pk, attempts in due:
        if not _claim(pk, attempts, now):
            report.skipped += 1
            continue
        notification = Notification.objects.select_related("alert", "alert__site", "alert__organisation").get(pk=pk)
        if notification.channel == Channel.SMS and provider is None:
            provider = sms_provider_from_settings()
        try:
            _send(notification, provider)
        except Exception as error:  # noqa: BLE001 - any failure of a backend is a retry, never a crash
            outcome = _record_failure(notification, error, now)
            report.failed += outcome == NotificationStatus.FAILED
            report.retrying += outcome == NotificationStatus.QUEUED
        else:
            _record_sent(notification, now)
            report.sent += 1
    return report


def _claim(pk: int, attempts: int, now: dt.datetime) -> bool:
    return bool(
        Notification.objects.filter(
            pk=pk, status=NotificationStatus.QUEUED, attempts=attempts, next_attempt_at__lte=now
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    )


def _send(notification: Notification, provider: SmsProvider | None) -> None:
    if notification.channel == Channel.IN_APP:
        return  # the row is the message: it appears in the recipient's notifications
    if notification.channel == Channel.EMAIL:
        email_for(notification).send(fail_silently=False)
        return
    if notification.channel == Channel.SMS:
        assert provider is not None
        provider.send(to=notification.address, body=sms_for(notification))
        return
    raise ValueError(f"unknown channel {notification.channel!r}")


def _record_sent(notification: Notification, now: dt.datetime) -> None:
    # Only while our claim stands (attempts unchanged): see "At least once" above.
    Notification.objects.filter(pk=notification.pk, attempts=notification.attempts).update(
        status=NotificationStatus.SENT, sent_at=now, last_error=""
    )


def _record_failure(notification: Notification, error: Exception, now: dt.datetime) -> str:
    attempts = notification.attempts
    status = NotificationStatus.FAILED if attempts >= MAX_ATTEMPTS else NotificationStatus.QUEUED
    message = f"attempt {attempts}: {type(error).__name__}: {error}"[:1000]
    Notification.objects.filter(pk=notification.pk, attempts=attempts).update(
        status=status, next_attempt_at=now + backoff(attempts), last_error=message,
    )
    log = logger.error if status == NotificationStatus.FAILED else logger.warning
    log("Notification %s (%s) %s: %s", notification.pk, notification.channel,
        "gave up" if status == NotificationStatus.FAILED else "will retry", message)
    return status


def notifications_mark_read(*, user, now: dt.datetime) -> int:
    """The user has seen their in-app notifications. Returns how many were unread."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=now
    )
