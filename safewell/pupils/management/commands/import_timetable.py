"""safewell import_timetable --organisation NAME FILE [FILE …]: a timetable, all or nothing.

Each FILE is one kind of timetable CSV (subjects, periods, classes, lessons, members), known
by its header (docs/timetable-import.md). All the files of one run are checked together and
stored in one transaction, or none is.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safewell.core.import_problems import ImportRejected
from safewell.pupils.timetable_import import timetable_import
from safewell.schools.models import Organisation


class Command(BaseCommand):
    help = "Import timetable CSV files (subjects, periods, classes, lessons, members): docs/timetable-import.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--organisation", required=True, help="the organisation's name")

    def handle(self, *args, **options) -> None:
        paths: list[Path] = options["files"]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        try:
            organisation = Organisation.objects.get(name=options["organisation"])
        except Organisation.DoesNotExist:
            raise CommandError(f"no organisation named {options['organisation']!r}") from None
        try:
            result = timetable_import(organisation=organisation, files=paths)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"the timetable was refused whole ({len(rejected.problems)} problem(s)); nothing was imported"
            ) from None
        self.stdout.write(f"timetable imported for {organisation}: {result}")
