"""The policy engine's benchmark (issue 5 part 7), on PostgreSQL and a generated population.

For each size (default 100,000 then 1,000,000 pupils), in a scratch database:
1. `safewell migrate`, then `safewell generate --pupils N --year 2025/26` (a full school year
   of session marks for every pupil; ~350 pupils a school, each school its own organisation).
   The largest size is generated with `--store-only`: the session stores (what the engine
   reads, design.md principle 8) but not the mark table, which would be ~37 GB at 1M pupils
   (figures.md §C2). The smaller size has the mark rows too.
2. In a fresh process: read every session store of the year into numpy (the engine's own
   loader, `selectors.stores_load`): `marks_load_s_<size>`, best of two.
3. In another fresh process: every rule for every pupil as of the year's last day, and
   `alerts_sync` writing the alerts, in one transaction: `rules_full_eval_s_<size>` (from
   the database to alerts written), with the engine's own share beside it
   (`rules_full_eval_compute_s_<size>`: loading and rules, no alerts written), the candidate
   count, the time per step, and the process's peak resident memory
   (`rules_full_eval_peak_rss_mb_<size>`; the engine's own peak, before the alerts are
   written, in the detail). Then the steady nightly run, with the alerts already there
   (`rules_full_eval_steady_s_<size>`).
4. On the smaller size, `rules_incremental_eval_ms_p95`: one register of 30 marks (a
   registration group's morning marks written through `mark_write`), then the incremental
   evaluation of those 30 pupils and `alerts_sync`, timed; each rolled back so every
   register sees the same state. p50/p95/p99 over `REGISTERS` registers.

The keys for 100,000 and 1,000,000 pupils are named `…_100k` and `…_1m`; other sizes use the
number (the tests run two tiny sizes). Progress goes to stderr; the scratch database is
dropped at the end, also when a step fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from safewell.bench import BenchOptions, Figures, benchmark

DEFAULT_SIZES = (100_000, 1_000_000)
YEAR = "2025/26"
REGISTERS = 200
PUPILS_PER_REGISTER = 30
CHILD_TIMEOUT_S = 3 * 3600


def size_label(pupils: int) -> str:
    if pupils % 1_000_000 == 0:
        return f"{pupils // 1_000_000}m"
    if pupils % 1_000 == 0 and pupils >= 10_000:
        return f"{pupils // 1_000}k"
    return str(pupils)


@benchmark("rules", "policy engine: full evaluation of generated populations on PostgreSQL, the store load, incremental p95")
def rules(options: BenchOptions) -> Figures:
    sizes = tuple(sorted(options.extra.get("rules_pupils") or DEFAULT_SIZES))
    registers = int(options.extra.get("rules_registers") or REGISTERS)
    figures: Figures = {"rules_bench_config": {
        "sizes": list(sizes), "year": YEAR, "database": "postgresql",
        "store_only": size_label(sizes[-1]) if len(sizes) > 1 else None,
        "incremental_registers": registers, "pupils_per_register": PUPILS_PER_REGISTER,
        "note": (f"The {size_label(sizes[-1])} population fills only the session stores (generate --store-only), "
                 "not the mark table; the engine reads only the stores." if len(sizes) > 1 else ""),
    }}
    for index, pupils in enumerate(sizes):
        largest = index == len(sizes) - 1 and len(sizes) > 1
        figures.update(_one_size(pupils, store_only=largest, incremental=index == 0, registers=registers, say=options.say))
    return figures


def _one_size(pupils: int, *, store_only: bool, incremental: bool, registers: int, say) -> Figures:
    from safewell.bench._postgres import scratch_database
    from safewell.bench._server import bench_environment

    label = size_label(pupils)
    figures: Figures = {}
    with tempfile.TemporaryDirectory(prefix="safewell-bench-rules-") as folder, scratch_database() as url:
        environment = bench_environment(DATABASE_URL=url, SAFEWELL_DATA_DIR=folder, SECRET_KEY=secrets.token_urlsafe(64))
        say(f"  rules {label}: migrating and generating {pupils} pupils{' (stores only)' if store_only else ''}…")
        started = time.perf_counter()
        _safewell(environment, "migrate", "--no-input")
        generate = ["generate", "--pupils", str(pupils), "--year", YEAR, "--no-progress"]
        _safewell(environment, *(generate + (["--store-only"] if store_only else [])))
        figures[f"rules_generate_s_{label}"] = round(time.perf_counter() - started, 1)
        say(f"  rules {label}: generated in {figures[f'rules_generate_s_{label}']} s; loading the stores…")
        load = _child(environment, "load")
        figures[f"marks_load_s_{label}"] = load["seconds"]
        figures[f"marks_load_detail_{label}"] = load
        say(f"  rules {label}: stores loaded in {load['seconds']} s; evaluating every rule…")
        full = _child(environment, "full")
        figures[f"rules_full_eval_s_{label}"] = full["seconds"]
        figures[f"rules_full_eval_compute_s_{label}"] = full["compute_seconds"]
        figures[f"rules_full_eval_peak_rss_mb_{label}"] = full["peak_rss_mb"]
        figures[f"rules_full_eval_steady_s_{label}"] = full["steady_run"]["seconds"]
        figures[f"rules_full_eval_detail_{label}"] = full
        say(f"  rules {label}: {full['pupils']} pupils, {full['candidates']} candidates in {full['seconds']} s "
            f"(engine {full['compute_seconds']} s, alerts {full['sync_seconds']} s), peak RSS {full['peak_rss_mb']} MB")
        if incremental:
            say(f"  rules {label}: {registers} registers of {PUPILS_PER_REGISTER} marks, evaluated incrementally…")
            result = _child(environment, "incremental", str(registers))
            figures["rules_incremental_eval_ms_p95"] = result["p95_ms"]
            figures["rules_incremental_eval_detail"] = result
            say(f"  rules {label}: incremental p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms")
    return figures


def _safewell(environment: dict[str, str], *arguments: str) -> str:
    from django.conf import settings

    completed = subprocess.run(
        [sys.executable, "-c", "from safewell.config.cli import main; main()", *arguments], env=environment,
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"safewell {' '.join(arguments)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return completed.stdout


def _child(environment: dict[str, str], *arguments: str) -> dict[str, Any]:
    from django.conf import settings

    completed = subprocess.run(
        [sys.executable, "-m", "safewell.bench.rules", *arguments], env=environment, cwd=settings.BASE_DIR,
        capture_output=True, text=True, timeout=CHILD_TIMEOUT_S,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"rules bench step {arguments[0]} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- The measuring child (python -m safewell.bench.rules STEP) --------------------------------


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _year_end() -> tuple[dt.date, dict[int, int]]:
    """The last day of the generated year, and {academic year id: sessions} of every organisation."""
    from safewell.attendance.store import year_sessions
    from safewell.schools.models import AcademicYear

    years = list(AcademicYear.objects.filter(name=YEAR))
    return max(y.ends_on for y in years), {y.id: len(year_sessions(y)) for y in years}


def _step_load() -> dict[str, Any]:
    from safewell.policy.engine import selectors

    _, lengths = _year_end()
    times, rows = [], 0
    for _ in range(2):
        started = time.perf_counter()
        stores = selectors.stores_load(lengths)
        times.append(time.perf_counter() - started)
        rows = sum(len(s.pupil_ids) for s in stores.values())
        del stores
    return {"seconds": round(min(times), 3), "runs_s": [round(t, 3) for t in times], "stores": rows,
            "academic_years": len(lengths), "peak_rss_mb": _peak_rss_mb()}


def _step_full() -> dict[str, Any]:
    """Two full runs, each committed: the first opens every alert (the worst case, and the
    key); the second is the steady nightly run (the alerts exist; little changes)."""
    import logging

    from django.db import transaction
    from django.utils import timezone

    from safewell.policy.alerts import alerts_sync
    from safewell.policy.engine.evaluate import evaluation_run

    logging.getLogger("safewell.policy.alerts").setLevel(logging.ERROR)  # one line per alert otherwise
    today, _ = _year_end()
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        with transaction.atomic():
            evaluation = evaluation_run(today=today)
            computed = time.perf_counter()
            compute_rss = _peak_rss_mb()
            now = timezone.now()
            counts = {"opened": 0, "updated": 0, "unchanged": 0, "no_longer_met": 0}
            for part in evaluation.parts:
                result = alerts_sync(candidates=part.candidates, scope=part.scope, now=now)
                for name in counts:
                    counts[name] += len(getattr(result, name))
        finished = time.perf_counter()
        runs.append({"seconds": round(finished - started, 2), "compute_seconds": round(computed - started, 2),
                     "sync_seconds": round(finished - computed, 2), "alerts": counts, "steps_s": evaluation.seconds,
                     "peak_rss_mb_after_compute": compute_rss})
    by_rule: dict[str, int] = {}
    for candidate in evaluation.candidates:
        by_rule[candidate.rule_id] = by_rule.get(candidate.rule_id, 0) + 1
    first, steady = runs
    return {
        "seconds": first["seconds"], "compute_seconds": first["compute_seconds"], "sync_seconds": first["sync_seconds"],
        "pupils": evaluation.pupils, "candidates": len(evaluation.candidates),
        "candidates_by_rule": dict(sorted(by_rule.items())), "first_run": first, "steady_run": steady,
        "today": today.isoformat(), "peak_rss_mb": _peak_rss_mb(),
        "engine_peak_rss_mb": first["peak_rss_mb_after_compute"], "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _step_incremental(registers: int) -> dict[str, Any]:
    import random

    from django.db import transaction
    from django.utils import timezone

    from safewell.attendance.store import MarkInput, mark_write
    from safewell.policy.engine.evaluate import evaluate_and_sync
    from safewell.pupils.models import Pupil
    from safewell.schools.calendar import SchoolCalendar
    from safewell.schools.models import Site

    today, _ = _year_end()
    groups: dict[int, list[tuple[int, int]]] = {}
    for pupil_id, group_id, site_id in Pupil.objects.order_by("id").values_list("id", "registration_group_id", "site_id"):
        groups.setdefault(group_id, []).append((pupil_id, site_id))
    full_groups = [g for g in groups.values() if len(g) >= PUPILS_PER_REGISTER] or list(groups.values())
    rng = random.Random(1)
    chosen = [rng.choice(full_groups)[:PUPILS_PER_REGISTER] for _ in range(registers)]
    calendars: dict[int, SchoolCalendar] = {}
    times: list[float] = []
    engine: list[float] = []
    now = timezone.now()
    for members in chosen:
        site_id = members[0][1]
        if site_id not in calendars:
            calendars[site_id] = SchoolCalendar.for_site(Site.objects.get(pk=site_id), today - dt.timedelta(days=60), today)
        day = calendars[site_id].school_days_between(today - dt.timedelta(days=40), today)[-1]
        marks = [MarkInput(pupil_id, day, "AM", rng.choice(["/", "/", "/", "N", "L", "I"])) for pupil_id, _ in members]
        with transaction.atomic():
            mark_write(marks=marks, audit=False, check_calendar=False)
            started = time.perf_counter()
            report = evaluate_and_sync(today=day, now=now, pupil_ids=[p for p, _ in members], lessons_changed=False)
            times.append((time.perf_counter() - started) * 1000)
            engine.append(1000 * sum(v for k, v in report.evaluation.seconds.items() if k != "alerts_sync"))
            transaction.set_rollback(True)  # every register sees the same state
    times.sort()
    engine.sort()

    def percentile(values: list[float], share: float) -> float:
        return round(values[min(len(values) - 1, int(share * len(values)))], 1)

    return {"registers": len(times), "p50_ms": percentile(times, 0.50), "p95_ms": percentile(times, 0.95),
            "p99_ms": percentile(times, 0.99), "mean_ms": round(statistics.fmean(times), 1), "max_ms": round(times[-1], 1),
            "engine_p50_ms": percentile(engine, 0.50), "engine_p95_ms": percentile(engine, 0.95),
            "load_average_1m": round(os.getloadavg()[0], 2), "pupils_per_register": PUPILS_PER_REGISTER,
            "what": "evaluate_and_sync of 30 pupils after their marks were written (engine_*: without alerts_sync)"}


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safewell.config.settings")
    django.setup()
    step = argv[0]
    if step == "load":
        result = _step_load()
    elif step == "full":
        result = _step_full()
    elif step == "incremental":
        result = _step_incremental(int(argv[1]))
    else:
        raise SystemExit(f"unknown step {step!r}: load, full or incremental")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
