"""The production web server (gunicorn, as docs/deploy.md runs it) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
READY_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 15
NOT_READY = "gunicorn did not answer /healthz within {seconds}s (its log: {log})."
EXITED = "gunicorn exited with status {status} before it was ready (its log: {log})."


@dataclass(frozen=True)
class ServerConfig:
    workers: int
    threads: int = 1  # > 1 selects gunicorn's gthread worker

    def arguments(self) -> list[str]:
        arguments = ["--workers", str(self.workers)]
        if self.threads > 1:
            arguments += ["--worker-class", "gthread", "--threads", str(self.threads)]
        return arguments

    def label(self) -> str:
        kind = f"gthread ×{self.threads}" if self.threads > 1 else "sync"
        return f"{self.workers} workers, {kind}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _stop_when_parent_dies() -> None:
    """Linux: the kernel sends gunicorn SIGTERM if the bench dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass(frozen=True)
class RunningServer:
    port: int
    pid: int  # gunicorn's master


@contextmanager
def gunicorn(config: ServerConfig, environment: dict[str, str], log_path: Path) -> Iterator[RunningServer]:
    """Run gunicorn with `environment` until the block ends."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--preload", "safewell.config.wsgi:application",
        "--bind", f"{HOST}:{port}", *config.arguments(),
        # The default 2048 would do; say it, since 50 clients queue here with sync workers.
        "--backlog", "2048", "--graceful-timeout", "5", "--no-control-socket",
        "--log-level", "warning",
    ]
    from django.conf import settings

    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, env=environment, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, preexec_fn=_stop_when_parent_dies,
        )
    try:
        _wait_until_ready(process, port, log_path)
        yield RunningServer(port, process.pid)
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status = process.poll()
        if status is not None:
            raise RuntimeError(EXITED.format(status=status, log=log_path))
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(NOT_READY.format(seconds=READY_TIMEOUT_SECONDS, log=log_path))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers of a master (for profiling one of them)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def bench_environment(**overrides: str) -> dict[str, str]:
    """The environment of every bench child: this one, less anything that would point it at
    another database or data folder, plus `overrides`."""
    environment = {
        key: value for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SAFEWELL_DATA_DIR", "SAFEWELL_TEST_DB_NAME", "DEBUG")
    }
    environment.update(
        DEBUG="false", SAFEWELL_HTTPS="false", SAFEWELL_PRODUCTION="false", LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="safewell.config.settings",
    )
    environment.update(overrides)
    return environment
