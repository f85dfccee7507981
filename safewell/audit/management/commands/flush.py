"""`safewell flush`: Django's flush, able to empty the append-only audit table as well.

Flush empties every table (an operator wiping a database, and the test runner after each
transactional test). The audit table's triggers would refuse that, so this lifts them for
the one transaction that empties the tables and puts them straight back. Nothing else in
Safewell ever removes audit events.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections

from safewell.audit import append_only


class Command(DjangoFlush):
    help = "Empty every table, the append-only audit log too (Django's flush: take a backup first)."

    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with append_only.suspended(connection):
            super().handle(**options)
