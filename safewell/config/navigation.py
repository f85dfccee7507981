"""The shell's navigation and home page, by role: the one table to edit when a page lands.

A nav item names its target by path (for pages another app builds) or by URL name. An item
whose target does not resolve is left out, so a page that is not built yet never appears as
a dead link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from safewell.accounts.models import Role

ADMIN_ONLY: frozenset[str] = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class NavItem:
    label: str
    # A path ("/staff/mfa/") or a URL name ("home").
    target: str
    # Who sees it, by their roles at the current site; None: everyone signed in, even a
    # person with no site yet (they still need Home and Sign out).
    roles: frozenset[str] | None = None
    # "post" for actions that change state (signing out), rendered as a form button.
    method: str = "get"
    # Home is current only on "/"; other items are current anywhere under their path.
    exact: bool = False


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "home", exact=True),
    # Every role sees the pupils of its sites; what each role sees of them: pupils/selectors.py.
    NavItem("Pupils", "pupils:list", roles=frozenset(Role.values)),
    # Registers: everyone who takes them (attendance/register_views.py says who uses what).
    NavItem("Registers", "attendance:my_registers", roles=frozenset(Role.values) - {Role.EXTERNAL}),
    NavItem("Late book", "attendance:late_book", roles=frozenset({Role.ATTENDANCE_OFFICER, Role.PASTORAL, Role.ADMIN})),
    NavItem(
        "Missing registers", "attendance:missing_registers",
        roles=frozenset({Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL, Role.ADMIN}),
    ),
    NavItem(
        "Amendments", "attendance:amendments_report",
        roles=frozenset({Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL, Role.ADMIN}),
    ),
    # The attendance officer's day: the calling list, the ledger, replies and reports
    # (followup/selectors.py says who does what).
    NavItem("First-day calling", "followup:day",
            roles=frozenset({Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL, Role.PASTORAL})),
    NavItem("Message templates", "followup:templates", roles=frozenset({Role.ADMIN, Role.ATTENDANCE_OFFICER})),
    # Alerts (policy/selectors.py says who sees which): the DSL team and attendance officers.
    NavItem("Alerts", "policy:inbox", roles=frozenset({Role.DSL, Role.DEPUTY_DSL, Role.ATTENDANCE_OFFICER})),
    # Case work (safeguarding/selectors.py): the DSL team; any member of staff raises a concern.
    NavItem("Safeguarding", "safeguarding:dashboard", roles=frozenset({Role.DSL, Role.DEPUTY_DSL})),
    NavItem("Raise a concern", "safeguarding:concern_raise", roles=frozenset(Role.values) - {Role.EXTERNAL}),
    # The policy profile in force, its history and uploads (policy/profile_views.py); the DSL
    # team may read it too, by the link on a review reminder.
    NavItem("Policy profile", "policy:profile", roles=ADMIN_ONLY),
    NavItem("MFA status", "/staff/mfa/", roles=ADMIN_ONLY),
    NavItem("API tokens", "/staff/tokens/", roles=ADMIN_ONLY),
    NavItem("Sign out", "account_logout", method="post"),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    method: str
    is_current: bool


def _url_for(target: str) -> str | None:
    if target.startswith("/"):
        try:
            resolve(target)
        except Resolver404:
            return None
        return target
    try:
        return reverse(target)
    except NoReverseMatch:
        return None


def _is_current(item: NavItem, url: str, current_path: str) -> bool:
    if item.method != "get":
        return False
    return current_path == url if item.exact else current_path.startswith(url)


def nav_links_for(roles: Iterable[str], *, current_path: str) -> list[NavLink]:
    """The nav items these roles may use, whose pages exist, marking the current one."""
    held = set(roles)
    links = []
    for item in NAV_ITEMS:
        if item.roles is not None and not held & item.roles:
            continue
        url = _url_for(item.target)
        if url is None:
            continue
        links.append(NavLink(item.label, url, item.method, _is_current(item, url, current_path)))
    return links


# Highest first: someone with two roles at a site gets the home page of the higher one.
ROLE_PRECEDENCE: tuple[str, ...] = (
    Role.ADMIN,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.ATTENDANCE_OFFICER,
    Role.PASTORAL,
    Role.TEACHER,
    Role.EXTERNAL,
)

HOME_TEMPLATES: dict[str, str] = {
    Role.ADMIN: "core/home/admin.html",
    # A deputy DSL does the DSL's job at their site (seed 004: a lead and a deputy per site).
    Role.DSL: "core/home/dsl.html",
    Role.DEPUTY_DSL: "core/home/dsl.html",
    Role.ATTENDANCE_OFFICER: "core/home/attendance_officer.html",
    Role.PASTORAL: "core/home/pastoral.html",
    Role.TEACHER: "core/home/teacher.html",
    Role.EXTERNAL: "core/home/external.html",
}
NO_SITE_HOME = "core/home/no_site.html"


def highest_role(roles: Iterable[str]) -> str | None:
    held = set(roles)
    return next((role for role in ROLE_PRECEDENCE if role in held), None)


def home_template_for(roles: Iterable[str]) -> str:
    role = highest_role(roles)
    return NO_SITE_HOME if role is None else HOME_TEMPLATES[role]
