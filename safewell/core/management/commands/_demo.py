"""The demo organisation and its staff: fictional people only, one login per role.

`safewell demo_load` loads this, then each app's own demo data (see demo_load.py). Every
step looks records up by a natural key before creating them, so loading twice changes
nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from safewell.accounts.models import Membership, Role, User
from safewell.schools.models import Organisation, OrganisationKind, Site

DEMO_ORGANISATION = "Harbour Lane School"
# The demo password and TOTP secret are published (README, console): demo use only.
DEMO_PASSWORD = "harbour-lane-demo"
# Base32, as authenticator apps expect; the same for every demo user who needs MFA.
DEMO_TOTP_SECRET = "HARBOURLANEDEMOSAFEWELLTOTP23456"


@dataclass(frozen=True)
class DemoSite:
    code: str
    name: str


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: Role
    site_codes: tuple[str, ...]

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@example.org".lower()

    @property
    def needs_mfa(self) -> bool:
        from safewell.accounts.models import ROLES_REQUIRING_MFA

        return self.role in ROLES_REQUIRING_MFA


QUAYSIDE = DemoSite(code="harbour-quayside", name="Quayside site")
HILLSIDE = DemoSite(code="harbour-hillside", name="Hillside site")
DEMO_SITES = (QUAYSIDE, HILLSIDE)
BOTH_SITES = (QUAYSIDE.code, HILLSIDE.code)

# One person per role; the DSL leads both sites with a deputy at each (as in seed 004).
DEMO_PEOPLE = (
    DemoPerson("admin", "Rowan", "Pike", Role.ADMIN, BOTH_SITES),
    DemoPerson("dsl", "Imogen", "Starling", Role.DSL, BOTH_SITES),
    DemoPerson("deputy.quayside", "Tarik", "Benbow", Role.DEPUTY_DSL, (QUAYSIDE.code,)),
    DemoPerson("deputy.hillside", "Hattie", "Quillon", Role.DEPUTY_DSL, (HILLSIDE.code,)),
    DemoPerson("attendance", "Callum", "Reeves-Amory", Role.ATTENDANCE_OFFICER, BOTH_SITES),
    DemoPerson("teacher", "Priya", "Nandakor", Role.TEACHER, (QUAYSIDE.code,)),
    DemoPerson("pastoral", "Owen", "Castlemere", Role.PASTORAL, (HILLSIDE.code,)),
    # A placing school's attendance lead: read-only, scoped to the pupils it placed.
    DemoPerson("external", "Dana", "Whitfell", Role.EXTERNAL, (QUAYSIDE.code,)),
)


def demo_organisation_load() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        name=DEMO_ORGANISATION,
        defaults={
            "kind": OrganisationKind.SCHOOL,
            "local_authority_code": "935",
            "local_authority_name": "Suffolk",
        },
    )
    for demo_site in DEMO_SITES:
        Site.objects.get_or_create(
            code=demo_site.code, defaults={"organisation": organisation, "name": demo_site.name}
        )
    return organisation


def demo_staff_load() -> list[User]:
    return [_demo_person_load(person) for person in DEMO_PEOPLE]


def _demo_person_load(person: DemoPerson) -> User:
    user = User.objects.filter(username=person.username).first()
    if user is None:
        user = User.objects.create_user(
            username=person.username,
            email=person.email,
            password=DEMO_PASSWORD,
            first_name=person.first_name,
            last_name=person.last_name,
        )
    for code in person.site_codes:
        Membership.objects.get_or_create(user=user, site=Site.objects.get(code=code), role=person.role)
    if person.needs_mfa:
        _demo_totp_enrol(user)
    return user


def _demo_totp_enrol(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def demo_logins() -> list[dict[str, str]]:
    """What `safewell demo` prints and the README lists: one row per demo person."""
    site_names = {site.code: site.name for site in DEMO_SITES}
    return [
        {
            "username": person.username,
            "role": person.role.label,
            "site": " and ".join(site_names[code] for code in person.site_codes),
            "mfa": "TOTP" if person.needs_mfa else "",
        }
        for person in DEMO_PEOPLE
    ]
