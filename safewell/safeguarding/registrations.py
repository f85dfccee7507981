"""What this app registers with the apps above it (apps.py says why each)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import CharField, Value
from django.urls import reverse

from safewell.policy import rule_ids as R
from safewell.policy.routing import ROUTE_DSL
from safewell.policy.models import Alert
from safewell.policy.selectors import AlertLink
from safewell.safeguarding import selectors
from safewell.safeguarding.models import LIVE_CASE_STATUSES, Case, MissingEpisode

OPEN_CASE = "open_case"
PREVIOUS_MISSING_EPISODE = "previous_missing_episode"
MARKERS = frozenset({OPEN_CASE, PREVIOUS_MISSING_EPISODE})


def vulnerability_markers(*, today: dt.date, pupil_ids: Sequence[int] | None,
                          organisation_ids: Sequence[int] | None) -> dict[int, set[str]]:
    """{pupil id: markers} for the policy engine, in one query (a UNION of two): a live case
    of any kind, and a missing episode that started before `today`."""
    cases = Case.objects.filter(status__in=LIVE_CASE_STATUSES)
    episodes = MissingEpisode.objects.filter(last_seen_at__date__lt=today)
    if pupil_ids is not None:
        cases, episodes = cases.filter(pupil_id__in=list(pupil_ids)), episodes.filter(pupil_id__in=list(pupil_ids))
    if organisation_ids is not None:
        cases = cases.filter(pupil__organisation_id__in=list(organisation_ids))
        episodes = episodes.filter(pupil__organisation_id__in=list(organisation_ids))
    marker = CharField()
    # order_by(): no model ordering inside a compound statement (SQLite refuses it).
    rows = cases.order_by().values_list("pupil_id", Value(OPEN_CASE, output_field=marker)).union(
        episodes.order_by().values_list("pupil_id", Value(PREVIOUS_MISSING_EPISODE, output_field=marker))
    )
    found: dict[int, set[str]] = defaultdict(set)
    for pupil_id, name in rows:
        found[pupil_id].add(name)
    return found


def alert_links(alert: Alert, user) -> list[AlertLink]:
    """On a DSL alert about a child the user's case work covers: the case opened from it,
    the record a case-work alert is about, or the one-click "Open a case"."""
    if alert.pupil_id is None or alert.routed_to_role != ROUTE_DSL or not selectors.can_work_on(user, alert.pupil):
        return []
    opened = Case.objects.filter(alert=alert).first()
    if opened is not None:
        return [AlertLink(f"Go to case {opened.pk}: {opened.get_kind_display()}",
                          reverse("safeguarding:case_detail", kwargs={"case_id": opened.pk}))]
    if alert.rule_id in R.CASEWORK_RULE_IDS:
        return [_record_link(alert)]
    return [AlertLink(
        "Open a case", reverse("safeguarding:case_open_from_alert", kwargs={"alert_id": alert.pk}), method="post",
        hint="Opening a case copies this alert's evidence into it, makes you its owner, and closes the alert as "
             "actioned" + (" with the local authority notification due on the same date." if alert.rule_id == R.CME_TEN_DAYS
                           else "."),
    )]


# A case-work alert's evidence names its record: (evidence key, link text, URL name, URL argument).
_RECORD_LINKS = (
    ("concern", "Triage the concern", "safeguarding:concern_triage", "concern_id"),
    ("episode", "Go to the missing episode", "safeguarding:episode_detail", "episode_id"),
    ("plan", "Go to the reintegration plan", "safeguarding:plan_detail", "plan_id"),
    ("case", "Go to the case", "safeguarding:case_detail", "case_id"),
)


def _record_link(alert: Alert) -> AlertLink:
    evidence = alert.evidence or {}
    for key, label, name, argument in _RECORD_LINKS:
        if key in evidence:
            return AlertLink(label, reverse(name, kwargs={argument: evidence[key]}))
    return AlertLink("Go to the child's safeguarding record",
                     reverse("safeguarding:pupil_record", kwargs={"pupil_id": alert.pupil_id}))


def can_see_openings_of_pupil(user, target_id: str) -> bool:
    """Who opened a child's record: the DSL team of the child's site and the lead DSL."""
    return target_id.isdigit() and selectors.casework_pupils(user).filter(pk=int(target_id)).exists()
