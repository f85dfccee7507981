"""safewell rebuild_session_store [--year 2025/26] [--organisation NAME] [--verify]

Recompute every pupil's compact session store (design.md principle 8) from the marks, one
academic year at a time, each in its own transaction. With --verify, then check that the
stores and the marks agree, and fail if they do not.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safewell.attendance.store import session_store_differences, session_store_rebuild
from safewell.schools.models import AcademicYear


class Command(BaseCommand):
    help = "Rebuild the per-pupil session stores from the session marks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", help='only this academic year, e.g. "2025/26"')
        parser.add_argument("--organisation", help="only this organisation (its name)")
        parser.add_argument("--verify", action="store_true", help="check stores against marks afterwards")

    def handle(self, *args, **options) -> None:
        years = AcademicYear.objects.select_related("organisation").order_by("organisation__name", "starts_on")
        if options["year"]:
            years = years.filter(name=options["year"])
        if options["organisation"]:
            years = years.filter(organisation__name=options["organisation"])
        years = list(years)
        if not years:
            raise CommandError("no academic year matches: check --year and --organisation")
        started = time.perf_counter()
        total = 0
        disagreeing = []
        for year in years:
            written = session_store_rebuild(academic_year=year)
            total += written
            self.stdout.write(f"{year.organisation} {year.name}: {written} session stores")
            if options["verify"]:
                differences = session_store_differences(year)
                if differences:
                    disagreeing.append((year, differences))
        self.stdout.write(
            f"rebuilt {total} session stores for {len(years)} academic years "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if disagreeing:
            lines = [
                f"{year.organisation} {year.name}: pupil {d.pupil_id} session {d.session_index} "
                f"holds {d.in_store}, the marks say {d.from_marks}"
                for year, differences in disagreeing
                for d in differences[:5]
            ]
            raise CommandError("the stores disagree with the marks:\n" + "\n".join(lines))
        if options["verify"]:
            self.stdout.write("verified: the session stores agree with the marks")
