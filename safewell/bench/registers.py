"""The registers benchmark (issue 4 part 10): register submissions over real HTTP.

For each database (PostgreSQL in a scratch database, SQLite in a temporary file):
1. make a school sized for the load (`_populate`): one teacher per client, each with
   `groups_per_teacher` registration groups of 30 pupils, and a past school year of
   sessions to take registers for;
2. start the production server (gunicorn, `--preload`, as docs/deploy.md) on a free
   loopback port with DEBUG off;
3. sign every teacher in through the real sign-in page, then let the clients submit
   30-pupil session registers through `POST /api/registers/submit`:
   - saturated for `seconds` (after a warm-up): the most submissions a second;
   - on PostgreSQL, then paced at `rate` a second (default 200, the issue's target) for
     `seconds` more: the latency a teacher sees at that load;
4. on PostgreSQL, with the server stopped, the raw limit: the same 30-mark batches
   upserted straight into the mark table through psycopg (`_raw`);
5. count the SQL statements of one submission and time submissions one at a time
   in-process (`_profile`), to say where the time goes;
6. drop the database / delete the files.

Every register is a past session, so each is taken after its close time: the register
path then also writes one `MarkAmendment` per mark (registers.py: a register taken late).
A teacher submits each register once; `correction_share` of them are corrected once more
(one mark, with a reason), as happens when a late arrival or a parent's call comes in.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from safewell.bench import BenchOptions, Figures, benchmark
from safewell.bench._cpu import CpuMeter, per_submission, pressure
from safewell.bench._load import LoadConfig, Population, run_load, summary
from safewell.bench._server import HOST, ServerConfig, bench_environment, gunicorn

DEFAULT_SECONDS = 60.0
DEFAULT_CLIENTS = 50
# Two cores serve the web, the database and the load generator together. Sync workers
# measured best for a write-heavy POST in figures.md §C3 (4 sync workers 407/s against 215/s
# for 2 × 4 gthread); see docs/benchmarks.md for the sweep on this path.
DEFAULT_WORKERS = 4
DEFAULT_THREADS = 1
DEFAULT_RATE = 200.0  # registers a second: the target load
PACED_SHARE = 0.7  # of the saturated rate, when that is below DEFAULT_RATE
PUPILS_PER_GROUP = 30
CORRECTION_SHARE = 0.15
RAW_SECONDS_SHARE = 0.25  # the raw upsert runs a quarter as long as one HTTP phase…
RAW_MIN_SECONDS = 2.0  # …and at least this long
# Registers each client needs for a phase: if the server took this many a second…
PLANNING_CEILING_PER_S = 1000.0


@benchmark("registers", "register submissions over HTTP (gunicorn) on PostgreSQL and SQLite, and the raw upsert limit")
def registers(options: BenchOptions) -> Figures:
    seconds = options.seconds or DEFAULT_SECONDS
    clients = options.clients or DEFAULT_CLIENTS
    server = ServerConfig(options.workers or DEFAULT_WORKERS, options.threads or DEFAULT_THREADS)
    rate = options.extra.get("rate")
    rate = DEFAULT_RATE if rate is None else float(rate)  # 0: no paced phase
    # Each worker's first requests import and build what --preload left lazy (schemas, the
    # policy engine…): keep them out of the figures.
    warmup = min(10.0, max(2.0, seconds / 6))
    figures: Figures = {
        "register_bench_config": {
            "clients": clients,
            "seconds": seconds,
            "warmup_seconds": warmup,
            "server": f"gunicorn --preload, {server.label()}",
            "paced_rate_per_s": rate,
            "pupils_per_register": PUPILS_PER_GROUP,
            "correction_share": CORRECTION_SHARE,
            "client": "asyncio, plain HTTP/1.1 on loopback, on the same 2 cores as server and database",
        }
    }
    for database in options.databases:
        options.say(f"registers on {database}:")
        try:
            figures.update(_one_database(database, options, seconds=seconds, warmup=warmup, clients=clients,
                                         server=server, rate=rate))
        except Exception as error:  # noqa: BLE001 - one database failing still reports the other
            options.say(f"  registers on {database} failed: {error}")
            figures.setdefault("errors", []).append(f"registers on {database}: {str(error)[-2000:]}")
    return figures


def _one_database(database: str, options: BenchOptions, *, seconds: float, warmup: float, clients: int,
                  server: ServerConfig, rate: float) -> Figures:
    say = options.say
    phases = 2 if database == "postgresql" and rate > 0 else 1
    with _workspace(database) as (environment, url, folder):
        population = _populate(environment, clients=clients, seconds=seconds + warmup, phases=phases, say=say)
        half = len(population.sessions) // phases
        # Where this run's data lived (gone when the run ends): the tests check it was removed.
        figures: Figures = {f"register_scratch_{database}": url.rsplit("/", 1)[-1] if url else str(folder)}
        log = folder / "gunicorn.log"
        with gunicorn(server, environment, log) as running:
            say(f"  gunicorn master pid {running.pid} on {HOST}:{running.port} ({server.label()})")
            load = [(LoadConfig(HOST, running.port, seconds, warmup, correction_share=CORRECTION_SHARE),
                     _sessions(population, 0, half))]
            paced_rate: list[float] = []
            if phases == 2:
                def paced_config(earlier: list) -> LoadConfig:
                    # At the target rate, unless the saturated phase showed the server cannot
                    # take it: then at PACED_SHARE of what it took, so the latency is still
                    # that of a server keeping up (the rate is reported beside it).
                    paced_rate.append(min(rate, max(1.0, PACED_SHARE * len(earlier[0].latencies_ms) / seconds)))
                    return LoadConfig(HOST, running.port, seconds, warmup, rate=paced_rate[0],
                                      correction_share=CORRECTION_SHARE, seed=2)

                load.append((paced_config, _sessions(population, half, None)))
            figures[f"cpu_pressure_before_{database}"] = pressure()
            backends = _Backends(url) if url else None
            meter = CpuMeter(running.pid, backends or (lambda: []))
            try:
                results = run_load(load, say, probe=meter.snapshot)
            finally:
                meter.close()
                if backends:
                    backends.close()
            figures[f"cpu_pressure_after_{database}"] = pressure()
            outcomes = []
            for outcome, before, after in results:
                outcomes.append(outcome)
                outcome.cpu = per_submission(before, after, outcome.answered)
            saturated = summary(outcomes[0], seconds)
            _report(say, "saturated", saturated)
            figures[f"register_submits_per_s_{database}"] = saturated["submits_per_s"]
            figures[f"register_submit_errors_{database}"] = saturated["errors"]
            if phases == 2:
                paced = summary(outcomes[1], seconds)
                _report(say, f"paced at {paced_rate[0]:g}/s", paced)
                figures.update({
                    f"register_paced_rate_per_s_{database}": round(paced_rate[0], 1),
                    f"register_submit_p50_ms_{database}": paced["p50_ms"],
                    f"register_submit_p95_ms_{database}": paced["p95_ms"],
                    f"register_submit_p99_ms_{database}": paced["p99_ms"],
                    f"register_paced_submits_per_s_{database}": paced["submits_per_s"],
                    f"register_submit_errors_{database}": saturated["errors"] + paced["errors"],
                    f"register_paced_{database}": paced,
                })
            else:
                figures.update({
                    f"register_submit_p50_ms_{database}": saturated["p50_ms"],
                    f"register_submit_p95_ms_{database}": saturated["p95_ms"],
                    f"register_submit_p99_ms_{database}": saturated["p99_ms"],
                })
            figures[f"register_saturated_{database}"] = saturated
        try:
            figures[f"register_submit_profile_{database}"] = _profile(environment, say, submissions=60 if seconds >= 10 else 5)
        except RuntimeError as error:
            say(f"  the profile failed: {error}")
            figures.setdefault("errors", []).append(f"profile on {database}: {str(error)[-2000:]}")
        if database == "postgresql":
            figures.update(_raw_reference(url, population, clients=clients, seconds=seconds, half=half, say=say))
        if saturated["errors"] or figures.get(f"register_submit_errors_{database}"):
            say(f"  server log (last lines):\n{_tail(log)}")
    return figures


class _Backends:
    """Called, lists the PostgreSQL backends connected to the run's database."""

    def __init__(self, url: str) -> None:
        from safewell.bench._postgres import admin_url, connect

        self.name = url.rsplit("/", 1)[-1]
        self.admin = connect(admin_url(), autocommit=True)

    def __call__(self) -> list[int]:
        rows = self.admin.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.name])
        return [row[0] for row in rows]

    def close(self) -> None:
        self.admin.close()


