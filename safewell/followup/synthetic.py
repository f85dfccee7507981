"""First-day calls for the generator's absences (`safewell generate`; issue 11: without them
every unexplained absence climbs the escalation ladder, so the DSL alert rate meant nothing).

The generator (attendance, below followup) hands over, for each chunk of pupils, the school
days a call is due: each day of an absence episode (N or O, attendance/episodes.py). This
module writes the contact attempts a school makes about them, as schools do [estimate: no
published figures; the shape follows WTTISA's "contact parents on the first day of absence"
and "if absence continues without explanation, further contact should be made",
statutory.md §5.1 [S]]:

- most episodes are explained the same morning: the first call, soon after the register
  closes, reaches a parent or carer who knows where the child is (EXPLAINED_AT_ONCE);
- some are explained later that day: no answer at first, a parent reached on the second try
  a few hours later (EXPLAINED_LATER);
- some never are: no answer, twice a day, on every day of the episode (the rest).

An episode that goes on gets a call on each of its days, with the same outcome, so a parent
who knows where the child is says so within the CME clock's last 5 school days.
The rows are written in bulk (no signals, like the generator's marks): the generator's own
audit event names how many.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from safewell.followup.models import ContactAttempt, ContactChannel, ContactedKind, ContactOutcome
from safewell.pupils.models import Contact, Pupil
from safewell.schools.models import Site

LONDON = ZoneInfo("Europe/London")
# Share of episodes explained at the first call, and after a second call the same day
# [estimate]: "most absences explained the same morning, some never" (issue 11).
EXPLAINED_AT_ONCE = 0.80
EXPLAINED_LATER = 0.12
# The first call goes within this many minutes of the register closing; a second try this
# many hours after the first.
FIRST_CALL_WITHIN_MINUTES = 45
SECOND_CALL_AFTER_HOURS = 3
BATCH = 5_000


def generated_calls_write(*, pupil_ids: np.ndarray, dates: np.ndarray, is_pm: np.ndarray, run: np.ndarray,
                          first_day: np.ndarray, seed: int) -> int:
    """Write the calls about one chunk's call days (synthetic.CallDays, by pupil id): how
    many contact attempts were written."""
    if not len(pupil_ids):
        return 0
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xCA11]))
    runs, run_of_day = np.unique(run, return_inverse=True)
    fate = rng.random(len(runs))[run_of_day]
    delay = rng.integers(5, FIRST_CALL_WITHIN_MINUTES + 1, size=len(pupil_ids))
    ids = sorted(set(pupil_ids.tolist()))
    first_contact = _first_contacts(ids)
    site_of = dict(Pupil.objects.filter(pk__in=ids).values_list("pk", "site_id"))
    closes = {site.pk: (site.am_register_closes_at, site.pm_register_closes_at)
              for site in Site.objects.filter(pk__in=set(site_of.values()))}
    rows: list[ContactAttempt] = []
    for i, pupil_id in enumerate(pupil_ids.tolist()):
        contact = first_contact.get(pupil_id)
        if contact is None:
            continue
        day = dates[i].astype(dt.date)
        site_id = site_of[pupil_id]
        close = closes[site_id][1 if is_pm[i] else 0]
        first = dt.datetime.combine(day, close, tzinfo=LONDON) + dt.timedelta(minutes=int(delay[i]))
        second = first + dt.timedelta(hours=SECOND_CALL_AFTER_HOURS)
        if fate[i] < EXPLAINED_AT_ONCE:
            calls = [(first, True)]
        elif fate[i] < EXPLAINED_AT_ONCE + EXPLAINED_LATER:
            calls = [(first, False), (second, True)]
        else:
            calls = [(first, False), (second, False)]
        rows += [_attempt(pupil_id, site_id, day, contact, at, reached) for at, reached in calls]
    ContactAttempt.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _first_contacts(pupil_ids: list[int]) -> dict[int, Contact]:
    """Each pupil's first contact in priority order who may be contacted and has a phone."""
    found: dict[int, Contact] = {}
    for contact in Contact.objects.filter(pupil_id__in=pupil_ids, do_not_contact=False).exclude(
        mobile_phone="", home_phone=""
    ).order_by("pupil_id", "priority"):
        found.setdefault(contact.pupil_id, contact)
    return found


def _attempt(pupil_id: int, site_id: int, day: dt.date, contact: Contact, at: dt.datetime, reached: bool) -> ContactAttempt:
    return ContactAttempt(
        pupil_id=pupil_id, site_id=site_id, absence_date=day, channel=ContactChannel.PHONE,
        contacted_kind=ContactedKind.CONTACT, contact=contact, contacted_name=contact.name,
        contacted_role=contact.get_relationship_display(), address=contact.mobile_phone or contact.home_phone,
        attempted_at=at, outcome=ContactOutcome.REACHED if reached else ContactOutcome.NO_ANSWER,
        whereabouts_known=True if reached else None, recorded_at=at,
    )
