"""The case-work alerts (policy/rule_ids.py CASEWORK_RULE_IDS), raised and cleared from the
safeguarding records through the policy app's `alerts_sync`, so they are routed, notified,
escalated and shown in the DSL inbox like every other alert:

- `concern_awaiting_triage`: a concern the DSL team has not assessed yet (seed 000 §6);
- `cme_notification_due`: a CME case whose LA notification is not sent (s436A EA 1996 [C]);
  urgent once past its due date;
- `return_home_interview_due`: a child back from a missing episode without a completed or
  declined interview; due 72 hours after the return (statutory.md §7.2 [S]); urgent after;
- `repeat_missing_episodes`: N episodes in a rolling window of days (statutory.md §7.2
  [S, local]); one alert per newest episode while the count holds;
- `reintegration_review_overdue`: an active plan past its review date, or past the review
  date of the part-time timetable (C2) in it without a review since (reg 11(6) [C]).

`casework_alerts_sync` runs in the transaction of every write that can change one of them
(design.md principle 4: the alert is written with the event that raises it), for that
child, and from the schedule for everyone (`jobs.sync_casework_alerts`), because the clocks
run out with no write at all. A person who resolves the condition (sends the notification,
records the interview, reviews the plan, triages the concern) also closes the alert as
actioned, in their name (`alert_resolve`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from safewell.policy import rule_ids as R
from safewell.policy.alerts import SyncResult, alert_action, alerts_sync
from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope
from safewell.policy.models import LIVE_STATES, Alert
from safewell.policy.profile_selectors import profile_for
from safewell.policy.profiles import Profile
from safewell.safeguarding.chronology import LONDON
from safewell.safeguarding.models import (
    LIVE_CASE_STATUSES,
    CaseKind,
    Concern,
    ConcernCategory,
    InterviewStatus,
    MissingEpisode,
    Referral,
    ReferralKind,
    ReferralStatus,
    ReintegrationPlan,
)
from safewell.safeguarding.selectors import interview_due_by, timezone_date

URGENT = "urgent"
SOURCES = {rule.id: rule.source for rule in R.RULES if rule.id in R.CASEWORK_RULE_IDS}


class _Profiles:
    """The profile in force per organisation, read once per sync."""

    def __init__(self) -> None:
        self._by_id: dict[int, Profile] = {}

    def settings(self, organisation_id: int, rule_id: str):
        if organisation_id not in self._by_id:
            self._by_id[organisation_id] = profile_for(organisation_id)
        return self._by_id[organisation_id].rules[rule_id]

    def profile(self, organisation_id: int) -> Profile:
        self.settings(organisation_id, R.CONCERN_AWAITING_TRIAGE)
        return self._by_id[organisation_id]


def casework_candidates(*, now: dt.datetime, pupil_ids: Iterable[int] | None = None) -> list[AlertCandidate]:
    today = timezone_date(now)
    ids = None if pupil_ids is None else sorted(set(pupil_ids))
    profiles = _Profiles()
    candidates: list[AlertCandidate] = []
    for build in (_concerns, _cme_notifications, _return_home_interviews, _repeat_episodes, _plan_reviews):
        candidates += build(ids, profiles, now=now, today=today)
    return candidates


def casework_alerts_sync(*, now: dt.datetime, pupil_ids: Iterable[int] | None = None) -> SyncResult:
    """Raise, renew and clear the case-work alerts of these pupils (None: everyone), in the
    caller's transaction."""
    ids = None if pupil_ids is None else frozenset(int(p) for p in pupil_ids)
    scope = EvaluationScope(today=timezone_date(now), pupil_ids=ids, rule_ids=R.CASEWORK_RULE_IDS)
    return alerts_sync(candidates=casework_candidates(now=now, pupil_ids=ids), scope=scope, now=now)


def alert_resolve(*, rule_id: str, pupil_id: int, episode_key: str, actor, reason: str, now: dt.datetime) -> None:
    """Close the live alert of this condition as actioned, by the person who resolved it."""
    alert = Alert.objects.filter(rule_id=rule_id, pupil_id=pupil_id, episode_key=episode_key,
                                 state__in=LIVE_STATES).first()
    if alert is not None:
        alert_action(alert=alert, actor=actor, reason=reason, now=now)


def _filtered(queryset, ids: list[int] | None, path: str = "pupil_id"):
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def _candidate(profiles: _Profiles, rule_id: str, *, pupil, episode_key: str, evidence: dict,
               explanation: str, urgent: bool = False) -> AlertCandidate | None:
    settings = profiles.settings(pupil.organisation_id, rule_id)
    if not settings.enabled:
        return None
    return AlertCandidate(
        rule_id=rule_id, pupil_id=pupil.pk, site_id=pupil.site_id, episode_key=episode_key,
        severity=URGENT if urgent else settings.severity, evidence=evidence, explanation=explanation,
        source=SOURCES[rule_id],
    )


def _concerns(ids, profiles, *, now, today) -> list[AlertCandidate]:
    found = []
    labels = dict(ConcernCategory.choices)
    for concern in _filtered(Concern.objects.filter(triage=""), ids).select_related("pupil", "raised_by"):
        raiser = concern.raised_by.get_full_name() or concern.raised_by.get_username()
        found.append(_candidate(
            profiles, R.CONCERN_AWAITING_TRIAGE, pupil=concern.pupil, episode_key=f"concern:{concern.pk}",
            evidence={"concern": concern.pk, "raised_at": concern.raised_at.isoformat(), "raised_by": raiser,
                      "categories": [labels.get(c, c) for c in concern.categories]},
            explanation=f"{raiser} raised a safeguarding concern on {timezone_date(concern.raised_at):%-d %B %Y}: "
                        "read it and decide what happens next.",
        ))
    return [c for c in found if c]


