"""Writes to the audit log. Every event is appended to the hash chain here, and only here.

Actor, request id and IP address come from `safewell.core.request_context.current()`, so
domain code never passes a request (design.md). Each append runs inside the caller's
transaction when there is one, so the event commits or rolls back with the change it records.

Appends are serialised: on PostgreSQL a transaction-level advisory lock is taken before the
last hash is read and held until commit; on SQLite the IMMEDIATE transaction mode already
lets one writer in at a time. So two requests can never both extend the same last event.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from safewell.audit.changes import json_safe, snapshot_changes
from safewell.audit.models import GENESIS_HASH, Action, AuditEvent, event_hash
from safewell.core.request_context import current

# Any constant will do, as long as nothing else in the database takes the same advisory
# lock: the ASCII of "SWAUDIT".
CHAIN_LOCK_KEY = 0x53_57_41_55_44_49_54

CHANGES_MUST_BE_A_DICT = "Audit changes must be a dict of field → [old, new]."
TARGETS_AND_CHANGES_DIFFER = "audit_bulk needs one changes dict per target."


def audit_log(
    *,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    changes: dict | None = None,
    detail: str = "",
) -> AuditEvent:
    """Append one event. `target` (a model instance) fills `target_type` and `target_id`."""
    if target is not None:
        target_type, target_id = target_label(target), target_key(target)
    if changes is not None and not isinstance(changes, dict):
        raise TypeError(CHANGES_MUST_BE_A_DICT)
    return _append(
        [
            dict(
                action=action,
                target_type=target_type,
                target_id=target_id,
                changes=changes or {},
                detail=detail,
            )
        ]
    )[0]


def audit_read(*, target: models.Model, detail: str = "") -> AuditEvent:
    """Record that the current actor opened a safeguarding record.

    Call it from the selector that returns the record, so the HTML page, the API and the
    exports are all covered by one call (style.md, "What this means for Safewell" §1).
    """
    return audit_log(action=Action.READ, target=target, detail=detail)


def audit_bulk(
    *,
    action: str,
    targets: Sequence[models.Model],
    changes: Sequence[dict] | None = None,
    detail: str = "",
) -> list[AuditEvent]:
    """One event per target, for writes that bypass model signals.

    `bulk_create`, `QuerySet.update` and `bulk_update` send no signals, so the automatic
    capture never sees them. Call this in the same transaction, after the bulk write:

        with transaction.atomic():
            marks = Mark.objects.bulk_create(marks)
            audit_bulk(action="create", targets=marks)

    Without `changes`, each event records the target's current field values (as
    [None, value] for a create, [value, None] for a delete, [value, value] otherwise);
    pass one changes dict per target to say exactly what an update changed.
    """
    if changes is not None and len(changes) != len(targets):
        raise ValueError(TARGETS_AND_CHANGES_DIFFER)
    entries = [
        dict(
            action=action,
            target_type=target_label(target),
            target_id=target_key(target),
            changes=changes[index] if changes is not None else snapshot_changes(target, action),
            detail=detail,
        )
        for index, target in enumerate(targets)
    ]
    return _append(entries) if entries else []


def target_label(target: models.Model | type[models.Model]) -> str:
    """`app_label.model`, the stable name of a record's type (e.g. `schools.site`)."""
    return target._meta.label_lower


def target_key(target: models.Model) -> str:
    """A record's id as text. A composite primary key joins its parts with "/", so a mark
    of pupil 17 reads "17/2025-09-04/AM", never a Python tuple's repr."""
    pk = target.pk
    if isinstance(pk, tuple):
        return "/".join(str(json_safe(part)) for part in pk)
    return str(pk)


def _append(entries: list[dict[str, Any]]) -> list[AuditEvent]:
    context = current()
    with transaction.atomic():
        _lock_chain()
        previous_hash = _last_hash()
        occurred_at = timezone.now()  # read under the lock, so times follow chain order
        actor_username = _username(context.actor_id)
        events = []
        for entry in entries:
            event = AuditEvent(
                occurred_at=occurred_at,
                actor_id=context.actor_id,
                actor_username=actor_username,
                action=entry["action"],
                target_type=entry["target_type"],
                target_id=entry["target_id"],
                # Round-trip through JSON now, so the hash covers what the database returns.
                changes=json.loads(json.dumps(json_safe(entry["changes"]))),
                detail=entry["detail"],
                request_id=context.request_id or "",
                ip_address=_clean_ip(context.ip_address),
                previous_hash=previous_hash,
            )
            event.hash = event_hash(event.hashed_values())
            previous_hash = event.hash
            events.append(event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events, batch_size=500)
    return events


def _lock_chain() -> None:
    # Held until this transaction ends, so the next appender reads our hash after we commit.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    # SQLite: the settings open every transaction IMMEDIATE, which takes the write lock at
    # BEGIN; only one writer is ever inside this block.


def _last_hash() -> str:
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS_HASH


def _username(actor_id: int | None) -> str:
    if actor_id is None:
        return ""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    username = User._base_manager.filter(pk=actor_id).values_list(User.USERNAME_FIELD, flat=True).first()
    return username or ""


def _clean_ip(address: str | None) -> str:
    if not address:
        return ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""
