"""Writes of policy profiles: install a new version, put a version in force.

Versions are never edited (design.md principle 3): installing stores the document as a new
row numbered after the organisation's last one; activating moves `is_active` from the row
in force to the chosen one. Both run in one transaction, and every row change is captured
by the audit log's model signals (who, when, old and new values), which is where the
history page reads who put each version in force.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from safewell.accounts.models import User
from safewell.policy.models import PolicyProfile
from safewell.policy.profile_selectors import profile_cache_forget
from safewell.policy.profiles import profile_parse
from safewell.schools.models import Organisation

def policy_profile_install(
    *, organisation: Organisation, yaml_text: str | bytes, actor: User | None, activate: bool = True
) -> PolicyProfile:
    """Validate `yaml_text` and store it as the organisation's next version (in force unless
    `activate=False`). Raises `profiles.ProfileInvalid` (every problem, with line and field)
    and stores nothing when the document is refused."""
    profile = profile_parse(yaml_text, organisation_kind=organisation.kind)
    text = yaml_text.decode("utf-8") if isinstance(yaml_text, bytes) else yaml_text
    with transaction.atomic():
        _lock(organisation)
        last = PolicyProfile.objects.filter(organisation=organisation).aggregate(last=Max("version"))["last"]
        row = PolicyProfile.objects.create(
            organisation=organisation,
            name=profile.name,
            version=(last or 0) + 1,
            yaml_text=text,
            parsed=profile.to_json(),
            next_review_on=profile.next_review_on,
            created_by=actor,
            is_active=False,
        )
        if activate:
            policy_profile_activate(profile=row, actor=actor)
    return row


def policy_profile_activate(*, profile: PolicyProfile, actor: User | None) -> PolicyProfile:
    """Put `profile` in force for its organisation (the one in force before is kept, inactive).

    `actor` is who asked; the audit log records the acting user of the request or command
    (core.request_context), which the views and commands set to the same person."""
    with transaction.atomic():
        _lock(profile.organisation)
        current = PolicyProfile.objects.filter(organisation_id=profile.organisation_id, is_active=True).first()
        if current is not None and current.pk == profile.pk:
            return current
        # Off before on: the partial unique index allows one active row per organisation.
        if current is not None:
            current.is_active = False
            current.save(update_fields=["is_active"])
        profile.is_active = True
        profile.save(update_fields=["is_active"])
    profile_cache_forget(profile.organisation_id)
    return profile


def _lock(organisation: Organisation) -> None:
    """Serialise installs and activations per organisation: on PostgreSQL a row lock (two
    admins uploading at once get versions n and n+1, not a unique-constraint error); SQLite
    already runs one writing transaction at a time (IMMEDIATE mode)."""
    list(Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk", flat=True))

