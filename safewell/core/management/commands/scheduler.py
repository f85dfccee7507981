"""`safewell scheduler`: enqueue periodic jobs (SAFEWELL_SCHEDULE) when they fall due.

Production runs this as its own process beside `safewell worker --no-scheduler`. Running
more than one is safe: each (job, minute) is claimed once in the database.
"""

from __future__ import annotations

import logging
from argparse import ArgumentParser, ArgumentTypeError
from datetime import datetime
from types import FrameType

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safewell.core.stop_signals import handling_stop_signals
from safewell.core.scheduler import Scheduler, load_schedule


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of SAFEWELL_SCHEDULE as they fall due (runs until stopped)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true",
            help="Enqueue what is due this minute, then exit (for a system cron).",
        )
        parser.add_argument(
            "--at", type=_aware_datetime, default=None,
            help="With --once: act as if it were this ISO time (to replay a missed minute).",
        )

    def handle(self, *, once: bool, at: datetime | None, **options) -> None:
        if at is not None and not once:
            raise CommandError("--at only works with --once.")
        level = logging.WARNING if options["verbosity"] == 0 else logging.INFO
        logging.getLogger("safewell.scheduler").setLevel(level)
        scheduler = Scheduler(load_schedule())
        if once:
            for name in scheduler.tick(at):
                self.stdout.write(f"Enqueued {name}")
            return

        def stop(signum: int, frame: FrameType | None) -> None:
            scheduler.stop()

        with handling_stop_signals(stop):
            scheduler.run()


def _aware_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not an ISO date and time") from None
    # A time without an offset is London wall-clock time, as cron expressions are.
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
