"""`safewell bench --json [--only NAME]`: run the benchmarks and print one JSON object.

stdout carries the JSON object and nothing else; progress goes to stderr. The hidden
options (`--seconds`, `--clients`, `--workers`, `--threads`, `--rate`, `--databases`)
shrink or vary a run: the tests use them to prove the harness in seconds, and
docs/benchmarks.md uses them for the worker sweep. Without them every benchmark runs its
documented configuration.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safewell.bench import BenchOptions, discover, run

NO_JSON = "Say --json: the figures are printed as one JSON object (nothing else is supported yet)."
FAILED = "{count} part(s) of the benchmarks failed: see \"errors\" in the JSON and the log above."
BAD_DATABASES = "--databases is a comma-separated list of postgresql and sqlite, not {value!r}."


class Command(BaseCommand):
    help = "Run the benchmarks (all, or --only NAME) and print their figures as one JSON object."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
        parser.add_argument("--only", action="append", metavar="NAME",
                            help=f"run only this benchmark (repeatable): {', '.join(sorted(discover()))}")
        hidden = argparse.SUPPRESS
        parser.add_argument("--seconds", type=float, help=hidden)
        parser.add_argument("--clients", type=int, help=hidden)
        parser.add_argument("--workers", type=int, help=hidden)
        parser.add_argument("--threads", type=int, help=hidden)
        parser.add_argument("--rate", type=float, help=hidden)
        parser.add_argument("--databases", default="postgresql,sqlite", help=hidden)

    def handle(self, *args, **options) -> None:
        if not options["json"]:
            raise CommandError(NO_JSON)
        databases = tuple(d.strip() for d in options["databases"].split(",") if d.strip())
        if not databases or set(databases) - {"postgresql", "sqlite"}:
            raise CommandError(BAD_DATABASES.format(value=options["databases"]))
        bench_options = BenchOptions(
            seconds=options["seconds"], clients=options["clients"], workers=options["workers"],
            threads=options["threads"], databases=databases, extra={"rate": options["rate"]},
            say=lambda line: print(line, file=sys.stderr, flush=True),
        )
        # A stop signal ends the run through the normal exit path, so the benchmarks' own
        # clean-up (stop gunicorn, drop the scratch database, delete temp files) still runs.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        figures: dict = {}
        try:
            run(bench_options, only=options["only"], figures=figures)
        except KeyError as error:
            raise CommandError(error.args[0]) from None
        except (SystemExit, KeyboardInterrupt):
            # Stopped: print what finished, so a long run is not lost.
            figures.setdefault("errors", []).append("stopped before the end: figures of the finished parts only")
            self.stdout.write(json.dumps(figures, indent=2, default=str))
            raise
        self.stdout.write(json.dumps(figures, indent=2, default=str))
        if figures.get("errors"):
            raise CommandError(FAILED.format(count=len(figures["errors"])))


def _exit_on_signal(signum: int, frame) -> None:
    raise SystemExit(128 + signum)
