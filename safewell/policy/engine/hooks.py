"""Incremental evaluation when marks or contact attempts change (issue 5 part 5, issue 6;
design.md "Continuously").

attendance.registers sends `marks_changed` inside the transaction that wrote the marks (a
session register, an amendment, the N → O job, a lesson register); `on_marks_changed`
re-evaluates exactly those pupils and writes their alerts through `alerts_sync` in the
same transaction (design.md principle 4), so the DSL's inbox is right when the register
is saved. A lesson register also re-evaluates the co-absence groups of the pupils' site.

"Today" is the day `now` falls on in England, not the register's date: amending last
week's mark is judged as of today.

The evaluation runs in a savepoint, and an error in it is logged, not raised: a fault in a
rule must never stop a register being taken. The nightly full evaluation (jobs.py) then
puts the alerts right.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("safewell.policy.engine")
LONDON = ZoneInfo("Europe/London")


MARKS_CAUSE = "the register was saved"
CONTACTS_CAUSE = "a contact with the family was recorded"


def on_marks_changed(sender, *, pupil_ids, now, lessons: bool = False, cause: str = MARKS_CAUSE, **kwargs) -> None:
    if not getattr(settings, "SAFEWELL_EVALUATE_ON_MARKS", True) or not pupil_ids:
        return
    from safewell.policy.engine.evaluate import evaluate_and_sync

    today = timezone.localtime(now, LONDON).date()
    try:
        with transaction.atomic():
            evaluate_and_sync(today=today, now=now, pupil_ids=sorted(set(pupil_ids)), lessons_changed=lessons,
                              cause=cause)
    except Exception:  # noqa: BLE001 - see the module docstring: the register must still be saved
        logger.exception("policy engine: incremental evaluation of %d pupil(s) failed; the nightly run will catch up",
                         len(set(pupil_ids)))


def on_contacts_changed(sender, *, pupil_ids, now, **kwargs) -> None:
    """A contact attempt was recorded (followup.services.contacts_changed): the pupil's
    escalation ladder, the no-contact rule and the CME clock may have changed."""
    on_marks_changed(sender, pupil_ids=pupil_ids, now=now, lessons=False, cause=CONTACTS_CAUSE)


def connect() -> None:
    from safewell.attendance.registers import marks_changed
    from safewell.followup.services import contacts_changed

    marks_changed.connect(on_marks_changed, dispatch_uid="safewell.policy.engine.on_marks_changed")
    contacts_changed.connect(on_contacts_changed, dispatch_uid="safewell.policy.engine.on_contacts_changed")
