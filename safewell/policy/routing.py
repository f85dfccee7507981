"""Routing: who an alert goes to, what its rule is called in a message, and what the
profile in force says about delivering it. The alert services (alerts.py), the inbox
(selectors.py) and the outbox (outbox.py) all read it; it imports none of them.

## Who an alert goes to (routing)

- Most rules: the **DSL team of the pupil's site**, i.e. the users holding `dsl` or
  `deputy_dsl` there (seed 004: a lead and a deputy per site). If the site has nobody in
  those roles, the lead DSLs (below) get it.
- `penalty_notice_threshold`: the **attendance officers** of the site, **never the DSL**:
  a penalty notice is an attendance-enforcement decision, not a safeguarding one
  (statutory.md §4, national framework, WTTISA ch. 6 paras 174-200 [S]). A profile listing
  `dsl` for it is overridden here.
- `attendance_return_10_day`, `sickness_return_15_day`: the attendance officers too: they
  make the returns to the LA (statutory.md §3.2, §3.3 [S]). The safeguarding side of a long
  absence is the DSL's through `continuous_absence` and `cme_ten_days`.
- `first_day_contact_ladder`: the attendance officers, who make the calls and visits of
  the escalation ladder (issue 6); the DSL hears through `no_contact_safeguarding`.
- An attendance-officer alert at a site with no attendance officer notifies nobody (a
  warning is logged) and waits in the inbox for whoever becomes one: never a DSL instead.
- The profile's `notify` may narrow a DSL alert's team to `dsl` or `deputy_dsl`; other
  staff roles it lists (e.g. `attendance_officer` for persistent absence) are not told,
  because they could not open the alert (selectors.py decides who sees which).
- People outside the school (social worker, virtual school, placing school, LA) are not
  messaged about alerts: the alert lists them as a to-do for the DSL, with their contact
  details, so no safeguarding detail leaves the system by an unattended channel. The
  same-day absence notice they get (who is absent, that no reason is known yet) is sent by
  first-day calling (followup/agency.py), not from here.

## The lead DSL (how "lead" is determined)

A user holding the **`dsl` role at any site of the organisation** is a lead DSL for the
whole organisation; `deputy_dsl` is a site role. (Seed 004 has one lead DSL and a deputy per
site; a `Membership` is per site, so the lead is whoever the organisation made `dsl`.) When
several users are `dsl`, all of them are leads and all are told of an escalation.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from safewell.accounts.models import Role, User
from safewell.policy import rule_ids
from safewell.policy.models import Alert, Channel
from safewell.policy.profile_selectors import profile_for
from safewell.policy.profiles import Alerting
from safewell.schools.models import Organisation

logger = logging.getLogger("safewell.policy.routing")
LONDON = ZoneInfo("Europe/London")

# --- Routing tables -----------------------------------------------------------------------------

ROUTE_DSL = "dsl"
ROUTE_ATTENDANCE_OFFICER = "attendance_officer"
DSL_TEAM_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL})
# statutory.md §4 [S]: the penalty-notice threshold is for the attendance officer, never the DSL.
NEVER_TO_DSL_RULES = frozenset({rule_ids.PENALTY_NOTICE_THRESHOLD})
# statutory.md §3.2, §3.3 [S]: the 10-day attendance return and the 15-day sickness return
# are returns to the LA that the attendance officer makes.
ATTENDANCE_OFFICER_RULES = NEVER_TO_DSL_RULES | {rule_ids.ATTENDANCE_RETURN_10_DAY, rule_ids.SICKNESS_RETURN_15_DAY}
# issue 6 §7: the attendance officers make the calls and the home visits of the escalation
# ladder; the DSL hears through no_contact_safeguarding (seed 000 §5).
ATTENDANCE_OFFICER_RULES |= {rule_ids.FIRST_DAY_CONTACT_LADDER}

# issue 11 §1: conditions that describe a population rather than an event. They are
# worklists a person works through (policy/worklists.html), announced by one line in the
# digest: never an alert each, never a notification or an escalation each. Their rows are
# kept by alerts_sync like any alert (so each entry renews, resolves itself and is audited).
WORKLIST_RULES = frozenset({
    rule_ids.PERSISTENT_ABSENCE, rule_ids.SICKNESS_RETURN_15_DAY, rule_ids.PENALTY_NOTICE_THRESHOLD,
})

# Without a profile in force (a new organisation), a rule's alerts still reach someone.
DEFAULT_ACKNOWLEDGE_WITHIN_HOURS = 24
DEFAULT_CHANNELS: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL)
EXTERNAL_RECIPIENTS = ("social_worker", "virtual_school", "placing_school", "local_authority")

# The words an email or text may use for an alert: a category, never the child or the evidence.
CATEGORY_OF_RULE: dict[str, str] = {
    rule_ids.CONTINUOUS_ABSENCE: "Continuous absence",
    rule_ids.CME_TEN_DAYS: "Child missing education check",
    rule_ids.ATTENDANCE_RETURN_10_DAY: "LA attendance return",
    rule_ids.SICKNESS_RETURN_15_DAY: "LA sickness return",
    rule_ids.DELETION_GROUND_20_DAY: "Deletion ground approaching",
    rule_ids.PERSISTENT_ABSENCE: "Persistent absence",
    rule_ids.SEVERE_ABSENCE: "Severe absence",
    rule_ids.PENALTY_NOTICE_THRESHOLD: "Penalty notice threshold",
    rule_ids.VULNERABLE_UNEXPLAINED_ABSENCE: "Unexplained absence (priority)",
    rule_ids.POLICY_REVIEW_DUE: "Policy review due",
    rule_ids.CONCERN_AWAITING_TRIAGE: "Safeguarding concern raised",
    rule_ids.CME_NOTIFICATION_DUE: "CME notification to the local authority",
    rule_ids.RETURN_HOME_INTERVIEW_DUE: "Return home interview due",
    rule_ids.REPEAT_MISSING_EPISODES: "Repeated missing episodes",
    rule_ids.REINTEGRATION_REVIEW_OVERDUE: "Reintegration plan review overdue",
    rule_ids.FIRST_DAY_CONTACT_LADDER: "First-day calling: next step due",
    rule_ids.NO_CONTACT_SAFEGUARDING: "No contact with the family (priority)",
}
PATTERN_CATEGORY = "Attendance pattern"


def category_of(rule_id: str) -> str:
    return CATEGORY_OF_RULE.get(rule_id, PATTERN_CATEGORY)


def route_for(rule_id: str) -> str:
    return ROUTE_ATTENDANCE_OFFICER if rule_id in ATTENDANCE_OFFICER_RULES else ROUTE_DSL


# --- The profile's settings for a rule ----------------------------------------------------------


@dataclass(frozen=True)
class RuleDelivery:
    """What the profile in force says about delivering one rule's alerts."""

    channels: tuple[str, ...]
    acknowledge_within_hours: int
    notify: tuple[str, ...]


