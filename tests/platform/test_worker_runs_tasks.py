"""`safewell worker` runs queued tasks, and the scheduler beside them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from safewell.core.models import ScheduledRun
from safewell.core.tasks import (
    FAILED_RESULT_RETENTION_DAYS,
    SUCCESSFUL_RESULT_RETENTION_DAYS,
    prune_finished_tasks,
)


# The worker closes connections that are not in autocommit (as between requests), which a
# test wrapped in a transaction is not: these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)


def finished_result(*, status: str, days_ago: int) -> DBTaskResult:
    """A task result that finished `days_ago` days ago."""
    result = DBTaskResult.objects.get(id=prune_finished_tasks.enqueue().id)
    result.status = status
    result.finished_at = timezone.now() - timedelta(days=days_ago)
    result.save()
    return result


def test_the_worker_runs_a_queued_task_to_success():
    queued = prune_finished_tasks.enqueue()

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    result = DBTaskResult.objects.get(id=queued.id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"successful_results": 0, "failed_results": 0, "scheduled_runs": 0}


def test_pruning_deletes_only_results_past_their_retention():
    old_success = finished_result(status=TaskResultStatus.SUCCESSFUL, days_ago=SUCCESSFUL_RESULT_RETENTION_DAYS + 1)
    recent_success = finished_result(status=TaskResultStatus.SUCCESSFUL, days_ago=SUCCESSFUL_RESULT_RETENTION_DAYS - 1)
    # A failure as old as the old success is kept: failures are kept longer.
    kept_failure = finished_result(status=TaskResultStatus.FAILED, days_ago=SUCCESSFUL_RESULT_RETENTION_DAYS + 1)
    old_failure = finished_result(status=TaskResultStatus.FAILED, days_ago=FAILED_RESULT_RETENTION_DAYS + 1)
    old_claim = ScheduledRun.objects.create(name="prune", slot=timezone.now() - timedelta(days=30))
    queued = prune_finished_tasks.enqueue()

    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    remaining = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert {str(recent_success.id), str(kept_failure.id)} <= remaining
    assert not {str(old_success.id), str(old_failure.id)} & remaining
    assert not ScheduledRun.objects.filter(pk=old_claim.pk).exists()
    assert DBTaskResult.objects.get(id=queued.id).return_value == {
        "successful_results": 1, "failed_results": 1, "scheduled_runs": 1,
    }


def test_the_worker_with_its_scheduler_enqueues_and_runs_a_due_job(settings):
    settings.SAFEWELL_SCHEDULE = [
        {"name": "every-minute", "task": "safewell.core.tasks.prune_finished_tasks", "cron": "* * * * *"}
    ]

    call_command("worker", "--batch", verbosity=0)

    run = ScheduledRun.objects.get(name="every-minute")
    assert DBTaskResult.objects.get(id=run.task_result_id).status == TaskResultStatus.SUCCESSFUL


def test_the_worker_without_its_scheduler_enqueues_nothing(settings):
    settings.SAFEWELL_SCHEDULE = [
        {"name": "every-minute", "task": "safewell.core.tasks.prune_finished_tasks", "cron": "* * * * *"}
    ]
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)
    assert not ScheduledRun.objects.exists()
    assert not DBTaskResult.objects.exists()
