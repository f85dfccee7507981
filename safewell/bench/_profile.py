"""Where one register submission's time goes, measured in-process (no HTTP server).

Run as `python -m safewell.bench._profile` against a database `_populate` filled. A
teacher of its own ("bench-profiler", signed in with `force_login`: the password hash is
not what is measured) submits registers of its own group ("Profile form") through the
whole Django stack with the test client (middleware, session, auth, CSRF, ninja, the
service): the SQL statements of one first take and of one correction, and the time of
submissions sent one at a time, which is the server's own cost without any concurrency.
Prints JSON. With SAFEWELL_BENCH_CPROFILE=1 it also prints a cProfile of the timed
submissions to stderr.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from safewell.bench._populate import PROFILE_GROUP, PROFILE_TEACHER

TIMED_SUBMISSIONS = 60


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safewell.config.settings")
    import django

    django.setup()
    json.dump(measure(int(sys.argv[1]) if len(sys.argv) > 1 else TIMED_SUBMISSIONS), sys.stdout)


def measure(timed: int) -> dict:
    from django.db import connection
    from django.test import Client

    from safewell.accounts.models import User
    from safewell.pupils.models import RegistrationGroup

    group = RegistrationGroup.objects.get(name=PROFILE_GROUP)
    pupils = list(group.pupils.order_by("id").values_list("id", flat=True))
    client = Client()
    client.force_login(User.objects.get(username=PROFILE_TEACHER))
    sessions = _sessions(group, timed + 2)

    def submit(day: str, session: str, base_version: int, *, late: bool = False) -> dict:
        marks = [{"pupil": p, "code": "/" if session == "AM" else "\\", "minutes_late": None} for p in pupils]
        if late:
            marks[0] = {"pupil": pupils[0], "code": "L", "minutes_late": 9}
        response = client.post(
            "/api/registers/submit",
            data=json.dumps({
                "site": group.site.code, "registration_group": group.id, "date": day, "session": session,
                "idempotency_key": str(uuid.uuid4()), "base_version": base_version,
                "reason": "Arrived late" if late else "", "marks": marks,
            }),
            content_type="application/json",
        )
        if response.status_code != 200:
            raise RuntimeError(f"profile submission refused: {response.status_code} {response.content[:500]!r}")
        return response.json()

    submit(*sessions.pop(0), 0)  # warm caches (calendar, code catalogue, the session row)
    day, session = sessions.pop(0)
    with _statements(connection) as first:
        answer = submit(day, session, 0)
    with _statements(connection) as correction:
        submit(day, session, answer["version"], late=True)
    profiler = cProfile.Profile() if os.environ.get("SAFEWELL_BENCH_CPROFILE") else None
    durations = []
    cpu_started = time.process_time()
    for day, session in sessions[:timed]:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        submit(day, session, 0)
        if profiler:
            profiler.disable()
        durations.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(1, len(durations))
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SAFEWELL_BENCH_CPROFILE_SORT", "cumulative")).print_stats(int(os.environ.get("SAFEWELL_BENCH_CPROFILE_LINES", "45")))
        print(out.getvalue(), file=sys.stderr)
    durations.sort()
    return {
        "queries_first_take": len(first),
        "queries_correction": len(correction),
        "statements_first_take": [_shape(sql) for sql in first],
        "serial_submissions": len(durations),
        "serial_mean_ms": round(sum(durations) / len(durations), 2),
        "serial_p50_ms": round(durations[len(durations) // 2], 2),
        # This process's CPU only: on SQLite that includes the database, on PostgreSQL not.
        "serial_cpu_ms_per_submission": round(cpu_ms, 2),
    }


@contextmanager
def _statements(connection) -> Iterator[list[str]]:
    """The SQL the block runs. (Not CaptureQueriesContext: a request's start empties the
    connection's query log, which that reads.)"""
    found: list[str] = []

    def record(execute, sql, params, many, context):
        found.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield found


def _sessions(group, count: int) -> list[tuple[str, str]]:
    """Past school sessions of the group's site, newest first (the clients start oldest)."""
    import datetime as dt

    from safewell.schools.calendar import SchoolCalendar
    from safewell.schools.models import AcademicYear

    year = AcademicYear.objects.get(organisation=group.site.organisation)
    calendar = SchoolCalendar.for_academic_year(group.site, year)
    found = []
    day = min(year.ends_on, dt.date.today() - dt.timedelta(days=1))
    while day >= year.starts_on and len(found) < count:
        for session in ("PM", "AM"):
            if session in calendar.scheduled_sessions(day):
                found.append((day.isoformat(), session))
        day -= dt.timedelta(days=1)
    return found


def _shape(sql: str) -> str:
    """A statement's first words, without its values, for reading the list."""
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
    return sql[:110]


if __name__ == "__main__":
    main()