DEFAULT_DELIVERY = RuleDelivery(DEFAULT_CHANNELS, DEFAULT_ACKNOWLEDGE_WITHIN_HOURS, ())


def _text(value) -> str:
    """A recipient or channel from the profile: an enum member, a str, or an object with a role."""
    value = getattr(value, "role", value)
    return str(getattr(value, "value", value))


def rule_delivery(organisation: Organisation, rule_id: str, *, cache: dict | None = None) -> RuleDelivery:
    """The channels, deadline and recipients the organisation's profile sets for `rule_id`."""
    cache = {} if cache is None else cache
    if organisation.pk not in cache:
        cache[organisation.pk] = _profile_of(organisation)
    profile = cache[organisation.pk]
    settings = getattr(profile, "rules", {}).get(rule_id) if profile is not None else None
    if settings is None:
        return DEFAULT_DELIVERY
    return RuleDelivery(
        channels=tuple(_text(c) for c in getattr(settings, "channels", DEFAULT_CHANNELS)) or DEFAULT_CHANNELS,
        acknowledge_within_hours=int(getattr(settings, "acknowledge_within_hours", DEFAULT_ACKNOWLEDGE_WITHIN_HOURS)),
        notify=tuple(_text(r) for r in getattr(settings, "notify", ())),
    )


def alerting_of(organisation: Organisation, *, cache: dict | None = None) -> Alerting:
    """The profile's working hours, out-of-hours contact and digest times (defaults without one)."""
    cache = {} if cache is None else cache
    if organisation.pk not in cache:
        cache[organisation.pk] = _profile_of(organisation)
    profile = cache[organisation.pk]
    return profile.alerting if profile is not None else Alerting()


def first_seen_at(moment: dt.datetime, alerting: Alerting) -> dt.datetime:
    """When someone the alert is routed to can first see an alert raised at `moment`: at
    once within the working hours of a weekday, or with an out-of-hours contact named;
    otherwise when the next working day starts (Europe/London)."""
    if alerting.out_of_hours_contact:
        return moment
    start, end = alerting.hours()
    local = moment.astimezone(LONDON)
    day = local.date()
    if day.weekday() < 5 and start <= local.time() < end:
        return moment
    if day.weekday() >= 5 or local.time() >= end:
        day += dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=LONDON)


def acknowledge_deadline(raised_at: dt.datetime, hours: int, alerting: Alerting) -> dt.datetime:
    """`hours` after the alert can first be seen; a deadline that would fall out of working
    hours moves to when they next start, so nothing is overdue while nobody can act."""
    return first_seen_at(first_seen_at(raised_at, alerting) + dt.timedelta(hours=hours), alerting)


def _profile_of(organisation: Organisation):
    try:
        return profile_for(organisation)
    except (LookupError, ObjectDoesNotExist):  # no profile installed for this organisation
        return None


# --- Recipients -----------------------------------------------------------------------------------


def lead_dsls(organisation_id: int) -> list[User]:
    """Every active user holding `dsl` at a site of the organisation (see module docstring)."""
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.DSL, memberships__site__organisation_id=organisation_id
        ).distinct().order_by("pk")
    )


def _members(site_id: int, roles: Iterable[str]) -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__site_id=site_id, memberships__role__in=list(roles))
        .distinct().order_by("pk")
    )


def team_for(alert: Alert, notify: Sequence[str] = ()) -> tuple[list[User], str]:
    """The staff an alert is routed to, and how to name them in a message. For a DSL alert
    the profile's `notify` may narrow the team to `dsl` or `deputy_dsl`; it cannot widen
    it to other roles (the routing above decides who sees an alert)."""
    site_name = alert.site.name if alert.site_id else alert.organisation.name
    if alert.routed_to_role == ROUTE_ATTENDANCE_OFFICER:
        users = _members(alert.site_id, [Role.ATTENDANCE_OFFICER]) if alert.site_id else []
        if not users:
            # Never a DSL instead (statutory.md §4); the alert waits in the inbox of whoever
            # becomes the site's attendance officer.
            logger.warning("%s alert %s: %s has no attendance officer to notify", alert.rule_id, alert.pk, site_name)
        return users, f"the attendance officers at {site_name}"
    roles = DSL_TEAM_ROLES & set(notify) or DSL_TEAM_ROLES
    users = _members(alert.site_id, roles) if alert.site_id else []
    if not users:
        users = lead_dsls(alert.organisation_id)
    return users, f"the DSL team at {site_name}"
