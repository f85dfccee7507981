"""Demo data of the policy app: each demo setting runs the profile modelled on its seed.

- Brackenwell Learning Centre (the AP in Suffolk, demo.yaml key `ap`) runs `seed-000-ap`;
- Lodefield School (the two-site special school, key `special`) runs `seed-004-special`,
  whose next review (September 2026, as the seed says) is past by the demo's autumn-term
  "today": the profile page shows it overdue and the review reminder opens an alert.

Runs from `safewell demo_load` after the schools and pupils (INSTALLED_APPS order).
Idempotent: a profile is installed only when the organisation's profile in force is not
already that shipped document, so loading twice adds no version.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from safewell.core.demo_data.plan import demo_plan
from safewell.policy.profile_jobs import policy_reviews_remind
from safewell.policy.profile_selectors import active_profile_row
from safewell.policy.profile_services import policy_profile_install
from safewell.policy.profiles import shipped_profile_text
from safewell.schools.models import Organisation

# demo.yaml organisation key -> the shipped profile it runs.
DEMO_PROFILES = {"ap": "seed-000-ap", "special": "seed-004-special"}
# The reminder job runs at 06:15 (SAFEWELL_SCHEDULE); the demo runs it as of that time today.
REMINDER_TIME = dt.time(6, 15)
LONDON = ZoneInfo("Europe/London")


def load(*, today: dt.date) -> None:
    for key, profile_name in DEMO_PROFILES.items():
        organisation = Organisation.objects.filter(name=demo_plan().organisation(key).name).first()
        if organisation is not None:
            demo_profile_install(organisation, profile_name)
    policy_reviews_remind(today=today, now=dt.datetime.combine(today, REMINDER_TIME, tzinfo=LONDON))


def demo_profile_install(organisation: Organisation, profile_name: str) -> None:
    text = shipped_profile_text(profile_name)
    current = active_profile_row(organisation)
    if current is not None and current.yaml_text == text:
        return
    policy_profile_install(organisation=organisation, yaml_text=text, actor=None)
