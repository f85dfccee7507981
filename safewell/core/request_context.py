"""Who is acting, from where, in which request: read by the audit log without a `request`.

Domain functions never take a request (design.md), yet every audit entry needs the actor,
the request id and the IP address. Middleware sets these context variables per request;
commands and jobs set them with `acting_as`.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip_address: str | None = None
    actor_id: int | None = None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "safewell_request_context", default=None
)


def current() -> RequestContext:
    """The context of this request or job; a fresh one (no actor) outside any."""
    context = _current.get()
    return context if context is not None else RequestContext(request_id=new_request_id())


def new_request_id() -> str:
    return uuid.uuid4().hex


def set_context(context: RequestContext) -> contextvars.Token:
    return _current.set(context)


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def acting_as(actor_id: int | None, *, ip_address: str | None = None) -> Iterator[RequestContext]:
    """Run a command or job as `actor_id` (None for the system itself)."""
    context = RequestContext(request_id=new_request_id(), ip_address=ip_address, actor_id=actor_id)
    token = set_context(context)
    try:
        yield context
    finally:
        reset_context(token)
