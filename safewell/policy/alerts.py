"""Alert services: raise and renew alerts from the engine's candidates, the lifecycle
(acknowledge, action, dismiss), routing, escalation, and the outbox rows for notifications.

Every write here runs in the caller's transaction (design.md principle 4): the engine
evaluates and calls `alerts_sync` inside one `transaction.atomic()`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope


@dataclass
class SyncResult:
    """What one `alerts_sync` changed, by alert id."""

    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    # Live alerts in the scope that no candidate renewed: marked "condition no longer met".
    no_longer_met: list[int] = field(default_factory=list)
    # Candidates whose alert a human already actioned or dismissed: left alone.
    already_closed: list[int] = field(default_factory=list)


def alerts_sync(*, candidates: list[AlertCandidate], scope: EvaluationScope, now: dt.datetime) -> SyncResult:
    raise NotImplementedError  # being written (alerts engineer)