def _sessions(population: Population, start: int, end: int | None) -> Population:
    """The population with only sessions[start:end], so two phases never take one register twice."""
    return Population(population.site_code, population.pupils_by_group, population.teachers,
                      population.sessions[start:end], population.password)


def _report(say, label: str, figures: dict[str, Any]) -> None:
    say(
        f"  {label}: {figures['submits_per_s']}/s, p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, errors {figures['errors']} {figures['error_samples'][:1]}"
    )


@contextmanager
def _workspace(database: str) -> Iterator[tuple[dict[str, str], str | None, Path]]:
    """A temporary folder (SQLite file, secret key, logs) and, for PostgreSQL, a scratch
    database; the environment for every process of this run."""
    from safewell.bench._postgres import scratch_database

    with tempfile.TemporaryDirectory(prefix="safewell-bench-") as folder:
        scratch = scratch_database() if database == "postgresql" else nullcontext(None)
        with scratch as url:
            overrides = {"SAFEWELL_DATA_DIR": folder, "SECRET_KEY": secrets.token_urlsafe(64)}
            if url:
                overrides["DATABASE_URL"] = url
            yield bench_environment(**overrides), url, Path(folder)


def _populate(environment: dict[str, str], *, clients: int, seconds: float, phases: int, say) -> Population:
    """Migrate and fill the database; enough registers that no client runs out in a phase
    even at PLANNING_CEILING_PER_S (a past school year has about 380 sessions)."""
    today = dt.date.today()
    first_year = (today.year if today.month >= 8 else today.year - 1) - 1  # last school year: all past
    sessions_per_phase = 380 // phases
    needed_per_client = PLANNING_CEILING_PER_S * seconds / clients
    groups_per_teacher = max(1, math.ceil(needed_per_client / sessions_per_phase))
    say(f"  migrating and making {clients} teachers × {groups_per_teacher} groups × {PUPILS_PER_GROUP} pupils…")
    output = _run_module(
        "safewell.bench._populate", environment,
        "--teachers", str(clients), "--groups-per-teacher", str(groups_per_teacher),
        "--pupils-per-group", str(PUPILS_PER_GROUP), "--year", str(first_year), "--last-day", today.isoformat(),
    )
    return Population.from_json(json.loads(output))


