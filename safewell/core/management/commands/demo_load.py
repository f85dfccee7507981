"""`safewell demo_load`: load the demo organisation, its staff, then each app's demo data.

Idempotent: run it twice and nothing fails or doubles. To add demo data for an app, give the
app a `demo.py` with `def load(*, today: date) -> None` that looks records up before making
them; it runs after the staff are loaded, in INSTALLED_APPS order (so a pupil's site exists
before its marks). Look the organisation up by `DEMO_ORGANISATION` from `_demo.py`.
"""

from __future__ import annotations

import importlib
import importlib.util
from datetime import date

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from safewell.core.management.commands._demo import demo_organisation_load, demo_staff_load
from safewell.core.request_context import acting_as

REFUSED_IN_PRODUCTION = (
    "The demo is not loaded when SAFEWELL_PRODUCTION is true: it would add published "
    "passwords to a real database."
)


class Command(BaseCommand):
    help = "Load the demo organisation, staff and data (fictional people only). Safe to repeat."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None,
            help="The date the demo data is built around (default: today, Europe/London).",
        )

    def handle(self, *, today: date | None, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(REFUSED_IN_PRODUCTION)
        today = today or timezone.localdate()
        # The system itself is the actor in the audit log.
        with acting_as(None), transaction.atomic():
            demo_organisation_load()
            staff = demo_staff_load()
            for module in app_demo_modules():
                module.load(today=today)
        if options["verbosity"]:
            self.stdout.write(f"Demo loaded: Harbour Lane School, {len(staff)} staff logins.")


def app_demo_modules() -> list:
    """Each installed Safewell app's `demo` module, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if config.name.startswith("safewell.") and importlib.util.find_spec(name):
            modules.append(importlib.import_module(name))
    return modules
