"""A scratch PostgreSQL database per benchmark run: created, handed out as a URL, dropped.

The server is the one `SAFEWELL_BENCH_POSTGRES_URL` names, else the one of `DATABASE_URL`
(when that is PostgreSQL), else the local default on 127.0.0.1:5432. Only a database whose
name starts with `safewell_bench_` is ever dropped, and only the one this run made.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
SCRATCH_PREFIX = "safewell_bench_"


def admin_url() -> str:
    url = os.environ.get("SAFEWELL_BENCH_POSTGRES_URL", "")
    if url:
        return url
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return DEFAULT_ADMIN_URL


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), **kwargs)


def server_version(url: str | None = None) -> str | None:
    try:
        with connect(url or admin_url(), connect_timeout=3) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - a missing server is reported as "no version", not raised
        return None


@contextmanager
def scratch_database() -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it afterwards, whatever happened."""
    name = SCRATCH_PREFIX + secrets.token_hex(4)
    admin = admin_url()
    with connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin, name)
    finally:
        with connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
