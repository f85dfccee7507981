"""`safewell bench --json`: one JSON object on stdout, progress on stderr, the registers
benchmark's keys, and nothing left behind, on the database the suite runs on.

The benchmark is run for real (gunicorn, teachers signing in, registers submitted through
the API, the raw upsert on PostgreSQL) in a tiny configuration: two clients, two seconds a
phase. It proves the harness, not the figures (docs/benchmarks.md has those).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from safewell.bench._postgres import admin_url, connect

SAFEWELL = [sys.executable, "-c", "from safewell.config.cli import main; main()"]
REGISTERS_KEYS = ("register_submits_per_s_{db}", "register_submit_p95_ms_{db}", "register_submit_p50_ms_{db}",
                  "register_submit_p99_ms_{db}", "register_submit_errors_{db}")


def bench(*arguments: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SAFEWELL, "bench", *arguments], cwd=settings.BASE_DIR, env=os.environ.copy(),
        capture_output=True, text=True, timeout=timeout,
    )


def this_database() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


@pytest.fixture(scope="module")
def tiny_run() -> tuple[subprocess.CompletedProcess, dict]:
    # Paced at 2 a second: slow enough for a busy CI machine to keep up with.
    run = bench("--json", "--only", "registers", "--seconds", "2", "--clients", "2", "--workers", "2",
                "--rate", "2", "--databases", this_database())
    assert run.returncode == 0, run.stderr[-3000:]
    return run, json.loads(run.stdout)


def test_it_prints_one_json_object_and_sends_progress_to_stderr(tiny_run):
    run, figures = tiny_run
    assert isinstance(figures, dict)
    assert run.stdout.strip().startswith("{") and run.stdout.strip().endswith("}")
    assert "signing in 2 teachers" in run.stderr
    assert figures["benchmarks"] == ["registers"]
    assert figures["errors"] == []


def test_it_records_the_machine_and_the_versions(tiny_run):
    machine = tiny_run[1]["machine"]
    assert machine["nproc"] == os.cpu_count()
    assert machine["memory_mb"] > 0
    assert machine["django"] and machine["gunicorn"] and machine["python"]
    assert "load_average_1m_at_start" in machine


def test_registers_were_submitted_through_the_api_without_errors(tiny_run):
    figures = tiny_run[1]
    db = this_database()
    for key in REGISTERS_KEYS:
        assert key.format(db=db) in figures
    assert figures[f"register_submits_per_s_{db}"] > 0
    assert figures[f"register_submit_errors_{db}"] == 0
    saturated = figures[f"register_saturated_{db}"]
    assert saturated["statuses"] == {"200": saturated["submits"]}
    # 30 marks a register: every first take applies 30, a correction 1.
    assert saturated["marks_applied"] == 30 * (saturated["submits"] - saturated["corrections"]) + saturated["corrections"]
    assert saturated["replayed"] == 0
    assert 0 < figures[f"register_submit_p50_ms_{db}"] <= figures[f"register_submit_p95_ms_{db}"]


def test_it_counts_the_queries_of_one_submission(tiny_run):
    profile = tiny_run[1][f"register_submit_profile_{this_database()}"]
    assert profile["queries_first_take"] == len(profile["statements_first_take"]) > 0
    assert profile["serial_mean_ms"] > 0


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_it_measures_the_raw_upsert_and_a_paced_load(tiny_run):
    figures = tiny_run[1]
    assert figures["db_upsert_marks_per_s_postgresql"] > 0
    assert figures["db_upsert_config_postgresql"]["errors"] == 0
    assert figures["register_paced_postgresql"]["submits"] > 0


def test_it_leaves_no_database_or_file_behind(tiny_run):
    db = this_database()
    scratch = tiny_run[1][f"register_scratch_{db}"]
    if db == "postgresql":
        with connect(admin_url()) as admin:
            left = admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [scratch]).fetchone()[0]
        assert left == 0
    else:
        assert not Path(scratch).exists()


def test_it_refuses_an_unknown_benchmark_by_name():
    run = bench("--json", "--only", "nosuch", timeout=60)
    assert run.returncode != 0
    assert "no benchmark called 'nosuch'" in run.stderr
    assert "registers" in run.stderr
    assert run.stdout == ""


def test_it_asks_for_json():
    run = bench(timeout=60)
    assert run.returncode != 0
    assert "--json" in run.stderr
