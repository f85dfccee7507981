"""`safewell audit verify`: check the audit log's hash chain, and name the first broken link."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from safewell.audit import append_only

from safewell.audit.selectors import ChainReport, audit_chain_verify

# Shown in UTC, as stored: an investigator compares it with database and server logs.
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` recomputes the hash chain (exit status 1 when broken)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="verify")
        actions.add_parser("verify", help="recompute every hash and report the first broken link")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self.verify()

    def verify(self) -> None:
        missing = append_only.missing(connection)
        if missing:
            # The chain may still verify, but the database no longer refuses changes.
            self.stderr.write(f"warning: append-only triggers missing: {', '.join(missing)}")
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(broken_message(report), returncode=1)
        self.stdout.write(f"audit chain OK: {report.entries} entries")


def broken_message(report: ChainReport) -> str:
    return (
        f"audit chain BROKEN at entry id {report.broken_id} "
        f"({report.broken_at:{TIME_FORMAT}}), after {report.entries} good entries: {report.reason}"
    )
