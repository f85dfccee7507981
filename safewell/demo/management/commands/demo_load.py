"""`safewell demo_load`: load the demo organisations, their staff, then each app's demo data.

Idempotent: run it twice and nothing fails or doubles. To add demo data for an app, add a
module `safewell/demo/<app>.py` with `def load(*, today: date) -> None` that looks records up
before making them, and list it in `app_demo_modules`; it runs after the staff are loaded. The settings are described in `safewell/demo/demo_data/demo.yaml`; look
an organisation up by its name there (`demo_plan().organisation(key).name`).

The demo's "today" is `--today`, else SAFEWELL_DEMO_TODAY, else the real date (Europe/
London); when that is not a school day for both settings, the last school day before it.
Today's registers are left untaken, so a teacher can take one in the demo.
"""

from __future__ import annotations

import os
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from safewell.demo.demo_data.plan import OutsideDemoDates, demo_plan, demo_school_day
from safewell.demo.management.commands._demo import demo_organisations_load, demo_staff_load
from safewell.core.request_context import acting_as

REFUSED_IN_PRODUCTION = (
    "The demo is not loaded when SAFEWELL_PRODUCTION is true: it would add published "
    "passwords to a real database."
)
BAD_DEMO_TODAY = "SAFEWELL_DEMO_TODAY must be a date like 2026-11-20, not {value!r}."
TODAY_MOVED = "{requested:%A %-d %B %Y} is not a school day: the demo's today is {today:%A %-d %B %Y}, the last school day before it."


class Command(BaseCommand):
    help = "Load the demo settings, staff and data (fictional people only). Safe to repeat."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None,
            help="The date the demo data is built around (default: SAFEWELL_DEMO_TODAY, else today, Europe/London).",
        )

    def handle(self, *, today: date | None, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(REFUSED_IN_PRODUCTION)
        requested = today or _env_today() or timezone.localdate()
        try:
            today = demo_school_day(requested)
        except OutsideDemoDates as error:
            raise CommandError(str(error)) from None
        say = self.stdout.write if options["verbosity"] else (lambda text: None)
        if today != requested:
            say(TODAY_MOVED.format(requested=requested, today=today))
        started = time.perf_counter()
        # The system itself is the actor in the audit log.
        with acting_as(None), transaction.atomic():
            demo_organisations_load()
            staff = demo_staff_load()
            for module in app_demo_modules():
                module.load(today=today)
        for line in demo_summaries():
            say(line)
        say(f"Demo loaded in {time.perf_counter() - started:.1f} s: {len(staff)} staff logins.")


def _env_today() -> date | None:
    value = os.environ.get("SAFEWELL_DEMO_TODAY", "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(BAD_DEMO_TODAY.format(value=value)) from None


def demo_summaries() -> list[str]:
    """One line per demo setting: what is in the database now."""
    from safewell.accounts.models import Membership
    from safewell.attendance.models import Mark
    from safewell.pupils.models import Lesson, Pupil
    from safewell.schools.models import Organisation

    lines = []
    for plan in demo_plan().organisations:
        organisation = Organisation.objects.filter(name=plan.name).first()
        if organisation is None:
            continue
        pupils = Pupil.objects.filter(organisation=organisation)
        marks = Mark.objects.filter(pupil__organisation=organisation)
        last = marks.order_by("-date").values_list("date", flat=True).first()
        staff = Membership.objects.filter(site__organisation=organisation).values("user").distinct().count()
        lines.append(
            f"{plan.name} ({organisation.get_kind_display().lower()}, {plan.local_authority_name}): "
            f"{organisation.sites.count()} site(s), {pupils.count()} pupils, {staff} staff, "
            f"{Lesson.objects.filter(teaching_class__site__organisation=organisation).count()} weekly lessons, "
            f"{marks.count()} session marks" + (f" to {last:%a %-d %b %Y}" if last else "")
        )
    return lines


def app_demo_modules() -> list:
    """Each app's demo loader, in design.md's order from the bottom up (a pupil's site
    exists before its marks, a child's marks before the case work that reads them), and
    last the evaluation of every pupil as of now, once all the history is in."""
    from safewell.demo import attendance, evaluation, followup, policy, pupils, safeguarding, schools

    return [schools, pupils, attendance, followup, policy, safeguarding, evaluation]
