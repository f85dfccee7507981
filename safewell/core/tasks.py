"""Platform background tasks. Domain apps keep their own tasks in their own `tasks.py`."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

# Successful results are only a receipt; failures are kept longer because someone may
# still be finding out why they failed.
SUCCESSFUL_RESULT_RETENTION_DAYS = 14
FAILED_RESULT_RETENTION_DAYS = 30
# Claims only need to outlive the scheduler's catch-up window (minutes); a fortnight keeps
# a readable history of what ran when.
SCHEDULED_RUN_RETENTION_DAYS = 14


@task()
def prune_finished_tasks() -> dict[str, int]:
    """Delete old finished task results and old schedule claims. Runs daily (SAFEWELL_SCHEDULE)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from safewell.core.models import ScheduledRun

    now = timezone.now()
    successful, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=now - timedelta(days=SUCCESSFUL_RESULT_RETENTION_DAYS),
    ).delete()
    failed, _ = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        finished_at__lt=now - timedelta(days=FAILED_RESULT_RETENTION_DAYS),
    ).delete()
    claims, _ = ScheduledRun.objects.filter(
        slot__lt=now - timedelta(days=SCHEDULED_RUN_RETENTION_DAYS)
    ).delete()
    return {"successful_results": successful, "failed_results": failed, "scheduled_runs": claims}
