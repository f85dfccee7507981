"""The demo organisations, their sites and their staff: fictional people only.

Two settings modelled on the seed policies (issue 3 part 5), described in
`safewell/demo/demo_data/demo.yaml` and docs/demo.md: Brackenwell Learning Centre, an
alternative provision in Suffolk (seed 000), and Lodefield School, a two-site independent
special school near Wisbech (seed 004), each with a login for every role.

`safewell demo_load` loads this, then each app's own demo data (see demo_load.py). Every
step looks records up by a natural key before creating them, so loading twice changes
nothing the second time.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from safewell.accounts.models import ROLES_REQUIRING_MFA, Membership, Role, User
from safewell.demo.demo_data.plan import OrganisationPlan, StaffPlan, demo_plan
from safewell.schools.models import Organisation, Site

# The demo password and TOTP secret are published (README, console): demo use only.
DEMO_PASSWORD = "harbour-lane-demo"
# Base32, as authenticator apps expect; the same for every demo user who needs MFA.
DEMO_TOTP_SECRET = "HARBOURLANEDEMOSAFEWELLTOTP23456"
DEMO_ORGANISATIONS = tuple(o.name for o in demo_plan().organisations)


def demo_organisations_load() -> list[Organisation]:
    return [_organisation_load(plan) for plan in demo_plan().organisations]


def _organisation_load(plan: OrganisationPlan) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        name=plan.name,
        defaults={
            "kind": plan.kind,
            "local_authority_code": plan.local_authority_code,
            "local_authority_name": plan.local_authority_name,
        },
    )
    for site in plan.sites:
        Site.objects.get_or_create(
            code=site.code,
            defaults={
                "organisation": organisation,
                "name": site.name,
                "am_register_opens_at": site.am_register[0],
                "am_register_closes_at": site.am_register[1],
                "pm_register_opens_at": site.pm_register[0],
                "pm_register_closes_at": site.pm_register[1],
            },
        )
    return organisation


def demo_staff_load() -> list[User]:
    # The demo password hashed once for every demo login: each PBKDF2 hash costs 0.4 s
    # here, 15 s for the demo's 38 people. Sharing one salt is harmless for a password that
    # is published anyway; Django still checks it (and upgrades it) the normal way.
    password_hash = make_password(DEMO_PASSWORD)
    return [_demo_person_load(person, password_hash) for person in demo_plan().staff]


def _demo_person_load(person: StaffPlan, password_hash: str) -> User:
    user = User.objects.filter(username=person.username).first()
    if user is None:
        user = User.objects.create(
            username=person.username,
            email=person.email,
            password=password_hash,
            first_name=person.first_name,
            last_name=person.last_name,
        )
    for code in person.site_codes:
        Membership.objects.get_or_create(user=user, site=Site.objects.get(code=code), role=person.role)
    if person.role in ROLES_REQUIRING_MFA:
        _demo_totp_enrol(user)
    return user


def _demo_totp_enrol(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def demo_logins() -> list[dict[str, str]]:
    """What `safewell demo` prints and the README lists: one row per listed demo person
    (the other teachers, who take the other groups' registers, are in docs/demo.md)."""
    rows = []
    for organisation in demo_plan().organisations:
        site_names = {site.code: site.name for site in organisation.sites}
        for person in organisation.staff:
            if not person.listed:
                continue
            rows.append({
                "username": person.username,
                "role": Role(person.role).label,
                "site": " and ".join(site_names[code] for code in person.site_codes),
                "mfa": "TOTP" if person.role in ROLES_REQUIRING_MFA else "",
                "note": person.note,
            })
    return rows
