"""One log line for a refused request, instead of Django's traceback.

Django's `django.request` logger reports every 4xx response as a warning, and a 403 raised
as PermissionDenied comes with the exception's whole traceback. A refusal is Safewell doing
its job (a teacher following a link to a DSL page, a guessed URL), so the log says who was
refused what, in one line a person can read:

    Refused 403: GET /safeguarding/pupils/12/ (user 7)
"""

from __future__ import annotations

import logging

from django.http import HttpRequest

REFUSED_STATUSES = frozenset({403, 404})
REFUSED = "Refused %s: %s %s (%s)"


class RefusedRequestInOneLine(logging.Filter):
    """On the `django.request` logger (settings LOGGING): rewrites a 403 or 404 record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if getattr(record, "status_code", None) in REFUSED_STATUSES and isinstance(request, HttpRequest):
            record.msg = REFUSED
            record.args = (record.status_code, request.method, _escaped(request.path), _who(request))
            record.exc_info = None
            record.exc_text = None
        return True


def _escaped(path: str) -> str:
    # As Django does: a path with a newline in it must not forge a second log line.
    return path.encode("unicode_escape").decode("ascii")


def _who(request: HttpRequest) -> str:
    # core.middleware.actor_context has already read request.user, so this costs no query.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return f"user {user.pk}"
