"""Demo data of the policy app: each demo setting runs the profile modelled on its seed.

- Brackenwell Learning Centre (the AP in Suffolk, demo.yaml key `ap`) runs `seed-000-ap`;
- Lodefield School (the two-site special school, key `special`) runs `seed-004-special`,
  whose next review (September 2026, as the seed says) is past by the demo's autumn-term
  "today": the profile page shows it overdue and the review reminder opens an alert.

Then it replays the nightly evaluation over the demo's last four weeks, as if Safewell
had been running all along: an alert opens on the night its rule was first met (the
12-school-day absence reached the CME step before the child came back) and stays for the
DSL to act on, instead of only what is still true on the demo's today.

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
# The nightly evaluation (SAFEWELL_SCHEDULE) replayed for each weekday of this many days.
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


def demo_evaluations_replay(*, today: dt.date) -> None:
    from safewell.policy.engine.evaluate import evaluate_and_sync

    for offset in range(REPLAYED_DAYS, -1, -1):
        day = today - dt.timedelta(days=offset)
        if day.weekday() < 5:
            evaluate_and_sync(today=day, now=dt.datetime.combine(day, EVALUATION_TIME, tzinfo=LONDON))


def demo_profile_install(organisation: Organisation, profile_name: str) -> None:
    text = shipped_profile_text(profile_name)
    current = active_profile_row(organisation)
    if current is not None and current.yaml_text == text:
        return
    policy_profile_install(organisation=organisation, yaml_text=text, actor=None)
