"""What the figures were measured on: cores, memory, CPU, and the versions that matter."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata
from typing import Any

PACKAGES = ("Django", "gunicorn", "psycopg", "django-ninja", "django-allauth", "numpy", "polars")


def machine_description() -> dict[str, Any]:
    from safewell.bench._postgres import server_version

    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_mb": _memory_mb(),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        # Other work on the machine (other test runs) depresses every figure: say how much.
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "postgresql": server_version(),
        "sqlite": sqlite3.sqlite_version,
        **{name.lower(): _version(name) for name in PACKAGES},
    }


def _memory_mb() -> int | None:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
