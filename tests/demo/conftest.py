"""The demo, loaded once for all the tests of this package, around Friday 20 November 2026.

Loading takes ten seconds or more, so the tests that only read it share one load: it is made
outside the per-test transactions and flushed when the package's last test has run (the
audit log's `flush` lifts its append-only triggers). Tests of loading itself, which need an
empty database, live in tests/platform. Each test still runs in its own transaction, so a
sign-in or a page view leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_TODAY = dt.date(2026, 11, 20)  # a Friday, three weeks after October half term


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    # The password hasher of the per-test settings (tests/conftest.py), so sign-ins work.
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("demo_load", today=DEMO_TODAY, verbosity=0)
    yield DEMO_TODAY
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
