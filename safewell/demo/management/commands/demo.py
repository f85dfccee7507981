"""`safewell demo` (what `make demo` runs): migrate, collect static files, load the demo,
then serve http://127.0.0.1:8000 with the background worker and scheduler beside it.

The web server (gunicorn, 2 workers) and `safewell worker` run as child processes in this
process group, so Ctrl-C in the terminal reaches all of them; this process also stops them
on SIGINT/SIGTERM, and on Linux they stop if it dies. If either child exits, the demo stops
rather than run half a system.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from safewell.core.email_log import LOG_BACKEND
from safewell.core.env import envint
from safewell.demo.management.commands._demo import (
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    demo_logins,
)
from safewell.core.stop_signals import handling_stop_signals

HOST = "127.0.0.1"
PORT_IN_USE = (
    "Port {port} on {host} is already in use: stop whatever is using it, or choose another "
    "port with SAFEWELL_DEMO_PORT=8001 make demo."
)
DEMO_ENVIRONMENT = {
    # The demo is plain HTTP on loopback with fictional data.
    "SAFEWELL_HTTPS": "false",
    "SAFEWELL_DEMO": "true",
    # Emails go to a log and its page, as texts do (core/email_log.py), not to the terminal.
    "EMAIL_BACKEND": LOG_BACKEND,
    # The terminal shows what a person needs (the welcome, then warnings and real errors),
    # not a line for every page served or every task run.
    "LOG_LEVEL": "WARNING",
}
# After Ctrl-C the children got SIGINT from the terminal too: give them this long to finish
# before they are told again (SIGTERM), then this long before they are killed.
STOP_GRACE_SECONDS = 3
KILL_AFTER_SECONDS = 10
READY_TIMEOUT_SECONDS = 60


class Command(BaseCommand):
    help = "Set up and serve the demo on http://127.0.0.1:8000 with a worker (Ctrl-C stops it)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=envint("SAFEWELL_DEMO_PORT", 8000))

    def handle(self, *, port: int, **options) -> None:
        _refuse_busy_port(port)
        try:
            self._prepare()
        except KeyboardInterrupt:
            raise CommandError("Stopped before the demo started (Ctrl-C).") from None
        children = _start_children(port)
        self._stop_signal: int | None = None
        with handling_stop_signals(self._note_stop):
            try:
                if self._wait_until_ready(children, port):
                    self._print_welcome(port)
                    self._supervise(children)
            finally:
                _stop_children(children, self._stop_signal)
        if self._stop_signal is None:
            raise CommandError("The demo stopped because a part of it failed: see the log above.")
        self.stdout.write("Safewell demo stopped.")

    def _note_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop_signal = signum

    def _prepare(self) -> None:
        self.stdout.write("Preparing the database and static files…")
        call_command("migrate", interactive=False, verbosity=0)
        _collect_static_if_changed()
        call_command("demo_load", verbosity=1, stdout=self.stdout)

    def _wait_until_ready(self, children: list[subprocess.Popen], port: int) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline and self._stop_signal is None:
            if any(child.poll() is not None for child in children):
                return False
            if _healthz_answers(port):
                return True
            time.sleep(0.3)
        if self._stop_signal is None:
            self.stderr.write(f"The web server did not answer within {READY_TIMEOUT_SECONDS}s.")
        return False

    def _supervise(self, children: list[subprocess.Popen]) -> None:
        while self._stop_signal is None and all(c.poll() is None for c in children):
            time.sleep(0.3)

    def _print_welcome(self, port: int) -> None:
        rows = demo_logins()
        widths = {key: max(len(key), *(len(row[key]) for row in rows)) for key in rows[0]}
        line = "  ".join(f"{{{key}:<{width}}}" for key, width in widths.items())
        out = [
            "",
            f"Safewell demo: http://{HOST}:{port}   (Ctrl-C stops it)",
            "",
            f"Demo logins (fictional people), password for all: {DEMO_PASSWORD}",
            ("  " + line.format(**{key: key for key in widths})).rstrip(),
            *(("  " + line.format(**row)).rstrip() for row in rows),
            "",
            "Logins marked TOTP also need a code from an authenticator app: add the secret",
            f"  {DEMO_TOTP_SECRET}",
            "to your app, or print the current code with",
            f"  {_safewell_command()} demo_totp dsl",
            "",
            "First-day calling: sign in as ap.attendance or attendance once the morning register has closed.",
            "Texts and emails are written to logs, not sent:",
            f"  http://{HOST}:{port}/followup/sms-log/ and http://{HOST}:{port}/followup/email-log/",
            f"Parents report an absence at http://{HOST}:{port}/report-absence/brackenwell/",
            "",
        ]
        self.stdout.write("\n".join(out))
        self.stdout.flush()


def _collect_static_if_changed() -> None:
    """collectstatic, unless nothing changed since the last run.

    Compressing every file again (gzip and Brotli, megabytes of API-docs scripts) takes
    half a minute, and a second `make demo` should start quickly.
    """
    stamp = Path(settings.STATIC_ROOT) / ".safewell-collected"
    fingerprint = _static_sources_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)


def _static_sources_fingerprint() -> str:
    from django.contrib.staticfiles.finders import get_finders

    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            status = os.stat(storage.path(path))
            entries.append(f"{path}\t{status.st_size}\t{status.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def _refuse_busy_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            raise CommandError(PORT_IN_USE.format(host=HOST, port=port)) from None


def _safewell_command() -> str:
    script = Path(sys.executable).with_name("safewell")
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _start_children(port: int) -> list[subprocess.Popen]:
    environment = {**os.environ, **DEMO_ENVIRONMENT}
    # Links in the demo's emails and texts lead to this server (issue 11 §3), unless set.
    environment.setdefault("SAFEWELL_BASE_URL", f"http://{HOST}:{port}")
    web = [
        sys.executable, "-m", "gunicorn", "--preload", "safewell.config.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", "2",
        "--log-level", "warning", "--graceful-timeout", "5", "--no-control-socket",
    ]
    # Verbosity 0: the worker logs a failed task, not each task it runs.
    worker = [sys.executable, "-c", "from safewell.config.cli import main; main()", "worker", "--verbosity", "0"]
    return [
        subprocess.Popen(command, env=environment, cwd=settings.BASE_DIR,
                         preexec_fn=_stop_when_parent_dies)
        for command in (web, worker)
    ]


def _stop_when_parent_dies() -> None:
    """Linux: the kernel sends the child SIGTERM if this process dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _healthz_answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _stop_children(children: list[subprocess.Popen], stop_signal: int | None) -> None:
    running = [c for c in children if c.poll() is None]
    # On SIGINT from the terminal the children were interrupted too: let them finish first.
    if stop_signal == signal.SIGINT:
        _wait(running, STOP_GRACE_SECONDS)
    for child in running:
        if child.poll() is None:
            child.terminate()
    _wait(running, KILL_AFTER_SECONDS)
    for child in running:
        if child.poll() is None:
            child.kill()
            child.wait()


def _wait(children: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
