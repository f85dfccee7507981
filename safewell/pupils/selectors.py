"""Reads of pupils, scoped to who is asking. Every pupil page and API goes through here.

Who sees what (roles held at the **pupil's site**; a role elsewhere gives nothing here):

| role                                     | pupil | enrolments | contacts | other characteristics | safeguarding characteristics and professionals | edit |
|------------------------------------------|-------|------------|----------|-----------------------|-----------------------------------------------|------|
| dsl, deputy_dsl                          | yes   | yes        | yes      | yes                   | yes (each read is audited)                    | yes  |
| attendance_officer                       | yes   | yes        | yes      | yes                   | yes (each read is audited)                    | yes  |
| pastoral                                 | yes   | yes        | yes      | yes                   | yes (each read is audited)                    | no   |
| admin                                    | yes   | yes        | yes      | yes                   | no                                            | yes  |
| teacher                                  | yes   | yes        | yes      | yes                   | no                                            | no   |
| external (placing school, agency)        | yes   | yes        | no       | no                    | no                                            | no   |

"Safeguarding characteristics" are CP plan, CIN, looked after, previously looked after,
youth justice involvement and known to the police: knowing them tells you about a child's
family and risks, so they are for the people who act on them (design.md principle 6). The
professional contacts (social worker, virtual school, police…) reveal the same, so they
follow the same rule. SEN, EHCP, FSM, EAL, young carer, GRT and service child are things a
teacher needs to teach the child, so teachers see them.

External users: for now an external user sees the pupils of the site their membership is
at, like staff. Once placements link an external user to particular pupils (the placing
school's own pupils, a social worker's caseload), `pupils_visible_to` narrows to those.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from safewell.accounts.models import Role, User
from safewell.accounts.selectors import roles_for, sites_for
from safewell.audit.services import audit_read
from safewell.pupils.models import (
    Characteristic,
    CharacteristicKind,
    ProfessionalContact,
    Pupil,
)

SAFEGUARDING_CHARACTERISTICS = frozenset({
    CharacteristicKind.CHILD_PROTECTION_PLAN,
    CharacteristicKind.CHILD_IN_NEED,
    CharacteristicKind.LOOKED_AFTER,
    CharacteristicKind.PREVIOUSLY_LOOKED_AFTER,
    CharacteristicKind.YOUTH_JUSTICE,
    CharacteristicKind.KNOWN_TO_POLICE,
})
ROLES_SEEING_SAFEGUARDING = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.ATTENDANCE_OFFICER, Role.PASTORAL})
ROLES_SEEING_CONTACTS = frozenset({
    Role.DSL, Role.DEPUTY_DSL, Role.ATTENDANCE_OFFICER, Role.PASTORAL, Role.ADMIN, Role.TEACHER,
})
ROLES_SEEING_CHARACTERISTICS = ROLES_SEEING_CONTACTS
ROLES_EDITING_PUPILS = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.ATTENDANCE_OFFICER, Role.ADMIN})


@dataclass(frozen=True)
class PupilAccess:
    """What one user may see and do with one pupil."""

    can_edit: bool
    sees_contacts: bool
    sees_characteristics: bool
    sees_safeguarding: bool
    # The DSL team of the pupil's site reads the safeguarding record (safeguarding app);
    # every member of staff may raise a concern.
    is_dsl_team: bool = False
    raises_concerns: bool = False


def pupils_visible_to(user: User) -> QuerySet[Pupil]:
    """The pupils at the sites where `user` has any membership."""
    return Pupil.objects.filter(site__in=sites_for(user)).select_related(
        "site", "registration_group", "organisation"
    )


def pupil_search(user: User, *, query: str = "", site_code: str = "") -> QuerySet[Pupil]:
    """Visible pupils whose name or UPN contains `query`, optionally at one site."""
    pupils = pupils_visible_to(user)
    if site_code:
        pupils = pupils.filter(site__code=site_code)
    for word in query.split():
        pupils = pupils.filter(
            Q(legal_forename__icontains=word) | Q(legal_surname__icontains=word)
            | Q(preferred_forename__icontains=word) | Q(preferred_surname__icontains=word)
            | Q(upn__iexact=word)
        )
    return pupils


def pupil_access(user: User, pupil: Pupil) -> PupilAccess:
    roles = roles_for(user, pupil.site)
    return PupilAccess(
        can_edit=bool(roles & ROLES_EDITING_PUPILS),
        sees_contacts=bool(roles & ROLES_SEEING_CONTACTS),
        sees_characteristics=bool(roles & ROLES_SEEING_CHARACTERISTICS),
        sees_safeguarding=bool(roles & ROLES_SEEING_SAFEGUARDING),
        is_dsl_team=bool(roles & {Role.DSL, Role.DEPUTY_DSL}),
        raises_concerns=bool(roles - {Role.EXTERNAL}),
    )


def pupil_for_user(user: User, pupil_id: int) -> tuple[Pupil, bool]:
    """(pupil, can_edit), or Http404 when `user` may not see the pupil at all: a pupil
    at someone else's site does not exist, as far as they can tell."""
    try:
        pupil = pupils_visible_to(user).get(pk=pupil_id)
    except Pupil.DoesNotExist:
        raise Http404("No such pupil") from None
    return pupil, pupil_access(user, pupil).can_edit