def _profile(environment: dict[str, str], say, *, submissions: int) -> dict[str, Any]:
    say("  counting the queries of one submission and timing submissions one at a time…")
    return json.loads(_run_module("safewell.bench._profile", environment, str(submissions)))


def _raw_reference(url: str, population: Population, *, clients: int, seconds: float, half: int, say) -> Figures:
    from safewell.bench._raw import raw_upserts

    raw_seconds = max(RAW_MIN_SECONDS, seconds * RAW_SECONDS_SHARE)
    say(f"  raw upserts: batches of {PUPILS_PER_GROUP} marks, {clients} threads, {raw_seconds:g}s…")
    raw = raw_upserts(url, population, threads=clients, seconds=raw_seconds, sessions_from=half)
    batches_per_s = raw.batches / raw.seconds
    say(f"  raw: {batches_per_s:.0f} batches/s = {raw.marks / raw.seconds:.0f} marks/s, errors {raw.errors}")
    return {
        "db_upsert_marks_per_s_postgresql": round(raw.marks / raw.seconds),
        "db_upsert_batches_per_s_postgresql": round(batches_per_s, 1),
        "db_upsert_config_postgresql": {"threads": raw.threads, "seconds": round(raw.seconds, 1),
                                        "marks_per_batch": PUPILS_PER_GROUP, "errors": raw.errors},
    }


def _run_module(module: str, environment: dict[str, str], *arguments: str) -> str:
    from django.conf import settings

    completed = subprocess.run(
        [sys.executable, "-m", module, *arguments], env=environment, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=900,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return completed.stdout


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
