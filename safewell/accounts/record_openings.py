"""Who opened a safeguarding record: the reads the audit log holds, and who may see them.

It lives in accounts, not audit, because deciding who may look needs users and their
sites, and audit sits below accounts (design.md, "Shape").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import QuerySet

from safewell.accounts.models import Role, User
from safewell.accounts.selectors import sites_for
from safewell.audit.models import Action, AuditEvent

# Who may see who opened a record: the DSL team, and administrators (design.md §6).
OPENINGS_ROLES = (Role.DSL, Role.DEPUTY_DSL, Role.ADMIN)

# target_type → the ids of the sites a record of that type belongs to. Each app that holds
# safeguarding records registers its type (`register_record_sites`), so that a DSL sees the
# openings of their own sites' records only. A type nobody registered is shown to no one.
SitesOfRecord = Callable[[str], Iterable[int]]
_sites_of: dict[str, SitesOfRecord] = {}



# target_type → who may see its openings, when the record's sites are not the whole answer
# (a child's safeguarding record: the DSL team of the child's site and the lead DSL of the
# organisation, never an administrator). Registered instead of `register_record_sites`.
CanSeeOpenings = Callable[[User, str], bool]
_access_of: dict[str, CanSeeOpenings] = {}


def register_record_sites(target_type: str, sites_of: SitesOfRecord) -> None:
    """Say which sites a record belongs to: `sites_of(target_id)` returns their ids."""
    _sites_of[target_type] = sites_of


def register_record_access(target_type: str, can_see: CanSeeOpenings) -> None:
    """Say who may see the openings of a record type: `can_see(user, target_id)`."""
    _access_of[target_type] = can_see


def record_sites(*, target_type: str, target_id: str) -> set[int]:
    sites_of = _sites_of.get(target_type)
    return set(sites_of(target_id)) if sites_of is not None else set()


def can_see_openings(*, user: User, target_type: str, target_id: str) -> bool:
    """A DSL, deputy DSL or administrator at one of the sites the record belongs to, or
    whoever the record type's registered access function allows."""
    if not user.is_authenticated:
        return False
    if target_type in _access_of:
        return _access_of[target_type](user, target_id)
    viewer_sites = set(sites_for(user, roles=OPENINGS_ROLES).values_list("pk", flat=True))
    return bool(viewer_sites & record_sites(target_type=target_type, target_id=target_id))


def record_openings(*, target_type: str, target_id: str) -> QuerySet[AuditEvent]:
    """Every recorded read of one record, newest first. Scope with `can_see_openings`."""
    return AuditEvent.objects.filter(
        action=Action.READ, target_type=target_type, target_id=str(target_id)
    ).order_by("-occurred_at", "-id")
