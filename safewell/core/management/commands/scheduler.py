"""`safewell scheduler`: enqueue periodic jobs (SAFEWELL_SCHEDULE) when they fall due.

Production runs this as its own process beside `safewell worker --no-scheduler`. Running
more than one is safe: each (job, minute) is claimed once in the database.
"""

from __future__ import annotations

import logging
from argparse import ArgumentParser
from types import FrameType

from django.core.management.base import BaseCommand

from safewell.core.management.commands._signals import handling_stop_signals
from safewell.core.scheduler import Scheduler, load_schedule


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of SAFEWELL_SCHEDULE as they fall due (runs until stopped)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true",
            help="Enqueue what is due this minute, then exit (for a system cron).",
        )

    def handle(self, *, once: bool, **options) -> None:
        level = logging.WARNING if options["verbosity"] == 0 else logging.INFO
        logging.getLogger("safewell.scheduler").setLevel(level)
        scheduler = Scheduler(load_schedule())
        if once:
            for name in scheduler.tick():
                self.stdout.write(f"Enqueued {name}")
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            scheduler.stop()

        with handling_stop_signals(stop):
            scheduler.run()
