"""Text messages through a provider interface, so a deployment plugs in its own gateway.

`settings.SAFEWELL_SMS_PROVIDER` names the provider class by dotted path:
- `safewell.core.sms.LogSmsProvider` (the default, and the demo's): appends each message
  to a file (`SAFEWELL_SMS_LOG`, default `<data dir>/sms.log`) that the demo can show;
- `safewell.core.sms.FailingSmsProvider`: refuses every message (or the first N), for
  tests of the outbox's retries;
- a real gateway: any class with `send(*, to: str, body: str) -> str` raising `SmsError`.

Two outboxes use it: alerts to staff (policy/outbox.py: no safeguarding content, only who
should look, the category and a link) and first-day messages to families (followup/
messages.py, from the school's templates). The provider only carries what they build.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from safewell.core.env import ConfigurationError

DEFAULT_PROVIDER = "safewell.core.sms.LogSmsProvider"
# E.164: a plus and up to 15 digits (ITU-T E.164).
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
NOT_E164 = "{to!r} is not a phone number in international form (+447700900123)."
PROVIDER_NOT_FOUND = "SAFEWELL_SMS_PROVIDER names {path!r}, which cannot be imported."
PROVIDER_HAS_NO_SEND = "SAFEWELL_SMS_PROVIDER {path!r} has no send(*, to, body) method."


class SmsError(Exception):
    """The provider could not take the message; the outbox retries it later."""


class SmsProvider(Protocol):
    def send(self, *, to: str, body: str) -> str:
        """Hand one message to the gateway; return the gateway's message id."""
        ...


def _check_number(to: str) -> None:
    if not E164.match(to):
        raise SmsError(NOT_E164.format(to=to))


class LogSmsProvider:
    """Appends each message as one line to a file: for the demo and for development."""

    _lock = threading.Lock()

    def __init__(self, path: str | Path | None = None) -> None:
        default = Path(settings.DATA_DIR) / "sms.log"
        self.path = Path(path or getattr(settings, "SAFEWELL_SMS_LOG", "") or default)

    def send(self, *, to: str, body: str) -> str:
        _check_number(to)
        stamp = timezone.now().isoformat(timespec="seconds")
        line = f"{stamp}\tto {to}\t{' '.join(body.split())}\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as log:
            log.write(line)
        return f"log:{stamp}:{to}"


@dataclass
class FailingSmsProvider:
    """Refuses the first `failures` messages (every one when None), then accepts and keeps
    them in `sent`: the gateway outage the outbox must survive, for tests."""

    failures: int | None = None
    sent: list[tuple[str, str]] = field(default_factory=list)
    refused: int = 0

    def send(self, *, to: str, body: str) -> str:
        _check_number(to)
        if self.failures is None or self.refused < self.failures:
            self.refused += 1
            raise SmsError(f"gateway unavailable (refusal {self.refused})")
        self.sent.append((to, body))
        return f"fake:{len(self.sent)}"


def sms_log_path() -> Path | None:
    """The file the log provider writes, when it is the provider in use."""
    if getattr(settings, "SAFEWELL_SMS_PROVIDER", "") != DEFAULT_PROVIDER:
        return None
    return Path(getattr(settings, "SAFEWELL_SMS_LOG", "") or Path(settings.DATA_DIR) / "sms.log")


def sms_provider_from_settings() -> SmsProvider:
    path = getattr(settings, "SAFEWELL_SMS_PROVIDER", "") or DEFAULT_PROVIDER
    try:
        provider_class = import_string(path)
    except ImportError:
        raise ConfigurationError(PROVIDER_NOT_FOUND.format(path=path)) from None
    provider = provider_class()
    if not callable(getattr(provider, "send", None)):
        raise ConfigurationError(PROVIDER_HAS_NO_SEND.format(path=path))
    return provider
