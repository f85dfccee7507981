"""The escalation ladder of first-day calling (issue 6 §3): a pure function of the rungs,
when the absence began, the attempts since, and now.

Each rung has a time limit. The rungs run one after the other from the moment the absence
began (the close of the register that first found it unexplained): rung k is due until
`start + within_hours[0] + … + within_hours[k]`. When a rung's time passes with no contact
made, the next rung is due, and the policy engine raises an alert (policy/engine/rules/
contacts.py). Hours are wall-clock hours, weekends and nights included: a child's safety
does not wait for Monday, and the people on call see the alert.

"Contact made" is the ladder's end: someone was reached **and knew where the child is**, or
the child was seen (seed 000 §5, seed 004 "Continuous missing days"). A parent reached who
does not know where their child is meets the police definition of missing (statutory.md
§7.1 [C]: "anyone whose whereabouts cannot be established will be considered as missing
until located"); the police rung is then due at once (seed 004 "Parental Notification and
Police Involvement": support the parent to contact the police or do so ourselves "with
urgency").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

CONTACTS = "contacts_in_priority_order"
EMERGENCY_CONTACTS = "emergency_contacts"
HOME_VISIT = "home_visit"
DSL_REFERRAL = "dsl_referral"
POLICE = "police"

STEP_LABELS = {
    CONTACTS: "Contact the parents and carers, in priority order",
    EMERGENCY_CONTACTS: "Contact the other emergency contacts",
    HOME_VISIT: "A home visit by two staff",
    DSL_REFERRAL: "Refer to the DSL",
    POLICE: "Report the child missing to the police, or support the family to",
}


@dataclass(frozen=True)
class Rung:
    step: str
    within_hours: int


@dataclass(frozen=True)
class AttemptFact:
    """What the ladder needs of one contact attempt."""

    attempted_at: dt.datetime
    made_contact: bool
    # Someone was reached and said they do not know where the child is.
    whereabouts_unknown_to_them: bool
    # An attempt to reach the family or the (adult) pupil, not a notice to an agency.
    to_family: bool = True


@dataclass(frozen=True)
class RungState:
    step: str
    label: str
    due_by: dt.datetime
    # "passed": its time ran out with no contact; "due": the rung to do now;
    # "later": not yet; "not needed": contact was made first.
    status: str


@dataclass(frozen=True)
class LadderState:
    started_at: dt.datetime
    rungs: tuple[RungState, ...]
    contact_made_at: dt.datetime | None
    missing_definition_met: bool
    # Attempts to reach the family (or the adult pupil) since the absence began.
    attempts: int

    @property
    def contact_made(self) -> bool:
        return self.contact_made_at is not None

    @property
    def passed(self) -> tuple[RungState, ...]:
        return tuple(r for r in self.rungs if r.status == "passed")

    @property
    def due(self) -> RungState | None:
        return next((r for r in self.rungs if r.status == "due"), None)

    def reached(self, step: str) -> bool:
        """Whether `step` is due now or its time has passed (with no contact made)."""
        return any(r.step == step and r.status in ("due", "passed") for r in self.rungs)


def ladder_state(
    *, rungs: Sequence[Rung], started_at: dt.datetime, attempts: Sequence[AttemptFact], now: dt.datetime
) -> LadderState:
    """Where the ladder stands at `now` for an absence that began at `started_at`."""
    relevant = sorted((a for a in attempts if started_at <= a.attempted_at <= now), key=lambda a: a.attempted_at)
    contact_made_at = next((a.attempted_at for a in relevant if a.made_contact), None)
    missing = contact_made_at is None and any(a.whereabouts_unknown_to_them for a in relevant)
    states: list[RungState] = []
    deadline = started_at
    due_found = False
    for rung in rungs:
        deadline = deadline + dt.timedelta(hours=rung.within_hours)
        if contact_made_at is not None:
            status = "not needed"
        elif now >= deadline:
            status = "passed"
        elif rung.step == POLICE and missing:
            status = "due"  # at once, whatever rung the ladder is on
        elif not due_found:
            status = "due"
        else:
            status = "later"
        due_found = due_found or status == "due"
        states.append(RungState(rung.step, STEP_LABELS[rung.step], deadline, status))
    return LadderState(started_at, tuple(states), contact_made_at, missing, sum(a.to_family for a in relevant))
