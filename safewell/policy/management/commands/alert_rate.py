"""safewell alert_rate --start 2026-01-05 --days 10 [--json]

How many alerts the rules raise for the people who act, school day by school day: the issue
11 figures (new DSL alerts per 1,000 pupils per school day; alerts that resolve themselves).

The day before `--start` is evaluated first, as the history already loaded: its alerts are the
baseline and are not counted. Then each school day from `--start` (the calendar of the first
organisation with term dates; the generator gives every school the same terms) is evaluated
at the end of its day, as the nightly run would, and the alerts it opened and the ones no
longer met are counted. Everything is written, as `safewell evaluate` writes it: run it on a
scratch database (a generated population), not on a live one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

LONDON = ZoneInfo("Europe/London")
BAD_DATE = "--start must be a date like 2026-01-05, not {value!r}."
NO_CALENDAR = "No organisation has term dates around {start}: generate a population first."


class Command(BaseCommand):
    help = "Evaluate school day by school day and count the alerts opened and resolved."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, help="the first school day to count (YYYY-MM-DD)")
        parser.add_argument("--days", type=int, default=10, help="school days to count (default 10)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        from safewell.policy.engine.evaluate import evaluate_and_sync
        from safewell.policy.models import Alert
        from safewell.policy.routing import ROUTE_DSL, WORKLIST_RULES, route_for

        def is_dsl_alert(rule: str) -> bool:
            # A worklist's entries (persistent absence, …) are worked through, not alerts.
            return route_for(rule) == ROUTE_DSL and rule not in WORKLIST_RULES
        from safewell.pupils.models import Pupil

        days = _school_days(_date(options["start"]), options["days"])
        baseline_day = days[0] - dt.timedelta(days=1)
        evaluate_and_sync(today=baseline_day, now=_end_of(baseline_day))
        pupils = Pupil.objects.count()
        opened: Counter[str] = Counter()
        resolved: Counter[str] = Counter()
        per_day = []
        for day in days:
            report = evaluate_and_sync(today=day, now=_end_of(day))
            new = Counter(Alert.objects.filter(pk__in=report.ids("opened")).values_list("rule_id", flat=True))
            gone = Counter(Alert.objects.filter(pk__in=report.ids("no_longer_met")).values_list("rule_id", flat=True))
            opened += new
            resolved += gone
            per_day.append({"day": day.isoformat(), "opened": sum(new.values()),
                             "dsl_opened": sum(n for rule, n in new.items() if is_dsl_alert(rule)),
                             "resolved": sum(gone.values())})
        dsl = {rule: n for rule, n in opened.items() if is_dsl_alert(rule)}
        worklist = {rule: n for rule, n in opened.items() if rule in WORKLIST_RULES}
        figures = {
            "pupils": pupils, "school_days": len(days), "first_day": days[0].isoformat(), "last_day": days[-1].isoformat(),
            "new_dsl_alerts": sum(dsl.values()),
            "new_dsl_alerts_per_1000_pupils_per_school_day": round(1000 * sum(dsl.values()) / pupils / len(days), 2)
            if pupils else 0.0,
            "new_dsl_alerts_by_rule": dict(sorted(dsl.items())),
            "new_worklist_entries_by_rule": dict(sorted(worklist.items())),
            "new_alerts_by_rule": dict(sorted(opened.items())),
            "resolved_by_themselves": sum(resolved.values()),
            "resolved_by_rule": dict(sorted(resolved.items())),
            "open_alerts_at_the_end": Alert.objects.filter(state="open").count(),
            "open_and_still_met_at_the_end": Alert.objects.filter(state="open", condition_cleared_at__isnull=True).count(),
            "by_day": per_day,
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures))
            return
        self.stdout.write(
            f"{pupils} pupils, {len(days)} school days from {days[0]:%A %-d %B %Y}: {figures['new_dsl_alerts']} new DSL "
            f"alerts ({figures['new_dsl_alerts_per_1000_pupils_per_school_day']} per 1,000 pupils per school day), "
            f"{figures['resolved_by_themselves']} no longer met."
        )
        for rule, count in sorted(dsl.items(), key=lambda item: -item[1]):
            self.stdout.write(f"  {rule}: {count}")
        if worklist:
            self.stdout.write("New worklist entries (not alerts): " + ", ".join(
                f"{rule} {count}" for rule, count in sorted(worklist.items())))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(BAD_DATE.format(value=value)) from None


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON)


def _school_days(start: dt.date, count: int) -> list[dt.date]:
    from safewell.schools.calendar import OutsideCalendar, SchoolCalendar
    from safewell.schools.models import Site

    site = Site.objects.filter(organisation__academic_years__starts_on__lte=start,
                               organisation__academic_years__ends_on__gte=start).order_by("pk").first()
    if site is None:
        raise CommandError(NO_CALENDAR.format(start=start))
    try:
        calendar = SchoolCalendar.for_site(site, start, start + dt.timedelta(days=7 * count))
        days = calendar.school_days_between(start, start + dt.timedelta(days=7 * count))
    except OutsideCalendar:
        raise CommandError(NO_CALENDAR.format(start=start)) from None
    return days[:count]
