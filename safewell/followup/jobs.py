"""First-day calling's background work: each job a plain function taking "now" (so tests
and replays set the clock) and a django-tasks task that calls it with the real clock;
`SAFEWELL_SCHEDULE` in settings enqueues the tasks.

- `deliver_messages`: every minute, and as soon as a message's transaction commits;
  delivers the due rows of the follow-up outbox (messages.py).
- `send_first_day_messages`: every few minutes in the school day; at each organisation's
  configured time, messages the families of pupils still on the calling list.
- `send_agency_notices`: every few minutes in the school day; tells placing schools, social
  workers, virtual schools and youth justice workers the same day (agency.py).
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from safewell.followup.agency import agency_notices_send_due
from safewell.followup.messages import first_day_messages_send_due, messages_deliver_due

logger = logging.getLogger("safewell.followup.jobs")


@task()
def deliver_messages() -> dict[str, int]:
    return messages_deliver_due(now=timezone.now()).as_dict()


@task()
def send_first_day_messages() -> int:
    return first_day_messages_send_due(now=timezone.now())


@task()
def send_agency_notices() -> int:
    return agency_notices_send_due(now=timezone.now())


def deliver_messages_soon() -> None:
    """Ask a worker to deliver now, once a message's transaction commits (FollowupConfig.ready
    registers it with core/outbox.py, so the writers need not import this module). If the
    queue is down, the rows wait for the every-minute run: the message and its contact
    attempt are already committed."""
    try:
        deliver_messages.enqueue()
    except Exception:  # noqa: BLE001 - delivery is retried by the schedule; never fail the caller
        logger.exception("Could not enqueue message delivery; the scheduled run will deliver.")
