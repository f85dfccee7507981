"""The daily policy-review reminder (issue 5: "the system reminds the DSL and the admin 30 days
before it is due").

`policy_review_candidates(today=…)` finds, for each organisation with a profile in force, whether
its review is due within the profile's `policy_review_due.remind_days_before` (30 by default)
or overdue, as one `AlertCandidate` of rule `policy_review_due` per organisation.
`policy_reviews_remind(today=…, now=…)` hands them to the alerts engineer's `alerts_sync`, one
organisation at a time, so the alert is opened once, renewed each day (its evidence says how
many days are left or overdue), and marked "no longer met" once a new version with a later
review date is installed. `remind_policy_reviews` is the scheduled task (SAFEWELL_SCHEDULE).

The alert is about the organisation, not a pupil (`pupil_id` None). `AlertCandidate.site_id`
must name a site (alerts_sync finds the organisation through it), so the candidate carries the
organisation's first site; the episode is the review date, so a new date is a new episode.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from safewell.core.request_context import acting_as
from safewell.policy import rule_ids
from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope
from safewell.policy.models import PolicyProfile
from safewell.policy.profiles import Profile, profile_from_json
from safewell.schools.models import Site

logger = logging.getLogger("safewell.policy.profile_jobs")

REVIEW_DUE_EXPLANATION = (
    "The policy profile '{name}' (version {version}) is due for review on {due:%-d %B %Y}: "
    "{days} day(s) from today. Review the policy and install the reviewed profile."
)
REVIEW_OVERDUE_EXPLANATION = (
    "The policy profile '{name}' (version {version}) was due for review on {due:%-d %B %Y}: "
    "{days} day(s) overdue. Review the policy and install the reviewed profile."
)
REVIEW_SOURCE = "The profile's next review date ({source}); issue 5: remind the DSL and the admin before it is due"


@dataclass(frozen=True)
class ReviewReminder:
    organisation_id: int
    candidate: AlertCandidate


def policy_review_candidates(*, today: dt.date) -> list[ReviewReminder]:
    """One reminder per organisation whose profile in force is due for review or overdue."""
    reminders = []
    first_sites = _first_site_of_each_organisation()
    rows = PolicyProfile.objects.filter(is_active=True).order_by("organisation_id")
    for row in rows:
        site_id = first_sites.get(row.organisation_id)
        if site_id is None:
            continue  # an organisation with no site has no one to remind
        profile = profile_from_json(row.parsed)
        settings = profile.rules[rule_ids.POLICY_REVIEW_DUE]
        if settings.enabled and profile.review_is_due(today=today):
            reminders.append(ReviewReminder(row.organisation_id, _candidate(row, profile, site_id, today)))
    return reminders


def _candidate(row: PolicyProfile, profile: Profile, site_id: int, today: dt.date) -> AlertCandidate:
    settings = profile.rules[rule_ids.POLICY_REVIEW_DUE]
    overdue = profile.review_is_overdue(today=today)
    days = abs((profile.next_review_on - today).days)
    template = REVIEW_OVERDUE_EXPLANATION if overdue else REVIEW_DUE_EXPLANATION
    return AlertCandidate(
        rule_id=rule_ids.POLICY_REVIEW_DUE,
        pupil_id=None,
        site_id=site_id,
        episode_key=f"review:{profile.next_review_on.isoformat()}",
        severity=settings.severity,
        evidence={
            "profile": profile.name,
            "profile_version": row.version,
            "reviewed_on": profile.reviewed_on.isoformat(),
            "next_review_on": profile.next_review_on.isoformat(),
            "reminder_from": profile.review_reminder_starts_on().isoformat(),
            "overdue": overdue,
            "figures": {"days overdue" if overdue else "days left": days},
            "notify": list(settings.notify),
        },
        explanation=template.format(name=profile.name, version=row.version, due=profile.next_review_on, days=days),
        source=REVIEW_SOURCE.format(source=profile.source),
    )


def _first_site_of_each_organisation() -> dict[int, int]:
    first: dict[int, int] = {}
    for organisation_id, site_id in Site.objects.order_by("organisation_id", "pk").values_list("organisation_id", "pk"):
        first.setdefault(organisation_id, site_id)
    return first


def policy_reviews_remind(*, today: dt.date, now: dt.datetime) -> dict[int, object]:
    """Sync the review alerts of every organisation with a profile in force; returns the
    `SyncResult` of each organisation by id."""
    from safewell.policy.alerts import alerts_sync

    by_organisation: dict[int, list[AlertCandidate]] = {
        organisation_id: [] for organisation_id in
        PolicyProfile.objects.filter(is_active=True).values_list("organisation_id", flat=True)
    }
    for reminder in policy_review_candidates(today=today):
        by_organisation[reminder.organisation_id].append(reminder.candidate)
    results = {}
    for organisation_id, candidates in by_organisation.items():
        scope = EvaluationScope(
            today=today, organisation_id=organisation_id, rule_ids=frozenset({rule_ids.POLICY_REVIEW_DUE})
        )
        with transaction.atomic():
            results[organisation_id] = alerts_sync(candidates=candidates, scope=scope, now=now)
    return results


@task()
def remind_policy_reviews() -> dict[str, int]:
    now = timezone.now()
    with acting_as(None):
        results = policy_reviews_remind(today=timezone.localdate(now), now=now)
    opened = sum(len(getattr(r, "opened", [])) for r in results.values())
    logger.info("Policy review reminders: %d organisation(s) checked, %d alert(s) opened", len(results), opened)
    return {"organisations": len(results), "opened": opened}
