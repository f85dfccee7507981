"""`safewell demo_load` from an empty database: loading twice changes nothing and the audit
chain verifies; production refuses the demo; `demo_totp` refuses a user without the demo
secret; the README lists the logins. The logins themselves are tested on the shared load
(tests/demo/test_demo_logins.py)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.management import CommandError, call_command

from safewell.accounts.models import Membership, User
from safewell.audit.models import AuditEvent
from safewell.demo.management.commands._demo import (
    DEMO_ORGANISATIONS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    demo_logins,
)
from safewell.schools.models import Organisation, Site

README = Path(settings.BASE_DIR) / "README.md"


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "sites": Site.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "authenticators": Authenticator.objects.count(),
    }


def test_loading_the_demo_twice_neither_fails_nor_duplicates(db):
    call_command("demo_load", verbosity=0)
    first = counts()
    call_command("demo_load", verbosity=0)

    assert counts() == first
    assert first == {"organisations": 2, "sites": 3, "users": 38, "memberships": 42, "authenticators": 7}
    assert set(Organisation.objects.values_list("name", flat=True)) == set(DEMO_ORGANISATIONS)


def test_demo_totp_refuses_a_user_without_the_demo_secret(db, personas):
    with pytest.raises(CommandError, match="dsl has no demo authenticator"):
        call_command("demo_totp", "dsl")


def test_the_demo_is_refused_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="not loaded when SAFEWELL_PRODUCTION is true"):
        call_command("demo_load", verbosity=0)
    assert not User.objects.exists()


def test_the_audit_chain_verifies_after_the_demo_loads(db):
    call_command("demo_load", verbosity=0)
    call_command("demo_load", verbosity=0)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().startswith("audit chain OK")
    # The demo's own writes are in the chain that verified.
    assert AuditEvent.objects.filter(target_type="accounts.membership").count() == 42


def test_the_readme_lists_the_demo_logins_that_demo_load_creates():
    readme = README.read_text()
    for login in demo_logins():
        row = f"| {login['username']} | {login['role']} | {login['site']} | {login['mfa']} | {login['note']} |"
        assert row in readme, f"README.md is missing the demo login row: {row}"
    assert f"`{DEMO_PASSWORD}`" in readme and f"`{DEMO_TOTP_SECRET}`" in readme
