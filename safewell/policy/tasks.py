"""The policy app's background work, each a plain function taking "now" plus a django-tasks
task that calls it with the real clock (SAFEWELL_SCHEDULE in settings enqueues them).

- `deliver_notifications`: every minute, and enqueued as soon as an alert's transaction
  commits; delivers the due outbox rows (policy/outbox.py).
- `escalate_overdue_alerts`: every few minutes; escalates open DSL alerts not acknowledged
  in time to the lead DSL, one message per lead naming how many (policy/alerts.py).
- `send_digests`: every few minutes; at each profile digest time, one email per person
  with the alerts that were not urgent (policy/digests.py).
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from safewell.policy.alerts import alerts_escalate_overdue
from safewell.policy.digests import digests_send
from safewell.policy.outbox import notifications_deliver_due

logger = logging.getLogger("safewell.policy.tasks")


@task()
def deliver_notifications() -> dict[str, int]:
    return notifications_deliver_due(now=timezone.now()).as_dict()


@task()
def escalate_overdue_alerts() -> int:
    # Each escalation queues its notifications and asks for delivery on commit.
    return len(alerts_escalate_overdue(now=timezone.now()))


@task()
def send_digests() -> int:
    return digests_send(now=timezone.now())


def deliver_notifications_soon() -> None:
    """Ask a worker to deliver now, once an alert's transaction commits (PolicyConfig.ready
    registers it with core/outbox.py, so the alerts need not import this module). If the
    queue is down, the rows wait for the every-minute run: the alert is already committed."""
    try:
        deliver_notifications.enqueue()
    except Exception:  # noqa: BLE001 - delivery is retried by the schedule; never fail the caller
        logger.exception("Could not enqueue notification delivery; the scheduled run will deliver.")
