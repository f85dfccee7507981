"""Real processes on a real SQLite file: the worker runs a task and stops cleanly on a
signal; racing scheduler processes claim a minute once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SAFEWELL = [sys.executable, "-c", "from safewell.config.cli import main; main()"]
# The default schedule's daily prune, replayed for a fixed minute (GMT, so London = UTC).
PRUNE_MINUTE = "2026-11-23T03:17"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("safewell-data")
    result = safewell(directory, "migrate", "-v0")
    assert result.returncode == 0, result.stderr
    return directory


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    return {**env, "SAFEWELL_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}


def safewell(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SAFEWELL, *args], env=environment(data_dir), capture_output=True,
                          text=True, timeout=120)


def query(data_dir: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data_dir / "safewell.sqlite3", timeout=20) as db:
        return db.execute(sql, params).fetchall()


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_process_runs_a_task_and_stops_cleanly_on_a_signal(data_dir, stop_signal):
    enqueue = safewell(
        data_dir, "shell", "-c",
        "from safewell.core.tasks import prune_finished_tasks; print(prune_finished_tasks.enqueue().id)",
    )
    task_id = enqueue.stdout.strip().splitlines()[-1].replace("-", "")
    worker = subprocess.Popen(
        [*SAFEWELL, "worker"], env=environment(data_dir),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # A child started from a background job may inherit SIGINT ignored; undo that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        done = wait_for(lambda: query(
            data_dir, "SELECT status FROM django_tasks_database_dbtaskresult WHERE replace(id, '-', '') = ?",
            task_id,
        ) == [("SUCCESSFUL",)])
        assert done, "the worker did not run the task within 30 seconds"
        worker.send_signal(stop_signal)
        output, _ = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "Scheduler started" in output and "Scheduler stopped." in output
    assert "Traceback" not in output


def test_racing_scheduler_processes_enqueue_a_minute_once(data_dir):
    racers = [
        subprocess.Popen([*SAFEWELL, "scheduler", "--once", "--at", PRUNE_MINUTE],
                         env=environment(data_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(4)
    ]
    outputs = [racer.communicate(timeout=60) for racer in racers]

    assert [racer.returncode for racer in racers] == [0, 0, 0, 0], outputs
    # Each job due that minute (every-minute ones too) is enqueued by exactly one racer.
    lines = [line for out, _ in outputs for line in out.splitlines()]
    assert lines.count("Enqueued prune-finished-tasks") == 1 and len(lines) == len(set(lines))
    claims = query(data_dir, "SELECT task_result_id FROM core_scheduledrun WHERE name = 'prune-finished-tasks'")
    assert len(claims) == 1
    assert query(data_dir, "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE replace(id, '-', '') = ?",
                 claims[0][0].replace("-", "")) == [(1,)]


def test_a_bad_schedule_stops_the_worker_in_one_sentence(data_dir, tmp_path):
    # A settings module that adds a broken entry to the real settings.
    (tmp_path / "broken_schedule_settings.py").write_text(
        "from safewell.config.settings import *  # noqa\n"
        "SAFEWELL_SCHEDULE = [{'name': 'x', 'task': 'safewell.core.tasks.prune_finished_tasks',"
        " 'cron': '61 * * * *'}]\n"
    )
    env = {**environment(data_dir), "DJANGO_SETTINGS_MODULE": "broken_schedule_settings",
           "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([*SAFEWELL, "worker"], env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert result.stderr == (
        "safewell: SAFEWELL_SCHEDULE entry 1 (x): 61 in the minute field of cron expression "
        "'61 * * * *' is out of range (0-59).\n"
    )
