"""Demo data of the policy app: each demo setting runs the profile modelled on its seed.

- Brackenwell Learning Centre (the AP in Suffolk, demo.yaml key `ap`) runs `seed-000-ap`;
- Lodefield School (the two-site special school, key `special`) runs `seed-004-special`,
  whose next review (September 2026, as the seed says) is past by the demo's autumn-term
  "today": the profile page shows it overdue and the review reminder opens an alert.

Then it replays the nightly evaluation over the demo's last four weeks for the pupils of
the demo's stories only, quietly (no notifications: it is history), so their alerts have
the past the stories tell: Tyler's `cme_ten_days` alert opens on the morning of his 10th
school day, for the case work to open his CME case from it, and the alerts of runs that
ended since resolve themselves, saying what ended them. Everyone else is evaluated once,
as of now, after all the history is in (`demo/evaluation.py`, the last demo step): loading
or replaying a stretch of history must not flood the inbox (issue 11 §1).

Runs from `safewell demo_load` after the schools and pupils (INSTALLED_APPS order).
Idempotent: a profile is installed only when the organisation's profile in force is not
already that shipped document, so loading twice adds no version; alerts_sync keeps one
live alert per rule, pupil and episode, so replaying twice opens nothing new.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from safewell.demo.demo_data.plan import demo_plan
from safewell.policy.profile_jobs import policy_reviews_remind
from safewell.policy.profile_selectors import active_profile_row
from safewell.policy.profile_services import policy_profile_install
from safewell.policy.profiles import shipped_profile_text
from safewell.schools.models import Organisation

# demo.yaml organisation key -> the shipped profile it runs.
DEMO_PROFILES = {"ap": "seed-000-ap", "special": "seed-004-special"}
# The reminder job runs at 06:15 (SAFEWELL_SCHEDULE); the demo runs it as of that time today.
REMINDER_TIME = dt.time(6, 15)
# The nightly evaluation (SAFEWELL_SCHEDULE) replayed for the story pupils, each weekday of
# this many days.
REPLAYED_DAYS = 28
EVALUATION_TIME = dt.time(2, 30)
LONDON = ZoneInfo("Europe/London")


def load(*, today: dt.date) -> None:
    for key, profile_name in DEMO_PROFILES.items():
        organisation = Organisation.objects.filter(name=demo_plan().organisation(key).name).first()
        if organisation is not None:
            demo_profile_install(organisation, profile_name)
    policy_reviews_remind(today=today, now=dt.datetime.combine(today, REMINDER_TIME, tzinfo=LONDON))
    demo_evaluations_replay(today=today)


def demo_evaluations_replay(*, today: dt.date, since: dt.date | None = None, until_cme: bool = True) -> None:
    """The story pupils' nightly evaluations, quietly, from `since` (default: REPLAYED_DAYS
    ago) to yesterday. With `until_cme`, it stops after the night a story pupil's
    `cme_ten_days` alert opens: the case work opens Tyler's case from it that morning, and
    `demo/evaluation.py` replays the nights after, so the record reads in order."""
    from safewell.policy.engine.evaluate import evaluate_and_sync

    pupils = story_pupil_ids()
    if not pupils:
        return
    day = since or today - dt.timedelta(days=REPLAYED_DAYS)
    while day < today:
        if day.weekday() < 5:
            evaluate_and_sync(today=day, now=dt.datetime.combine(day, EVALUATION_TIME, tzinfo=LONDON),
                              pupil_ids=pupils, lessons_changed=False, cause="the nightly check ran", notify=False)
            if until_cme and cme_story_morning(pupils) is not None:
                return
        day += dt.timedelta(days=1)


def cme_story_morning(pupils: list[int] | None = None) -> dt.date | None:
    """The day the first story pupil's `cme_ten_days` alert opened, if one has."""
    from safewell.policy.models import Alert

    raised = (Alert.objects.filter(rule_id="cme_ten_days", pupil_id__in=pupils or story_pupil_ids())
              .order_by("raised_at").values_list("raised_at", flat=True).first())
    return raised.astimezone(LONDON).date() if raised else None


def story_pupil_ids() -> list[int]:
    """The pupils of demo.yaml's stories (a handful per setting)."""
    from safewell.pupils.models import Pupil

    names = {(s.forename, s.surname) for s in demo_plan().stories}
    return sorted(pk for pk, forename, surname in Pupil.objects.values_list("pk", "legal_forename", "legal_surname")
                  if (forename, surname) in names)


def demo_profile_install(organisation: Organisation, profile_name: str) -> None:
    text = shipped_profile_text(profile_name)
    current = active_profile_row(organisation)
    if current is not None and current.yaml_text == text:
        return
    policy_profile_install(organisation=organisation, yaml_text=text, actor=None)
