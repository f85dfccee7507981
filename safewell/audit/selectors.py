"""Reads of the audit log: whether the chain is intact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from safewell.audit.models import GENESIS_HASH, HASHED_FIELDS, AuditEvent, event_hash

VERIFY_CHUNK_SIZE = 5000


@dataclass(frozen=True)
class ChainReport:
    entries: int
    broken_id: int | None = None
    broken_at: datetime | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


HASH_MISMATCH = "hash mismatch: the entry's fields no longer match its hash"
PREVIOUS_MISMATCH = "previous_hash mismatch: the entry does not follow the one before it"


def audit_chain_verify() -> ChainReport:
    """Walk the chain in id order, recomputing every hash; stop at the first broken link.

    Streams plain tuples (no model instances), so 100,000 entries take a few seconds.
    A deleted or reordered entry shows as a previous_hash mismatch on the entry after it;
    a changed field as a hash mismatch on the entry itself.
    """
    columns = ("id", "hash", *HASHED_FIELDS)
    rows = AuditEvent.objects.order_by("id").values_list(*columns).iterator(chunk_size=VERIFY_CHUNK_SIZE)
    expected_previous, count = GENESIS_HASH, 0
    for row in rows:
        values = dict(zip(columns, row))
        if values["previous_hash"] != expected_previous:
            return ChainReport(count, values["id"], values["occurred_at"], PREVIOUS_MISMATCH)
        if event_hash(values) != values["hash"]:
            return ChainReport(count, values["id"], values["occurred_at"], HASH_MISMATCH)
        expected_previous = values["hash"]
        count += 1
    return ChainReport(count)
