"""`safewell worker`: run background tasks, and (by default) the scheduler, in one process.

Embedded (the default, and `make demo`): one process runs the database worker and, in a
thread beside it, the scheduler. Production runs `safewell worker --no-scheduler` (N of
them) and `safewell scheduler` separately; see docs/deploy.md.
"""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from types import FrameType

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker, valid_interval, valid_max_tasks

from safewell.core.stop_signals import handling_stop_signals
from safewell.core.scheduler import Scheduler, load_schedule

logger = logging.getLogger("safewell.worker")


class Command(BaseCommand):
    help = "Run background tasks and, unless --no-scheduler, the periodic-job scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--no-scheduler", action="store_false", dest="scheduler",
            help="Only run tasks; production runs `safewell scheduler` as its own process.",
        )
        parser.add_argument(
            "--queue-name", default="*",
            help="Queues to process, comma-separated; '*' for all (default: all).",
        )
        parser.add_argument(
            "--interval", type=valid_interval, default=1.0,
            help="Seconds to wait when the queue is empty (default: 1).",
        )
        parser.add_argument(
            "--batch", action="store_true",
            help="Enqueue what the schedule has due now, run every ready task, then exit.",
        )
        parser.add_argument(
            "--max-tasks", type=valid_max_tasks, default=None,
            help="Exit after running this many tasks.",
        )
        parser.add_argument(
            "--worker-id", default=None,
            help="A name unique across the worker pool (default: random).",
        )

    def handle(self, *, scheduler: bool, queue_name: str, interval: float, batch: bool,
               max_tasks: int | None, worker_id: str | None, **options) -> None:
        _set_log_level(options["verbosity"])
        # Read the schedule first: a bad entry stops start-up with one sentence.
        schedule = Scheduler(load_schedule()) if scheduler else None
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=max_tasks,
            worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        if batch:
            if schedule is not None:
                schedule.tick()
            worker.run()
            return
        self._run_forever(worker, schedule)

    def _run_forever(self, worker: Worker, schedule: Scheduler | None) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            if schedule is not None:
                schedule.stop()
            # The worker finishes the task it is running (a second signal aborts it), or
            # exits at once when idle, by raising SystemExit from its sleep.
            worker.shutdown(signum, frame)

        thread = None
        if schedule is not None:
            thread = threading.Thread(target=schedule.run, name="safewell-scheduler", daemon=True)
        with handling_stop_signals(stop):
            try:
                if thread is not None:
                    thread.start()
                worker.run()
            finally:
                if thread is not None:
                    schedule.stop()
                    thread.join(timeout=10)
                logger.info("Worker stopped.")


def _set_log_level(verbosity: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    for name in ("django_tasks", "django_tasks_db", "safewell.scheduler", "safewell.worker"):
        logging.getLogger(name).setLevel(level)