@dataclass(frozen=True)
class PupilRecord:
    """A pupil with the related records `access` allows, for the pupil page and the API."""

    pupil: Pupil
    access: PupilAccess
    contacts: list
    enrolments: list
    characteristics: list[Characteristic]
    professionals: list[ProfessionalContact]


def pupil_record_for_user(user: User, pupil_id: int) -> PupilRecord:
    """The pupil page's data, filtered by role. A read of safeguarding characteristics or
    professionals is written to the audit log here, so every caller is covered."""
    pupil, _ = pupil_for_user(user, pupil_id)
    access = pupil_access(user, pupil)
    characteristics = list(pupil.characteristics.all()) if access.sees_characteristics else []
    if not access.sees_safeguarding:
        characteristics = [c for c in characteristics if c.kind not in SAFEGUARDING_CHARACTERISTICS]
    professionals = list(pupil.professionals.all()) if access.sees_safeguarding else []
    if access.sees_safeguarding and (
        professionals or any(c.kind in SAFEGUARDING_CHARACTERISTICS for c in characteristics)
    ):
        audit_read(target=pupil, detail="safeguarding characteristics and professionals")
    return PupilRecord(
        pupil=pupil,
        access=access,
        contacts=list(pupil.contacts.all()) if access.sees_contacts else [],
        enrolments=list(pupil.enrolments.select_related("site", "placing_school")),
        characteristics=characteristics,
        professionals=professionals,
    )


def _in_force_on(day: dt.date) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def characteristics_on(pupil: Pupil, day: dt.date) -> list[Characteristic]:
    """The characteristics that apply to `pupil` on `day` (not access-scoped: for rules)."""
    return list(pupil.characteristics.filter(_in_force_on(day)))


def characteristic_kinds_on(pupil: Pupil, day: dt.date) -> frozenset[str]:
    return frozenset(c.kind for c in characteristics_on(pupil, day))


def characteristic_kinds_by_pupil(pupil_ids: Iterable[int], day: dt.date) -> dict[int, frozenset[str]]:
    """{pupil id: kinds on `day`} in one query, for the rule engine and the calling list."""
    kinds: dict[int, set[str]] = defaultdict(set)
    rows = Characteristic.objects.filter(_in_force_on(day), pupil_id__in=list(pupil_ids))
    for pupil_id, kind in rows.values_list("pupil_id", "kind"):
        kinds[pupil_id].add(kind)
    return {pupil_id: frozenset(found) for pupil_id, found in kinds.items()}


def professionals_on(pupil: Pupil, day: dt.date, role: str | None = None) -> list[ProfessionalContact]:
    """The professionals working with `pupil` on `day`, e.g. the allocated social worker."""
    professionals = pupil.professionals.filter(_in_force_on(day))
    if role is not None:
        professionals = professionals.filter(role=role)
    return list(professionals)
