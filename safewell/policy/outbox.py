"""Delivering the alerts' outbox: in-app, email and SMS, at least once, retried with backoff
(the claiming, retries and failures are core/outbox.py's, shared with first-day messages).

The rows are written with the alert (alerts.py, same transaction); this module only
delivers them, so an alert never depends on a mail server or a queue being up (design.md
principle 4). `dedupe_key` (unique) stops the same message being queued twice, so
re-running the engine or the escalation job never sends twice.

**Content**: an email or a text says who should look, the category and a link, never the
child's name or the evidence (issue 5 §4: mail and SMS leave our control).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from safewell.core.outbox import BATCH_SIZE, DeliveryReport, deliver_due
from safewell.core.sms import SmsProvider, sms_provider_from_settings
from safewell.policy.models import Channel, Notification, NotificationKind
from safewell.policy.routing import category_of


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
    if notification.alert_count > 1 or notification.kind == NotificationKind.DIGEST:
        return _absolute(reverse("policy:inbox"))
    return alert_link(notification.alert_id)


def _team_words(notification: Notification) -> str:
    alert = notification.alert
    place = alert.site.name if alert.site_id else alert.organisation.name
    team = "the attendance officers" if alert.routed_to_role == "attendance_officer" else "the DSL team"
    return f"{team} at {place}"


DIGEST_EMAIL_SUBJECT = "Safewell: your digest of alerts, {when}"
DIGEST_EMAIL_BODY = (
    "{summary}\n\n"
    "Sign in to Safewell to see them: {link}\n\n"
    "Urgent alerts are sent at once and are not repeated here. This message says nothing "
    "about the children or the evidence on purpose: the details are only in Safewell, where "
    "every reading is recorded.\n"
)


def email_for(notification: Notification) -> EmailMessage:
    """The email for one row: who should look, the category, a link. Nothing else."""
    if notification.kind == NotificationKind.DIGEST:
        return EmailMessage(
            subject=DIGEST_EMAIL_SUBJECT.format(
                when=f"{timezone.localtime(notification.created_at):%A %-d %B %H:%M}"),
            body=DIGEST_EMAIL_BODY.format(summary=notification.summary, link=_absolute(reverse("policy:inbox"))),
            to=[notification.address],
        )
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


def notifications_deliver_due(
    *, now: dt.datetime, sms_provider: SmsProvider | None = None, limit: int = BATCH_SIZE
) -> DeliveryReport:
    """Deliver every queued row that is due (up to `limit`), oldest first."""
    providers: list[SmsProvider] = [sms_provider] if sms_provider is not None else []

    def send(notification: Notification) -> None:
        if notification.channel == Channel.SMS and not providers:
            providers.append(sms_provider_from_settings())
        _send(notification, providers[0] if providers else None)

    return deliver_due(Notification, now=now, send=send, limit=limit,
                       related=("alert", "alert__site", "alert__organisation"))


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


def notifications_mark_read(*, user, now: dt.datetime) -> int:
    """The user has seen their in-app notifications. Returns how many were unread."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=now
    )
