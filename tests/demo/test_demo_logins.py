"""The demo's logins: one for every role, the published password signs in, and the roles that
need MFA have the demo authenticator, whose code `safewell demo_totp` prints."""

from __future__ import annotations

from io import StringIO

import pyotp
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from safewell.accounts.models import Membership, Role, User
from safewell.demo.management.commands._demo import DEMO_PASSWORD, DEMO_TOTP_SECRET


def test_the_demo_has_a_login_for_every_role(db, demo):
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    # A deputy DSL at each site.
    deputies = Membership.objects.filter(role=Role.DEPUTY_DSL)
    assert sorted(deputies.values_list("site__code", flat=True)) == [
        "brackenwell", "lodefield-marsh-drove", "lodefield-tithe-barn"
    ]


def test_the_demo_logs_in_with_the_published_password(client, db, demo):
    response = client.post("/accounts/login/", {"login": "teacher", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_mfa_roles_have_the_demo_authenticator_and_demo_totp_prints_its_code(db, demo):
    with_totp = User.objects.filter(
        authenticator__type=Authenticator.Type.TOTP
    ).values_list("username", flat=True)
    assert sorted(with_totp) == ["admin", "ap.admin", "ap.deputy", "ap.dsl", "deputy.marsh", "deputy.tithe", "dsl"]

    out = StringIO()
    call_command("demo_totp", "dsl", stdout=out)
    assert pyotp.TOTP(DEMO_TOTP_SECRET).verify(out.getvalue().strip(), valid_window=1)
