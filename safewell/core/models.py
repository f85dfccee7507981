"""Core's own tables: only what the platform itself needs."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    """One periodic job in one minute. Inserting it *is* the claim (see core/scheduler.py).

    The unique constraint is what makes several scheduler processes safe: only one insert
    of (name, slot) can succeed, and only the process whose insert succeeded enqueues.
    """

    audit_exempt = "the scheduler's own bookkeeping: which periodic job was claimed for which minute"

    name = models.CharField(max_length=100)
    slot = models.DateTimeField(help_text="The minute, in UTC, the job was due.")
    task_result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_once_per_slot"),
        ]
        # Serves the nightly prune (`slot < cutoff`); the unique index leads with name.
        indexes = [models.Index(fields=["slot"], name="scheduled_run_slot")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}Z"
