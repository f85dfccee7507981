"""The database's own limit: the same 30-mark registers upserted straight through psycopg.

No Django, no HTTP, no validation, no audit, no session store: each batch is one
multi-row `INSERT … ON CONFLICT (pupil_id, date, session) DO UPDATE` into the real mark
table, committed on its own, by `threads` connections at once. What the register path
reaches is then read against this (figures.md §C2 measured 650-870 registers/s this way).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from safewell.bench._load import Population, register_marks


@dataclass(frozen=True)
class RawResult:
    batches: int
    marks: int
    seconds: float
    threads: int
    errors: int


def _statement(table: str, rows: int) -> str:
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, now())"] * rows)
    return (
        f"INSERT INTO {table} (pupil_id, date, session, code, minutes_late, source, recorded_by_id, recorded_at) "
        f"VALUES {values} ON CONFLICT (pupil_id, date, session) DO UPDATE SET "
        "code = EXCLUDED.code, minutes_late = EXCLUDED.minutes_late, source = EXCLUDED.source, "
        "recorded_by_id = EXCLUDED.recorded_by_id, recorded_at = EXCLUDED.recorded_at"
    )


def raw_upserts(url: str, population: Population, *, threads: int, seconds: float, sessions_from: int = 0) -> RawResult:
    """Upsert registers of `population` (sessions from `sessions_from` on) for `seconds`."""
    from safewell.attendance.models import Mark, MarkSource
    from safewell.bench._postgres import connect

    table = Mark._meta.db_table
    groups = sorted(population.pupils_by_group)
    sessions = population.sessions[sessions_from:] or population.sessions
    registers = [(g, day, session) for day, session in sessions for g in groups]
    counts = [0] * threads
    marks = [0] * threads
    errors = [0] * threads
    start = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def work(index: int) -> None:
        rng = random.Random(index)
        with connect(url) as connection:
            start.wait()
            position = index
            while time.perf_counter() < stop_at[0]:
                group, day, session = registers[position % len(registers)]
                position += threads
                rows = register_marks(population.pupils_by_group[group], session, rng)
                parameters = []
                for row in rows:
                    parameters += [row["pupil"], day, session, row["code"], row["minutes_late"], int(MarkSource.REGISTER), None]
                try:
                    with connection.transaction():
                        connection.execute(_statement(table, len(rows)), parameters)
                except Exception:  # noqa: BLE001 - counted and reported, the run goes on
                    errors[index] += 1
                    continue
                counts[index] += 1
                marks[index] += len(rows)

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    stop_at[0] = time.perf_counter() + 1e9
    start.wait()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    return RawResult(sum(counts), sum(marks), elapsed, threads, sum(errors))
