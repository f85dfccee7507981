"""Scheduled work of the safeguarding app (settings.SAFEWELL_SCHEDULE)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from safewell.core.request_context import acting_as
from safewell.safeguarding.casework_alerts import casework_alerts_sync

logger = logging.getLogger("safewell.safeguarding.jobs")


@task()
def sync_casework_alerts() -> dict[str, int]:
    """Raise the case-work alerts whose clocks ran out since the last write (an interview
    now overdue, a notification due today, a review date passed), and clear the met ones."""
    now = timezone.now()
    with acting_as(None), transaction.atomic():
        result = casework_alerts_sync(now=now)
    if result.changed:
        logger.info("Case-work alerts: %d opened, %d renewed, %d no longer met",
                    len(result.opened), len(result.updated), len(result.no_longer_met))
    return {"opened": len(result.opened), "renewed": len(result.updated), "no_longer_met": len(result.no_longer_met)}
