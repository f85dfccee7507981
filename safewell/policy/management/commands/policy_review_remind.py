"""safewell policy_review_remind [--date D]: run the daily policy-review reminder by hand.

The scheduler runs it every morning (SAFEWELL_SCHEDULE "policy-review-reminders"); --date
replays another day. Prints each organisation whose review is due or overdue.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from safewell.core.request_context import acting_as
from safewell.policy.profile_jobs import policy_review_candidates, policy_reviews_remind
from safewell.schools.models import Organisation


class Command(BaseCommand):
    help = "Remind the DSL and the admin of each organisation whose policy profile is due for review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="the day to run as (YYYY-MM-DD)")

    def handle(self, *args, **options) -> None:
        today = options["date"] or timezone.localdate()
        names = dict(Organisation.objects.values_list("pk", "name"))
        with acting_as(None):
            reminders = policy_review_candidates(today=today)
            results = policy_reviews_remind(today=today, now=timezone.now())
        for reminder in reminders:
            self.stdout.write(f"{names[reminder.organisation_id]}: {reminder.candidate.explanation}")
        opened = sum(len(r.opened) for r in results.values())
        self.stdout.write(f"{len(reminders)} review(s) due or overdue on {today:%-d %B %Y}; {opened} new alert(s).")
