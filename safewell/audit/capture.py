"""Automatic capture: every create, update and delete of a domain record becomes an event.

A domain record is an instance of a model in one of our own apps (`safewell.*`), except the
audit log itself and models that say why they are exempt (`audit_exempt = "reason"`, for
derived data rebuilt from audited rows). Third-party tables (sessions, django_tasks rows,
allauth's) are not ours and are not captured.

`pre_save` loads the stored values, `post_save` records the fields that changed as
[old, new], and `post_delete` records the last values. Secrets never reach the log: fields
named like a password, a secret or a token hash, and those a model lists in
`audit_redact = {...}`, appear only as "[redacted]" (changes.py).

Signals do not fire for `bulk_create`, `bulk_update` or `QuerySet.update`; callers of those
use `services.audit_bulk` (see its docstring). Receivers are connected per model, so models
we do not audit keep Django's fast deletes.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from safewell.audit.changes import audited_fields, changed_fields, snapshot_changes
from safewell.audit.models import Action, AuditEvent
from safewell.audit.services import audit_log

OUR_APPS_PREFIX = "safewell."
_OLD_VALUES = "_audit_old_values"


def is_audited(model: type[models.Model]) -> bool:
    meta = model._meta
    return (
        meta.app_config is not None
        and meta.app_config.name.startswith(OUR_APPS_PREFIX)
        and model is not AuditEvent
        and not meta.abstract
        and not meta.auto_created
        and not getattr(model, "audit_exempt", "")
    )


def connect_all() -> None:
    """Connect the receivers to every audited model. Called once, from `AuditConfig.ready`."""
    for model in apps.get_models():
        if is_audited(model):
            uid = f"audit:{model._meta.label_lower}"
            pre_save.connect(_load_old_values, sender=model, dispatch_uid=uid, weak=False)
            post_save.connect(_record_save, sender=model, dispatch_uid=uid, weak=False)
            post_delete.connect(_record_delete, sender=model, dispatch_uid=uid, weak=False)


def _load_old_values(sender: type[models.Model], instance: models.Model, raw: bool = False,
                     update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    setattr(instance, _OLD_VALUES, None)
    if instance._state.adding or instance.pk is None:
        return
    fields = audited_fields(sender, update_fields)
    old = sender._base_manager.using(kwargs.get("using")).filter(pk=instance.pk).values(
        *[field.attname for field in fields]
    ).first()
    setattr(instance, _OLD_VALUES, old)


def _record_save(sender: type[models.Model], instance: models.Model, created: bool,
                 update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    old_values = getattr(instance, _OLD_VALUES, None)
    if created or old_values is None:
        # A save with a primary key that matched no row inserts: that is a create too.
        audit_log(action=Action.CREATE, target=instance, changes=snapshot_changes(instance, Action.CREATE))
        return
    changes = changed_fields(instance, old_values, audited_fields(sender, update_fields))
    setattr(instance, _OLD_VALUES, None)
    if changes:  # a save that changed nothing is not an update
        audit_log(action=Action.UPDATE, target=instance, changes=changes)


def _record_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    audit_log(action=Action.DELETE, target=instance, changes=snapshot_changes(instance, Action.DELETE))
