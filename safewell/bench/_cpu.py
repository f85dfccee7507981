"""CPU time used by the processes of a run, read from /proc (Linux).

Wall-clock figures on a shared 2-core machine move with whatever else runs on it; the CPU
a submission costs does not. So each phase also reports the milliseconds of CPU the web
workers, the database backends serving them and the load generator spent per submission,
and what that predicts on two idle cores.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float:
    """user + system CPU of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15 of stat)


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def pressure() -> dict[str, float] | None:
    """Linux PSI for the CPU: the share of time something waited for a core (avg10, avg60)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    values = dict(part.split("=") for part in line.split()[1:])
    return {"some_avg10": float(values["avg10"]), "some_avg60": float(values["avg60"])}


@dataclass
class CpuSnapshot:
    web: float
    database: float
    client: float
    at: float


class CpuMeter:
    """Snapshots of the web workers' (children of the gunicorn master), the database
    backends' (`database_pids()`, e.g. PostgreSQL backends of the run's database; none for
    SQLite, which runs inside the workers) and this process's CPU seconds.

    Web processes reopen their database connection now and then (CONN_MAX_AGE), so the
    backends are polled in a thread: each one's last reading counts after it has gone.
    """

    POLL_SECONDS = 0.25

    def __init__(self, master_pid: int, database_pids=lambda: []) -> None:
        self.master_pid = master_pid
        self.database_pids = database_pids
        self.seen_database: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.poller = threading.Thread(target=self._poll, daemon=True)
        self.poller.start()

    def _poll(self) -> None:
        while not self.stopped.wait(self.POLL_SECONDS):
            self._read_database()

    def _read_database(self) -> None:
        with self.lock:
            for pid in self.database_pids():
                reading = process_cpu_seconds(pid)
                if reading:
                    self.seen_database[pid] = reading

    def snapshot(self) -> CpuSnapshot:
        web = sum(process_cpu_seconds(pid) for pid in children(self.master_pid))
        self._read_database()
        return CpuSnapshot(web, sum(self.seen_database.values()), time.process_time(), time.perf_counter())

    def close(self) -> None:
        self.stopped.set()
        self.poller.join()


def per_submission(before: CpuSnapshot, after: CpuSnapshot, submissions: int) -> dict[str, float | None]:
    """CPU milliseconds per submission between two snapshots, and the rate two idle cores
    could sustain at that cost."""
    if submissions <= 0:
        return {"web_cpu_ms": None, "database_cpu_ms": None, "client_cpu_ms": None, "cpu_bound_per_s_on_2_cores": None}
    web = (after.web - before.web) * 1000 / submissions
    database = (after.database - before.database) * 1000 / submissions
    client = (after.client - before.client) * 1000 / submissions
    total = web + database + client
    return {
        "web_cpu_ms": round(web, 2),
        "database_cpu_ms": round(database, 2),
        "client_cpu_ms": round(client, 2),
        "cpu_bound_per_s_on_2_cores": round(2000 / total, 1) if total > 0 else None,
    }
