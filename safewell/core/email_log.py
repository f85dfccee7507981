"""Emails written to a file instead of sent: the demo's email backend.

With `EMAIL_BACKEND = "safewell.core.email_log.LogEmailBackend"` (what `safewell demo`
runs), each email is appended as one line to `SAFEWELL_EMAIL_LOG` (default
`<data dir>/email.log`): when, to whom, the subject and the body, tab-separated, as
core/sms.py's log provider does for texts. The follow-up staff read the newest on the
email log page, so the demo's worker prints none of them on the terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

LOG_BACKEND = "safewell.core.email_log.LogEmailBackend"


def email_log_path() -> Path | None:
    """The file the log backend writes, when it is the backend in use."""
    if settings.EMAIL_BACKEND != LOG_BACKEND:
        return None
    return Path(settings.SAFEWELL_EMAIL_LOG)


class LogEmailBackend(BaseEmailBackend):
    """Appends each email as one line to SAFEWELL_EMAIL_LOG; sends nothing."""

    # The worker and the web processes' threads may write at once.
    _lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        stamp = timezone.now().isoformat(timespec="seconds")
        lines = "".join(_log_line(stamp, message) for message in email_messages)
        path = Path(settings.SAFEWELL_EMAIL_LOG)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, path.open("a", encoding="utf-8") as log:
            log.write(lines)
        return len(email_messages)


def _log_line(stamp: str, message: EmailMessage) -> str:
    # Every run of whitespace, tabs and newlines too, becomes one space: one email, one line.
    fields = (", ".join(message.recipients()), message.subject, message.body)
    return "\t".join([stamp, *(" ".join(field.split()) for field in fields)]) + "\n"