def _cme_notifications(ids, profiles, *, now, today) -> list[AlertCandidate]:
    found = []
    referrals = Referral.objects.filter(kind=ReferralKind.CME_NOTIFICATION, status=ReferralStatus.DRAFT,
                                        case__kind=CaseKind.CME, case__status__in=LIVE_CASE_STATUSES)
    for referral in _filtered(referrals, ids).select_related("pupil", "case").prefetch_related("case__enquiries"):
        overdue = today > referral.due_on
        enquiries = sorted({e.get_kind_display() for e in referral.case.enquiries.all()})
        found.append(_candidate(
            profiles, R.CME_NOTIFICATION_DUE, pupil=referral.pupil, episode_key=f"case:{referral.case_id}",
            evidence={"case": referral.case_id, "notification": referral.pk, "due_on": referral.due_on.isoformat(),
                      "overdue": overdue, "reasonable_enquiries_made": enquiries},
            explanation=(f"The local authority has not been told that this child is missing education; it was due "
                         f"by {referral.due_on:%A %-d %B %Y}." if overdue else
                         f"Tell the local authority that this child is missing education by "
                         f"{referral.due_on:%A %-d %B %Y}, with the reasonable enquiries made."),
            urgent=overdue,
        ))
    return [c for c in found if c]


def _return_home_interviews(ids, profiles, *, now, today) -> list[AlertCandidate]:
    found = []
    episodes = MissingEpisode.objects.filter(returned_at__isnull=False).exclude(
        return_home_interview__status__in=[InterviewStatus.COMPLETED, InterviewStatus.DECLINED])
    for episode in _filtered(episodes, ids).select_related("pupil"):
        hours = profiles.profile(episode.pupil.organisation_id).deadlines.return_home_interview_within_hours
        due_by = interview_due_by(episode.returned_at, hours)
        overdue = now > due_by
        local_due = due_by.astimezone(LONDON)
        found.append(_candidate(
            profiles, R.RETURN_HOME_INTERVIEW_DUE, pupil=episode.pupil, episode_key=f"episode:{episode.pk}",
            evidence={"episode": episode.pk, "returned_at": episode.returned_at.isoformat(),
                      "due_by": due_by.isoformat(), "hours": hours, "overdue": overdue},
            explanation=(f"The return home interview was due by {local_due:%A %-d %B %Y %H:%M}, {hours} hours after "
                         "the child came back, and is not recorded as done or declined."
                         if overdue else
                         f"The child came back from a missing episode: the return home interview is due by "
                         f"{local_due:%A %-d %B %Y %H:%M} ({hours} hours after the return)."),
            urgent=overdue,
        ))
    return [c for c in found if c]


def _repeat_episodes(ids, profiles, *, now, today) -> list[AlertCandidate]:
    by_pupil: dict[int, list[MissingEpisode]] = defaultdict(list)
    # The longest window a profile may set (profiles.RepeatMissingEpisodes.window_days).
    since = now - dt.timedelta(days=365)
    for episode in _filtered(MissingEpisode.objects.filter(last_seen_at__gt=since), ids).select_related("pupil"):
        by_pupil[episode.pupil_id].append(episode)
    found = []
    for episodes in by_pupil.values():
        pupil = episodes[0].pupil
        settings = profiles.settings(pupil.organisation_id, R.REPEAT_MISSING_EPISODES)
        window = [e for e in episodes if e.last_seen_at > now - dt.timedelta(days=settings.window_days)]
        if len(window) < settings.episodes:
            continue
        window.sort(key=lambda e: e.last_seen_at)
        found.append(_candidate(
            profiles, R.REPEAT_MISSING_EPISODES, pupil=pupil, episode_key=f"episodes-to:{window[-1].pk}",
            evidence={"episodes": [e.pk for e in window], "window_days": settings.window_days,
                      "dates": [timezone_date(e.last_seen_at).isoformat() for e in window]},
            explanation=f"{len(window)} missing episodes in the last {settings.window_days} days: consider a "
                        "strategy discussion with children's social care and the police.",
        ))
    return [c for c in found if c]


def _plan_reviews(ids, profiles, *, now, today) -> list[AlertCandidate]:
    found = []
    plans = ReintegrationPlan.objects.filter(ended_on__isnull=True, case__status__in=LIVE_CASE_STATUSES)
    for plan in _filtered(plans, ids).select_related("pupil", "part_time_timetable").prefetch_related("reviews"):
        due, what = _review_due(plan)
        if due is None or due >= today:
            continue
        found.append(_candidate(
            profiles, R.REINTEGRATION_REVIEW_OVERDUE, pupil=plan.pupil, episode_key=f"plan:{plan.pk}:{due.isoformat()}",
            evidence={"plan": plan.pk, "review_was_due": due.isoformat(), "what": what,
                      "days_overdue": (today - due).days},
            explanation=f"The {what} was due for review on {due:%A %-d %B %Y} and has not been reviewed.",
        ))
    return [c for c in found if c]


def _review_due(plan: ReintegrationPlan) -> tuple[dt.date | None, str]:
    """The earliest review owed: the plan's own, or its part-time timetable's when no review
    has been recorded on or after that date (C2 must be reviewed, reg 11(6) [C])."""
    owed = [(plan.next_review_on, "reintegration plan")]
    timetable = plan.part_time_timetable
    if timetable is not None and timetable.review_on is not None:
        reviewed = any(r.reviewed_on >= timetable.review_on for r in plan.reviews.all())
        if not reviewed:
            owed.append((timetable.review_on, "part-time timetable (C2)"))
    return min(owed)
