"""safewell evaluate --date D [--site S | --organisation O] [--dry-run] [--show N]

Runs the policy engine by hand (issue 5 part 5): every rule for every pupil on roll on D,
at one site (its code), one organisation (its name or id), or everywhere, writes the
alerts through `alerts_sync` in one transaction, and prints what changed: alerts opened,
updated, and no longer met (plus those left alone because a person already closed them).
With --dry-run nothing is written: the candidates are printed instead.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

BAD_DATE = "--date must be a date like 2026-11-16, not {value!r}."
NO_SUCH_SITE = "There is no site with the code {code!r}."
NO_SUCH_ORGANISATION = "There is no organisation called {name!r}."
SITE_AND_ORGANISATION = "Give --site or --organisation, not both."


class Command(BaseCommand):
    help = "Evaluate the policy rules for a date and write the alerts; prints what changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="the day to evaluate as 'today' (YYYY-MM-DD)")
        parser.add_argument("--site", default="", help="a site's code (default: every site)")
        parser.add_argument("--organisation", default="", help="an organisation's name or id")
        parser.add_argument("--dry-run", action="store_true", help="write nothing; print the candidates")
        parser.add_argument("--show", type=int, default=40, help="list at most this many changes (default 40)")

    def handle(self, *args, **options) -> None:
        from safewell.policy.engine.evaluate import evaluate_and_sync, evaluation_run

        today = _date(options["date"])
        site, organisation_ids = _where(options["site"], options["organisation"])
        started = time.perf_counter()
        where = f"at {site.name}" if site else ("in the organisation" if organisation_ids else "everywhere")
        if options["dry_run"]:
            evaluation = evaluation_run(today=today, site_id=site.pk if site else None, organisation_ids=organisation_ids)
            self._header(evaluation, today, where, time.perf_counter() - started)
            self._candidates(evaluation.candidates, options["show"])
            return
        now = timezone.now()
        report = evaluate_and_sync(today=today, now=now, site_id=site.pk if site else None, organisation_ids=organisation_ids)
        self._header(report.evaluation, today, where, time.perf_counter() - started)
        self._changes(report, options["show"])

    def _header(self, evaluation, today: dt.date, where: str, seconds: float) -> None:
        self.stdout.write(
            f"Evaluated {evaluation.pupils} pupil(s) {where} as of {today:%A %-d %B %Y} in {seconds:.2f} s: "
            f"{len(evaluation.candidates)} rule(s) met."
        )

    def _candidates(self, candidates, show: int) -> None:
        for rule_id, count in sorted(Counter(c.rule_id for c in candidates).items()):
            self.stdout.write(f"  {rule_id}: {count}")
        for candidate in candidates[:show]:
            self.stdout.write(f"  {candidate.rule_id} pupil {candidate.pupil_id} episode {candidate.episode_key}: "
                              f"{candidate.explanation}")

    def _changes(self, report, show: int) -> None:
        from safewell.policy.models import Alert

        sections = (("opened", "opened"), ("updated", "updated"), ("no_longer_met", "no longer met"),
                    ("already_closed", "left alone (already closed by a person)"))
        counts = {name: len(report.ids(name)) for name, _ in sections}
        self.stdout.write(", ".join(f"{label}: {counts[name]}" for name, label in sections)
                          + f", unchanged: {len(report.ids('unchanged'))}.")
        listed = 0
        for name, label in sections[:3]:
            ids = report.ids(name)
            alerts = Alert.objects.filter(pk__in=ids[: max(0, show - listed)]).select_related("pupil").order_by("rule_id", "pk")
            for alert in alerts:
                who = alert.pupil.display_name if alert.pupil_id else "a group"
                self.stdout.write(f"  {label:<13} {alert.rule_id:<33} {who} (episode {alert.episode_key})")
                listed += 1
        total = sum(counts[n] for n, _ in sections[:3])
        if total > listed:
            self.stdout.write(f"  … and {total - listed} more (--show to list more).")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(BAD_DATE.format(value=value)) from None


def _where(site_code: str, organisation: str):
    from safewell.schools.models import Organisation, Site

    if site_code and organisation:
        raise CommandError(SITE_AND_ORGANISATION)
    if site_code:
        site = Site.objects.filter(code=site_code).first()
        if site is None:
            raise CommandError(NO_SUCH_SITE.format(code=site_code))
        return site, None
    if organisation:
        found = Organisation.objects.filter(pk=int(organisation)) if organisation.isdigit() else \
            Organisation.objects.filter(name=organisation)
        ids = list(found.values_list("id", flat=True))
        if not ids:
            raise CommandError(NO_SUCH_ORGANISATION.format(name=organisation))
        return None, ids
    return None, None
