"""Delivering an outbox: rows written in the transaction that decided to send them, sent by
a worker at least once, retried with backoff, never silently lost. Two outboxes use it:
alerts to staff (policy/outbox.py) and messages to families and agencies (followup/
messages.py). A row model has `status` (queued/sent/failed), `attempts`, `next_attempt_at`,
`last_error` and `sent_at`.

**Claiming** is the healthchecks pattern: a conditional UPDATE on the row's `attempts`
(`UPDATE … SET attempts = n + 1, next_attempt_at = now + lease WHERE id = … AND attempts = n
AND status = 'queued'`), checked by row count. Two workers can never both claim an attempt;
it needs no `SELECT … FOR UPDATE`, so it runs the same on SQLite and PostgreSQL.

**At least once**: a worker that dies after sending and before recording it leaves the row
queued with its lease; when the lease runs out, another worker sends it again. A send that
takes longer than the lease can therefore be repeated; the lease is far longer than any
mail or SMS hand-off should take.

**Retries**: a failed attempt waits `BACKOFF_BASE * 2^(attempts-1)` (capped at
`BACKOFF_MAX`); after `MAX_ATTEMPTS` the row is marked `failed`, kept with its last error,
and shown, so nothing is silently lost.

**Delivering now**: once the transaction that wrote a row commits, a worker is asked to
deliver at once rather than at the next scheduled run. The task that delivers an outbox
lives in its app's jobs module (policy/tasks.py, followup/jobs.py: the schedule names it
there), which imports the code that writes the rows; so the app registers how to ask for a
delivery (`register_delivery_request`, from its `ready()`), and the writers call
`deliver_after_commit(model)` without importing the jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import F

logger = logging.getLogger("safewell.outbox")

QUEUED, SENT, FAILED = "queued", "sent", "failed"
# While a worker holds a claimed row: long enough for any SMTP or SMS hand-off.
LEASE = dt.timedelta(minutes=5)
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=2)
# 1+2+4+…+64 minutes, then two hours: about 4 hours of trying before a row is marked failed.
MAX_ATTEMPTS = 9
BATCH_SIZE = 200


# {outbox row model: how to ask a worker to deliver that outbox now}
_DELIVERY_REQUESTS: dict[type[models.Model], Callable[[], None]] = {}


def register_delivery_request(model: type[models.Model], request: Callable[[], None]) -> None:
    """Let `request` ask a worker to deliver `model`'s outbox now (idempotent: `ready()` may
    run twice)."""
    _DELIVERY_REQUESTS[model] = request


def deliver_after_commit(model: type[models.Model]) -> None:
    """Once the caller's transaction commits, ask a worker to deliver `model`'s outbox now.
    The rows are already safe: if nobody registered a request, the scheduled run sends them."""
    request = _DELIVERY_REQUESTS.get(model)
    if request is not None:
        transaction.on_commit(request)


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


def deliver_due(
    model: type[models.Model], *, now: dt.datetime, send: Callable[[models.Model], str | None],
    related: tuple[str, ...] = (), limit: int = BATCH_SIZE,
) -> DeliveryReport:
    """Send every queued row of `model` that is due (up to `limit`), oldest first. `send`
    delivers one row and returns the provider's reference (or None); any exception it
    raises is a failed attempt, retried later."""
    report = DeliveryReport()
    due = list(
        model.objects.filter(status=QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk").values_list("pk", "attempts")[:limit]
    )
    for pk, attempts in due:
        if not _claim(model, pk, attempts, now):
            report.skipped += 1
            continue
        row = model.objects.select_related(*related).get(pk=pk)
        try:
            reference = send(row)
        except Exception as error:  # noqa: BLE001 - any failure of a backend is a retry, never a crash
            outcome = _record_failure(row, error, now)
            report.failed += outcome == FAILED
            report.retrying += outcome == QUEUED
        else:
            _record_sent(row, now, reference)
            report.sent += 1
    return report


def _claim(model: type[models.Model], pk: int, attempts: int, now: dt.datetime) -> bool:
    return bool(
        model.objects.filter(pk=pk, status=QUEUED, attempts=attempts, next_attempt_at__lte=now)
        .update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    )


def _record_sent(row: models.Model, now: dt.datetime, reference: str | None) -> None:
    extra = {"provider_reference": (reference or "")[:200]} if hasattr(row, "provider_reference") else {}
    # Only while our claim stands (attempts unchanged): see "At least once" above.
    type(row).objects.filter(pk=row.pk, attempts=row.attempts).update(status=SENT, sent_at=now, last_error="", **extra)


def _record_failure(row: models.Model, error: Exception, now: dt.datetime) -> str:
    attempts = row.attempts
    status = FAILED if attempts >= MAX_ATTEMPTS else QUEUED
    message = f"attempt {attempts}: {type(error).__name__}: {error}"[:1000]
    type(row).objects.filter(pk=row.pk, attempts=attempts).update(
        status=status, next_attempt_at=now + backoff(attempts), last_error=message,
    )
    log = logger.error if status == FAILED else logger.warning
    log("%s %s (%s) %s: %s", type(row).__name__, row.pk, getattr(row, "channel", ""),
        "gave up" if status == FAILED else "will retry", message)
    return status
