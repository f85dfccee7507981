"""The nightly full evaluation (design.md "Continuously": nightly, everything is
re-evaluated for every pupil, and the result must equal the incremental state), and the
every-few-minutes evaluation of pupils in an absence episode (the escalation ladder).

`evaluate_nightly(today=…, now=…)` evaluates every organisation as of `today` and writes
the alerts, one organisation per transaction (a fault in one organisation's data leaves
the others' alerts written). The task runs it for today in England; `SAFEWELL_SCHEDULE`
runs the task at 02:30, after the N → O job's day has ended and before the morning.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger("safewell.policy.engine")
LONDON = ZoneInfo("Europe/London")


# Organisations per transaction: big enough to keep the engine's bulk reads efficient (a
# trust or a generated population has thousands of small organisations), small enough
# that one organisation's fault costs little: a failed chunk is retried one by one.
ORGANISATIONS_PER_RUN = 100


def evaluate_nightly(*, today: dt.date, now: dt.datetime) -> dict[str, int]:
    from safewell.schools.models import Organisation

    totals = {"organisations": 0, "pupils": 0, "opened": 0, "updated": 0, "no_longer_met": 0, "failed": 0}
    ids = list(Organisation.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), ORGANISATIONS_PER_RUN):
        chunk = ids[start : start + ORGANISATIONS_PER_RUN]
        if not _run(chunk, today, now, totals, log=len(chunk) == 1):
            for organisation_id in chunk if len(chunk) > 1 else []:
                _run([organisation_id], today, now, totals, log=True)
    logger.info("policy engine: nightly evaluation for %s: %s", today, totals)
    return totals


def _run(organisation_ids: list[int], today: dt.date, now: dt.datetime, totals: dict[str, int], *, log: bool) -> bool:
    from safewell.policy.engine.evaluate import evaluate_and_sync

    try:
        report = evaluate_and_sync(today=today, now=now, organisation_ids=organisation_ids,
                                   cause="the nightly check ran")
    except Exception:  # noqa: BLE001 - one organisation's fault must not stop the others
        if log:
            logger.exception("policy engine: nightly evaluation of organisation(s) %s failed", organisation_ids)
            totals["failed"] += len(organisation_ids)
        return False
    totals["organisations"] += len(organisation_ids)
    totals["pupils"] += report.evaluation.pupils
    for name in ("opened", "updated", "no_longer_met"):
        totals[name] += len(report.ids(name))
    return True


def evaluate_absence_episodes(*, now: dt.datetime) -> int:
    """Every few minutes: re-evaluate the pupils in an absence episode (N or O at their
    last closed session), because the escalation ladder's time limits pass with no mark or
    contact changing (rules/contacts.py). Returns how many pupils were evaluated."""
    from safewell.followup.selectors import pupils_in_absence_episodes
    from safewell.policy.engine.evaluate import evaluate_and_sync

    pupil_ids = pupils_in_absence_episodes(now=now)
    if pupil_ids:
        today = timezone.localtime(now, LONDON).date()
        evaluate_and_sync(today=today, now=now, pupil_ids=pupil_ids, lessons_changed=False,
                          cause="the calling list was checked")
    return len(pupil_ids)


@task()
def evaluate_absence_episodes_now() -> int:
    return evaluate_absence_episodes(now=timezone.now())


@task()
def evaluate_all_nightly() -> dict[str, int]:
    now = timezone.now()
    return evaluate_nightly(today=timezone.localtime(now, LONDON).date(), now=now)
