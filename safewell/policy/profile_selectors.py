"""Reads of policy profiles: the profile in force, the versions and their history, the access check.

`profile_for(organisation)` is what the engine and the alerts read. It never fails: an
organisation that has installed no profile runs the national minimums (`statutory.yaml`).
The result is cached per request (or per job run under `acting_as`), keyed by the request id
of `core.request_context`, so evaluating thousands of pupils reads and validates it once.
"""

from __future__ import annotations

import contextvars
import difflib
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet

from safewell.accounts.models import Role, User
from safewell.accounts.selectors import roles_for
from safewell.audit.models import AuditEvent
from safewell.core.request_context import current
from safewell.followup.ladder import Rung
from safewell.followup.profile_settings import FollowupSettings
from safewell.policy.models import PolicyProfile
from safewell.policy.profiles import (
    FALLBACK_PROFILE_NAME,
    Profile,
    profile_from_json,
    shipped_profile,
    shipped_profile_text,
)
from safewell.schools.models import Organisation, Site

# Who may read an organisation's profile, and who may change it (at the site they work at).
PROFILE_READERS = frozenset({Role.ADMIN, Role.DSL, Role.DEPUTY_DSL})
PROFILE_EDITORS = frozenset({Role.ADMIN})

_cache: contextvars.ContextVar[tuple[str, dict[int, Profile]] | None] = contextvars.ContextVar(
    "safewell_policy_profiles", default=None
)


def _request_cache() -> dict[int, Profile]:
    request_id = current().request_id
    held = _cache.get()
    if held is None or held[0] != request_id:
        held = (request_id, {})
        _cache.set(held)
    return held[1]


def profile_cache_forget(organisation_id: int) -> None:
    """After an activation, this request must read the new profile too."""
    _request_cache().pop(organisation_id, None)


def active_profile_row(organisation: Organisation | int) -> PolicyProfile | None:
    organisation_id = getattr(organisation, "pk", organisation)
    return PolicyProfile.objects.filter(organisation_id=organisation_id, is_active=True).first()


def profile_for(organisation: Organisation | int) -> Profile:
    """The profile in force for `organisation` (an Organisation or its id); `statutory` if none."""
    organisation_id = getattr(organisation, "pk", organisation)
    cache = _request_cache()
    if organisation_id not in cache:
        parsed = (
            PolicyProfile.objects.filter(organisation_id=organisation_id, is_active=True)
            .values_list("parsed", flat=True).first()
        )
        cache[organisation_id] = shipped_profile(FALLBACK_PROFILE_NAME) if parsed is None else profile_from_json(parsed)
    return cache[organisation_id]


def followup_settings_for(organisation_id: int) -> FollowupSettings:
    """The profile in force as first-day calling reads it (PolicyConfig.ready registers this
    with followup/profile_settings.py)."""
    profile = profile_for(organisation_id)
    calling = profile.first_day_calling
    return FollowupSettings(
        ladder=tuple(Rung(rung.step, rung.within_hours) for rung in profile.escalation_ladder.rungs),
        vulnerable_if=tuple(profile.rules.vulnerable_unexplained_absence.vulnerable_if),
        over_18_parent_notification=profile.options.over_18_parent_notification,
        placing_school_notification=profile.options.placing_school_notification,
        send_messages_automatically=calling.send_messages_automatically,
        send_messages_at=calling.send_time(),
        family_hours=calling.family_hours(),
        message_channels=tuple(calling.message_channels),
    )


@dataclass(frozen=True)
class ProfileInForce:
    """What the admin page shows: the profile, its row (None: the statutory fallback) and text."""

    profile: Profile
    row: PolicyProfile | None
    yaml_text: str

    @property
    def is_fallback(self) -> bool:
        return self.row is None


def profile_in_force(organisation: Organisation) -> ProfileInForce:
    row = active_profile_row(organisation)
    if row is None:
        return ProfileInForce(
            shipped_profile(FALLBACK_PROFILE_NAME), None, shipped_profile_text(FALLBACK_PROFILE_NAME)
        )
    return ProfileInForce(profile_from_json(row.parsed), row, row.yaml_text)


def profile_versions(organisation: Organisation) -> QuerySet[PolicyProfile]:
    return PolicyProfile.objects.filter(organisation=organisation).select_related("created_by").order_by("-version")


def profile_version(organisation: Organisation, version: int) -> PolicyProfile | None:
    return profile_versions(organisation).filter(version=version).first()


@dataclass(frozen=True)
class Activation:
    at: datetime
    by: str  # the username, or "" for Safewell itself (a command, the demo)
    version: int


@dataclass(frozen=True)
class HistoryRow:
    row: PolicyProfile
    activations: list[Activation]
    previous_version: int | None


def profile_history(organisation: Organisation) -> list[HistoryRow]:
    """Every version, newest first, with when and by whom it was put in force (audit log)."""
    rows = list(profile_versions(organisation))
    by_pk = {str(row.pk): row for row in rows}
    activations: dict[int, list[Activation]] = {row.pk: [] for row in rows}
    events = AuditEvent.objects.filter(
        target_type=PolicyProfile._meta.label_lower, target_id__in=list(by_pk)
    ).order_by("occurred_at", "id")
    for event in events:
        if _activated(event):
            row = by_pk[event.target_id]
            activations[row.pk].append(Activation(event.occurred_at, event.actor_username, row.version))
    versions = sorted(row.version for row in rows)
    previous = {v: (versions[i - 1] if i else None) for i, v in enumerate(versions)}
    return [HistoryRow(row, activations[row.pk], previous[row.version]) for row in rows]


def _activated(event: AuditEvent) -> bool:
    change = (event.changes or {}).get("is_active")
    return isinstance(change, list) and len(change) == 2 and change[1] is True


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "context", "added", "removed", "hunk"
    old_line: int | None
    new_line: int | None
    text: str


def profile_diff(old: PolicyProfile, new: PolicyProfile) -> list[DiffLine]:
    """A unified diff of two versions' YAML, line by line, with both line numbers."""
    old_lines = old.yaml_text.splitlines()
    new_lines = new.yaml_text.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        lines.append(DiffLine("hunk", None, None, f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("context", i1 + k + 1, j1 + k + 1, old_lines[i1 + k]) for k in range(i2 - i1)]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("removed", i + 1, None, old_lines[i]) for i in range(i1, i2)]
            if tag in ("replace", "insert"):
                lines += [DiffLine("added", None, j + 1, new_lines[j]) for j in range(j1, j2)]
    return lines


# --- Access -------------------------------------------------------------------------------


def profile_access(user: User, site: Site | None) -> tuple[Organisation | None, bool]:
    """(the organisation whose profile `user` may read at `site`, whether they may change it).

    None when they may not read it: profiles are for the administrators and the DSL team.
    """
    if site is None or not user.is_authenticated:
        return None, False
    roles = roles_for(user, site)
    if not roles & PROFILE_READERS:
        return None, False
    return site.organisation, bool(roles & PROFILE_EDITORS)


# --- Review dates -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewStatus:
    next_review_on: date
    reminder_from: date
    overdue: bool
    due_soon: bool
    days: int  # days until the review (negative: days overdue)


def review_status(profile: Profile, *, today: date) -> ReviewStatus:
    return ReviewStatus(
        next_review_on=profile.next_review_on,
        reminder_from=profile.review_reminder_starts_on(),
        overdue=profile.review_is_overdue(today=today),
        due_soon=profile.review_is_due(today=today) and not profile.review_is_overdue(today=today),
        days=(profile.next_review_on - today).days,
    )
