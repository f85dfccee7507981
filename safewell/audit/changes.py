"""What an audit event records of a record's change: its fields' values as JSON, secrets
redacted. Used by the automatic capture (capture.py) and by the writers that bypass model
signals (services.audit_bulk), so both record a change the same way.

Secrets never reach the log: fields named like a password, a secret or a token hash, and
those a model lists in `audit_redact = {...}`, appear only as "[redacted]".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from safewell.audit.models import Action

REDACTED = "[redacted]"
# Substrings of field names that always hold a secret, whatever the model.
SECRET_NAME_PARTS = ("password", "secret", "token_hash")


def json_safe(value: Any) -> Any:
    """A value as the log stores it: JSON that reads back exactly as it was written."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (bytes, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    # Decimals and floats as text: a JSON number can come back from PostgreSQL's jsonb in a
    # different form (-0.0 → 0), and the hash must match what is read back.
    if isinstance(value, (Decimal, float)):
        return str(value)
    return str(value)


def is_redacted(model: type[models.Model], field: models.Field) -> bool:
    name = field.name.lower()
    if any(part in name for part in SECRET_NAME_PARTS):
        return True
    return field.name in getattr(model, "audit_redact", ()) or field.attname in getattr(
        model, "audit_redact", ()
    )


def audited_fields(model: type[models.Model], names: frozenset[str] | None = None) -> list[models.Field]:
    """Concrete fields (FKs by their id), limited to `names` when a save named its fields."""
    fields = [field for field in model._meta.concrete_fields if not getattr(field, "generated", False)]
    if names is not None:
        fields = [field for field in fields if field.name in names or field.attname in names]
    return fields


def snapshot_changes(instance: models.Model, action: str) -> dict[str, list[Any]]:
    """Every field's current value, as a create ([None, v]), delete ([v, None]) or other."""
    changes = {}
    for field in audited_fields(type(instance)):
        value = REDACTED if is_redacted(type(instance), field) else json_safe(field.value_from_object(instance))
        if action == Action.CREATE:
            changes[field.name] = [None, value]
        elif action == Action.DELETE:
            changes[field.name] = [value, None]
        else:
            changes[field.name] = [value, value]
    return changes


def changed_fields(
    instance: models.Model, old_values: dict[str, Any], fields: list[models.Field]
) -> dict[str, list[Any]]:
    """[old, new] for each field whose value differs from what the database held."""
    model = type(instance)
    changes = {}
    for field in fields:
        if field.attname not in old_values:
            continue
        old, new = old_values[field.attname], _comparable(field, field.value_from_object(instance))
        if old == new:
            continue
        if is_redacted(model, field):
            changes[field.name] = [REDACTED, REDACTED]
        else:
            changes[field.name] = [json_safe(old), json_safe(new)]
    return changes


def _comparable(field: models.Field, value: Any) -> Any:
    # "5" assigned to an IntegerField is stored as 5: compare what the database will hold.
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value
