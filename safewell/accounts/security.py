"""Sign-in and MFA events: each one a line on the `safewell.security` log and an audit entry.

The log line is for the people who run the server (fail2ban, a SIEM); the audit entry is for
the school, which must be able to show who signed in and who tried to (design.md §5).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator

from safewell.accounts.models import User
from safewell.audit.services import audit_log
from safewell.core import request_context

logger = logging.getLogger("safewell.security")

# Audit actions, in the audit log's style (`audit.models.Action.LOGIN_FAILED` is ours too).
LOGIN_SUCCEEDED = "login_succeeded"
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED_OUT = "login_locked_out"
MFA_CODE_REJECTED = "mfa_code_rejected"
MFA_CODE_REPLAYED = "mfa_code_replayed"
MFA_LOCKED_OUT = "mfa_locked_out"
MFA_ENROLLED = "mfa_enrolled"
MFA_REMOVED = "mfa_removed"
MFA_RECOVERY_CODES_RESET = "mfa_recovery_codes_reset"
PASSWORD_CHANGED = "password_changed"

# Someone may type their password into the username box: keep what we log short.
LOGIN_LOGGED_MAX_CHARS = 150


@contextlib.contextmanager
def _acting_as(user: User | None) -> Iterator[None]:
    """Attribute the entry to `user`, keeping this request's id and IP address.

    Sign-in happens on an anonymous request, so the request context has no actor yet.
    """
    if user is None:
        yield
        return
    token = request_context.set_context(
        dataclasses.replace(request_context.current(), actor_id=user.pk)
    )
    try:
        yield
    finally:
        request_context.reset_context(token)


def _audit(*, action: str, user: User | None, detail: str) -> None:
    if user is not None:
        audit_log(action=action, target=user, detail=detail)
    else:
        audit_log(action=action, target_type="accounts.user", detail=detail)


def security_event_record(
    *,
    action: str,
    user: User | None,
    detail: str,
    login: str = "",
    signed_in: bool = False,
    level: int = logging.WARNING,
) -> None:
    """Log one sign-in or MFA event and write its audit entry.

    `user` is who the event is about (None when the login names nobody). They are recorded as
    the actor only when `signed_in` (they proved who they are); a failed attempt has no actor.
    """
    login = login[:LOGIN_LOGGED_MAX_CHARS]
    context = request_context.current()
    logger.log(
        level,
        "%s user=%s login=%r ip=%s request=%s: %s",
        action,
        user.pk if user is not None else "-",
        login,
        context.ip_address or "-",
        context.request_id,
        detail,
    )
    with _acting_as(user if signed_in else None):
        _audit(action=action, user=user, detail=detail)
