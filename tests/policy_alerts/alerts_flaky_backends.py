"""A mail backend that is down for a while: the outbox tests' stand-in for an SMTP outage.

Not a mock of our code: Django loads it through EMAIL_BACKEND, exactly as it would load a
real SMTP backend, and what it accepts lands in `django.core.mail.outbox` like locmem's.
"""

from __future__ import annotations

import smtplib

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend


class FlakyEmailBackend(BaseEmailBackend):
    """Refuses the next `failures_left` sends (all of them while `always_fail`), then works."""

    failures_left = 0
    always_fail = False
    refusals = 0

    @classmethod
    def reset(cls, *, failures: int = 0, always_fail: bool = False) -> None:
        cls.failures_left, cls.always_fail, cls.refusals = failures, always_fail, 0

    def send_messages(self, email_messages) -> int:
        cls = type(self)
        if cls.always_fail or cls.failures_left > 0:
            cls.failures_left = max(cls.failures_left - 1, 0)
            cls.refusals += 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        if not hasattr(mail, "outbox"):
            mail.outbox = []
        mail.outbox.extend(email_messages)
        return len(email_messages)
