"""Signal handling shared by the long-running commands (worker, scheduler, demo)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

Handler = Callable[[int, FrameType | None], None]

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def handling_stop_signals(handler: Handler) -> Iterator[None]:
    """Call `handler` on SIGINT/SIGTERM; put the previous handlers back afterwards.

    Restoring matters when a command runs in-process (tests, `call_command`): the caller's
    own Ctrl-C handling must survive it.
    """
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
