"""safewell import_terms --organisation NAME FILE: term dates and closures, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safewell.schools.models import Organisation
from safewell.schools.services import term_dates_import_csv, term_dates_import_ical
from safewell.core.import_problems import ImportRejected


class Command(BaseCommand):
    help = "Import term dates and closures from a CSV or iCalendar file (docs/calendar-import.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument(
            "--format", choices=["csv", "ics"], help="the file's format (default: from its extension)"
        )
        parser.add_argument(
            "--replace", action="store_true",
            help="first remove the stored terms and closures of the academic years the file covers",
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            organisation = Organisation.objects.get(name=options["organisation"])
        except Organisation.DoesNotExist:
            raise CommandError(f"no organisation named {options['organisation']!r}") from None
        fmt = options["format"] or ("ics" if path.suffix.lower() in (".ics", ".ical") else "csv")
        service = term_dates_import_ical if fmt == "ics" else term_dates_import_csv
        try:
            result = service(organisation=organisation, file=path, replace=options["replace"])
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"{path} was refused whole ({len(rejected.problems)} problem(s)); nothing was imported"
            ) from None
        self.stdout.write(f"{path}: {result}")
