"""TOTP helpers for the accounts tests: read a user's secret, and make a code that stays valid."""

from __future__ import annotations

import time

import pyotp
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt

from safewell.accounts.models import User

TOTP_PERIOD_SECONDS = 30


def totp_secret_of(user: User) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def seconds_left_in_step() -> float:
    return TOTP_PERIOD_SECONDS - (time.time() % TOTP_PERIOD_SECONDS)


def code_valid_for(secret: str, seconds: float = 10) -> str:
    """The current code, waiting for the next 30-second step if this one ends too soon."""
    if seconds_left_in_step() < seconds:
        time.sleep(seconds_left_in_step() + 0.2)
    return pyotp.TOTP(secret).now()


def next_step_code(secret: str, used: str) -> str:
    """A code from a later step than `used` (so not a replay), waiting for the step to turn."""
    code = pyotp.TOTP(secret).now()
    while code == used:
        time.sleep(seconds_left_in_step() + 0.2)
        code = pyotp.TOTP(secret).now()
    return code
