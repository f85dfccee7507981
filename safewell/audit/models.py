"""The audit log: an append-only, hash-chained record of every write and safeguarding read.

Each event holds the sha256 of a canonical JSON of its own fields plus the hash of the event
before it (design.md principle 5). Changing, deleting or reordering any stored event breaks
the chain, and `safewell audit verify` names the first broken link. Appends go through
`safewell.audit.services`, which serialises them; nothing ever updates or deletes a row:
the model refuses in Python and database triggers refuse in SQL (migration 0002).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models

# The first event of the chain points at this instead of a real hash.
GENESIS_HASH = "0" * 64
# Bump when the canonical form changes; old events keep verifying under their version.
HASH_VERSION = 1

# The fields covered by the hash, in the order `verify` reads them from the database.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "action",
    "target_type",
    "target_id",
    "changes",
    "detail",
    "request_id",
    "ip_address",
    "previous_hash",
)

APPEND_ONLY = "The audit log is append-only: an audit event cannot be changed or deleted."


class Action(models.TextChoices):
    """The actions we write ourselves. Other apps may log their own (e.g. `login_failed`)."""

    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    READ = "read", "Opened"
    LOGIN_FAILED = "login_failed", "Failed sign-in"


class AuditEventQuerySet(models.QuerySet):
    """Bulk `update()` and `delete()` would skip `save()`'s refusal, so refuse them here too."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY)


class AppendOnlyError(Exception):
    """Someone tried to change or delete an audit event."""


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField()  # UTC, like every stored time
    # PROTECT, not SET_NULL: setting the actor to NULL would be an UPDATE, which the log
    # refuses. A person who has acted is deactivated, never deleted. The username is copied
    # so the entry reads (and hashes) the same whatever happens to the account later.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when Safewell itself acted (a job, a command, a migration).",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32)
    target_type = models.CharField(max_length=100, blank=True, help_text="app_label.model")
    target_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="field → [old, new]")
    detail = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # A plain string, not GenericIPAddressField: PostgreSQL's inet type rewrites some
    # addresses on output, and the hash must cover exactly the characters stored.
    ip_address = models.CharField(max_length=45, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "action"], name="audit_target_idx"),
            models.Index(fields=["occurred_at"], name="audit_occurred_at_idx"),
        ]
        constraints = [
            # Two events can never follow the same predecessor: the chain cannot fork, even
            # if the append lock were ever bypassed.
            models.UniqueConstraint(fields=["previous_hash"], name="audit_previous_hash_unique"),
            models.UniqueConstraint(fields=["hash"], name="audit_hash_unique"),
        ]

    def __str__(self) -> str:
        who = self.actor_username or "system"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(APPEND_ONLY)

    def hashed_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    def compute_hash(self) -> str:
        return event_hash(self.hashed_values())


def event_hash(values: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of an event's hashed fields (previous hash included)."""
    return hashlib.sha256(canonical_json(values)).hexdigest()


def canonical_json(values: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8, times as UTC ISO 8601 with microseconds.

    Written once at append time from Python values and again by `verify` from database
    values, so every field is reduced to a form both sides agree on.
    """
    payload = {name: values[name] for name in HASHED_FIELDS}
    payload["occurred_at"] = _utc_iso(values["occurred_at"])
    payload["v"] = HASH_VERSION
    return _CANONICAL_ENCODER.encode(payload).encode()


# One encoder for every event: `json.dumps` with options would build a new one per call,
# which is a tenth of `verify`'s time over a long chain.
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
