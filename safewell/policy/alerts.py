"""Alert services: raise and renew alerts from the engine's candidates, the lifecycle
(acknowledge, action, dismiss), escalation, and the outbox rows for notifications.

Every write here runs in the caller's transaction (design.md principle 4): the engine
evaluates and calls `alerts_sync` inside one `transaction.atomic()`, so an alert and its
notifications commit with the marks that raised them, or not at all. Only delivery is
asynchronous (policy/tasks.py).

Who an alert goes to, and the lead DSL, are routing.py's.

## Escalation

An open DSL alert not acknowledged by its `due_by` (raised_at + the profile's
`acknowledge_within_hours` for the rule) is escalated to the lead DSLs once: `escalated_at`
is set, an `escalate` action recorded, and notifications queued. Attendance-officer alerts
are never escalated to a DSL (statutory.md §4); they show as overdue in the inbox.

## Evidence shape (what the inbox reads from `AlertCandidate.evidence`)

Any JSON is kept and shown; these keys are shown specially when present:
- `sessions`: [{"date": "2026-10-05", "session": "AM", "code": "N"}, ...]: highlighted on
  the pupil's calendar;
- `dates`: ["2026-10-05", ...]: both sessions of each day highlighted;
- `lessons`: [{"date", "lesson"|"subject", "teacher", "period", "code"}, ...];
- `figures`: {"label": value, ...};
- peers come from `AlertCandidate.peers` (stored as `AlertPeer` rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from safewell.accounts.models import User
from safewell.audit.models import Action
from safewell.audit.services import audit_log
from safewell.core.outbox import deliver_after_commit
from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope
from safewell.policy import evidence_text, rule_ids
from safewell.policy.models import (
    CLOSED_BY_PERSON_STATES,
    CLOSED_STATES,
    LIVE_STATES,
    PER_EPISODE_RULES,
    SEVERITY_RANK,
    Alert,
    AlertAction,
    AlertActionKind,
    AlertPeer,
    AlertState,
    Channel,
    Notification,
    NotificationKind,
    Severity,
    StaffAlertContact,
)
from safewell.policy.routing import (
    ROUTE_DSL,
    WORKLIST_RULES,
    acknowledge_deadline,
    alerting_of,
    category_of,
    lead_dsls,
    route_for,
    rule_delivery,
    team_for,
)
from safewell.policy.selectors import alerts_visible_to
from safewell.schools.models import Site

logger = logging.getLogger("safewell.policy.alerts")

# --- Messages (module constants, so tests can refer to them) -----------------------------------

REASON_REQUIRED_TO_ACTION = "Say what was done: an alert is closed as actioned with its outcome."
REASON_REQUIRED_TO_DISMISS = "Say why no action is needed: the reason not to act is a record too."
ALERT_ALREADY_CLOSED = "This alert is already {state}: it cannot be changed."
ALERT_ALREADY_ACKNOWLEDGED = "This alert has already been acknowledged."
REASON_REQUIRED_TO_REOPEN = "Say why you are reopening it: the reason is a record too."
ALERT_ALREADY_OPEN = "This alert is already open."
ALERT_ALREADY_LIVE = "Another alert about this child and concern is open (alert {number}): use that one."
NOTHING_PICKED = "Tick at least one alert."
UNKNOWN_DECISION = "Choose acknowledge, close as actioned or dismiss."
NOT_YOURS_TO_ACT_ON = "Only the people this alert is routed to may act on it."
UNKNOWN_SEVERITY = "Unknown severity {severity!r} for rule {rule_id}: use one of {choices}."

def _address(user: User, channel: str, phones: dict[int, str]) -> str:
    if channel == Channel.EMAIL:
        return user.email
    if channel == Channel.SMS:
        return phones.get(user.pk, "")
    return ""


def _phones(users: Iterable[User]) -> dict[int, str]:
    return dict(
        StaffAlertContact.objects.filter(user__in=list(users), sms_enabled=True)
        .exclude(mobile_phone="").values_list("user_id", "mobile_phone")
    )


# More alerts than this for one person by one channel in one go (a school's first nightly
# run) become one digest message, not a flood of them.
DIGEST_AFTER = 3


@dataclass
class _Outgoing:
    """The alerts one person hears of by one channel from one call."""

    user: User
    channel: str
    address: str
    label: str
    alerts: list[Alert] = field(default_factory=list)

    def rows(self, kind: str, now: dt.datetime) -> list[Notification]:
        common = dict(kind=kind, recipient=self.user, address=self.address, recipient_label=self.label,
                      channel=self.channel, next_attempt_at=now, created_at=now)
        who = f"{kind}:{self.channel}:user:{self.user.pk}"
        # An escalation is always one message naming how many (issue 11 §3).
        if len(self.alerts) <= (DIGEST_AFTER if kind == NotificationKind.RAISED else 1):
            return [Notification(alert=a, dedupe_key=f"alert:{a.pk}:{who}", **common) for a in self.alerts]
        lead = max(self.alerts, key=lambda a: (SEVERITY_RANK.get(a.severity, 0), -a.pk))
        ids = ",".join(str(pk) for pk in sorted(a.pk for a in self.alerts))
        digest = hashlib.sha256(ids.encode()).hexdigest()[:20]
        return [Notification(alert=lead, alert_count=len(self.alerts), dedupe_key=f"digest:{digest}:{who}", **common)]


def notifications_queue(
    *, alerts: Sequence[Alert], kind: str, now: dt.datetime, delivery_cache: dict | None = None,
    recipients: Sequence[User] | None = None,
) -> int:
    """Write the outbox rows for `alerts` (in the caller's transaction) and ask the worker to
    deliver them once that transaction commits. Returns the rows written; a row whose
    dedupe_key exists already is skipped, so calling this twice never queues twice.
    `recipients` replaces the routed team (escalation to the lead DSLs)."""
    cache = {} if delivery_cache is None else delivery_cache
    alerts = [a for a in alerts if a.rule_id not in WORKLIST_RULES]  # told by the digest's line
    teams: dict[tuple, tuple[list[User], str, dict[int, str]]] = {}
    outgoing: dict[tuple[int, str], _Outgoing] = {}
    for alert in alerts:
        delivery = rule_delivery(alert.organisation, alert.rule_id, cache=cache)
        team_key = (alert.organisation_id, alert.site_id, alert.routed_to_role, delivery.notify)
        if team_key not in teams:
            users, label = (list(recipients), "the lead DSL") if recipients is not None else team_for(alert, delivery.notify)
            teams[team_key] = (users, label, _phones(users))
        users, label, phones = teams[team_key]
        for user in users:
            for channel in delivery.channels:
                if kind == NotificationKind.RAISED and alert.severity != Severity.URGENT and channel != Channel.IN_APP:
                    continue  # not urgent: in the app now, by email in the next digest (digests.py)
                address = _address(user, channel, phones)
                if channel != Channel.IN_APP and not address:
                    continue  # no email address or mobile number: the in-app one still reaches them
                slot = outgoing.setdefault((user.pk, channel), _Outgoing(user, channel, address, label))
                slot.alerts.append(alert)
    rows = [row for slot in outgoing.values() for row in slot.rows(kind, now)]
    if not rows:
        return 0
    existing: set[str] = set()
    for chunk in _chunks([r.dedupe_key for r in rows]):
        existing.update(Notification.objects.filter(dedupe_key__in=chunk).values_list("dedupe_key", flat=True))
    written = Notification.objects.bulk_create([r for r in rows if r.dedupe_key not in existing], batch_size=500)
    if written:
        deliver_after_commit(Notification)
    return len(written)


# --- alerts_sync ------------------------------------------------------------------------------


@dataclass
class SyncResult:
    """What one `alerts_sync` changed, by alert id."""

    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    # Alerts the engine had resolved whose condition is met again: open again, same row.
    reopened: list[int] = field(default_factory=list)
    # Live alerts in the scope that no candidate renewed: closed as resolved by themselves
    # (or, when a person reopened one, marked "condition no longer met" for them to close).
    no_longer_met: list[int] = field(default_factory=list)
    # Candidates whose episode a person already actioned or dismissed: left alone.
    already_closed: list[int] = field(default_factory=list)
    notifications_queued: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.updated or self.reopened or self.no_longer_met)


_Key = tuple[int, str, int | None, str]  # organisation, rule, pupil (None: a group), episode
# What makes two alerts the same concern: organisation, rule, pupil and, for the rules in
# PER_EPISODE_RULES and for groups, the episode ("" otherwise).
_Concern = tuple[int, str, int | None, str]

# What ends each rule's condition, in words: "Resolved by <this>, <when>" (issue 11 §1).
RESOLVED_BY: dict[str, str] = {
    rule_ids.CONTINUOUS_ABSENCE: "the end of the run of absence (the child came back or a reason was recorded)",
    rule_ids.CME_TEN_DAYS: "the end of the run of absence (the child came back or a reason was recorded)",
    rule_ids.ATTENDANCE_RETURN_10_DAY: "the end of the run of absence (the child came back or a reason was recorded)",
    rule_ids.DELETION_GROUND_20_DAY: "the end of the run of absence (the child came back or a reason was recorded)",
    rule_ids.SICKNESS_RETURN_15_DAY: "fewer days of illness than the return counts",
    rule_ids.PERSISTENT_ABSENCE: "attendance rising above the persistent absence threshold",
    rule_ids.SEVERE_ABSENCE: "attendance rising above the severe absence threshold",
    rule_ids.PENALTY_NOTICE_THRESHOLD: "fewer unauthorised sessions in the last ten school weeks than the threshold",
    rule_ids.VULNERABLE_UNEXPLAINED_ABSENCE: "a reason recorded for the absence, or the child's return",
    rule_ids.FIRST_DAY_CONTACT_LADDER: "contact with the family, or a reason recorded for the absence",
    rule_ids.NO_CONTACT_SAFEGUARDING: "contact with the family, or a reason recorded for the absence",
    rule_ids.POLICY_REVIEW_DUE: "the policy profile's review",
    rule_ids.CONCERN_AWAITING_TRIAGE: "the concern's triage",
    rule_ids.CME_NOTIFICATION_DUE: "the notification to the local authority, or the case's closing",
    rule_ids.RETURN_HOME_INTERVIEW_DUE: "the return home interview being recorded",
    rule_ids.REPEAT_MISSING_EPISODES: "fewer missing episodes in the window than the rule counts",
    rule_ids.REINTEGRATION_REVIEW_OVERDUE: "the plan's review",
}
RESOLVED_BY_PATTERN = "the pattern no longer holding over the weeks looked at"
RESOLVED_REASON = "Resolved by {what}, {when}{found}."
JOINED_REASON = "Resolved by joining alert {into}: the same group of pupils, reported once as its largest group, {when}."
MET_AGAIN_REASON = "Open again: the condition is met again, {when}."


def resolved_reason(rule_id: str, now: dt.datetime, cause: str = "") -> str:
    """"Resolved by the child's return …, Monday 7 December 2026 at 09:12 (seen when a
    register was saved)." """
    return RESOLVED_REASON.format(
        what=RESOLVED_BY.get(rule_id, RESOLVED_BY_PATTERN), when=_when(now),
        found=f" (seen when {cause})" if cause else "",
    )


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%A %-d %B %Y} at {local:%H:%M}"


def alerts_sync(*, candidates: list[AlertCandidate], scope: EvaluationScope, now: dt.datetime,
                cause: str = "", notify: bool = True) -> SyncResult:
    """Make the alerts agree with what the engine found, in the caller's transaction.
    `cause`, in words, is what made this evaluation run ("a register was saved"): it goes
    into the reason of every alert that resolves itself. `notify=False` (a replay of
    history) queues no notifications: nobody is told today of what was true last month.

    - Candidates are gathered per concern (`_Concern`): one live alert per child and rule,
      whatever the episodes (a group of pupils: one per overlapping group). A concern with
      no live alert opens one, routed, with its notifications queued; if the engine had
      resolved an alert of one of these episodes, that alert opens again instead.
    - A concern whose alert is live renews it: new evidence, explanation and severity, and
      the new episodes; never a second alert (the partial unique indexes hold this even
      against a racing sync).
    - A candidate whose episode a person actioned or dismissed is left alone: they decided.
    - A live alert inside `scope` that no candidate renews resolves itself, saying what
      ended it and when. One a person reopened stays for them to close.
    """
    for candidate in candidates:
        if candidate.severity not in Severity.values:
            raise ValidationError(UNKNOWN_SEVERITY.format(
                severity=candidate.severity, rule_id=candidate.rule_id, choices=", ".join(Severity.values)))
    result = SyncResult()
    with transaction.atomic():
        sites = {s.pk: s for s in Site.objects.select_related("organisation").filter(
            pk__in={c.site_id for c in candidates})}
        live = _live_alerts(candidates, scope, sites, now)
        closed = _closed_episodes(candidates, sites)
        fresh: list[AlertCandidate] = []
        for candidate in candidates:
            found = closed.by_person.get(_key_of(candidate, sites))
            if found is not None:
                result.already_closed.append(found)
            else:
                fresh.append(candidate)
        peers = _live_group_members(live)
        wanted = _by_concern(fresh, sites, live, peers)
        to_open: list[tuple[AlertCandidate, list[str]]] = []
        to_reopen: list[tuple[int, AlertCandidate, list[str]]] = []
        for concern, (candidate, episodes) in wanted.items():
            alert = live.get(concern)
            if alert is not None:
                (result.updated if _renew(alert, candidate, episodes, now) else result.unchanged).append(alert.pk)
                continue
            resolved = next((closed.resolved[(concern[0], concern[1], concern[2], e)] for e in episodes
                             if (concern[0], concern[1], concern[2], e) in closed.resolved), None)
            if resolved is not None and resolved not in {pk for pk, _, _ in to_reopen}:
                to_reopen.append((resolved, candidate, episodes))
            else:
                to_open.append((candidate, episodes))
        _save_renewed(live, result.updated)
        _peers_replace([a for c, a in live.items() if c in wanted and a.pk in result.updated], wanted)
        reopened = _reopen_met_again(to_reopen, now)
        result.reopened = [a.pk for a in reopened]
        opened = _open(to_open, sites, now)
        result.opened = [a.pk for a in opened]
        result.no_longer_met = _resolve_no_longer_met(live, wanted, scope, now, cause, peers)
        if notify:
            result.notifications_queued = notifications_queue(
                alerts=opened + reopened, kind=NotificationKind.RAISED, now=now)
        _audit_sync(result, scope)
    return result


def _audit_sync(result: SyncResult, scope: EvaluationScope) -> None:
    """One audit event per evaluation that changed anything, naming every alert it opened,
    renewed, opened again or resolved. One event, not one per alert: a school's first
    nightly run opens thousands, each alert row records its own rule, evidence and times,
    and the marks behind them are audited where they are written. Actions by people are
    audited one by one (`_transition`)."""
    if not result.changed:
        return
    audit_log(
        action=Action.CREATE if result.opened else Action.UPDATE,
        target_type="policy.alert", target_id="",
        changes={"opened": [None, result.opened], "renewed": [None, result.updated],
                 "reopened": [None, result.reopened], "resolved": [None, result.no_longer_met]},
        detail=(f"evaluation ({'full' if scope.is_full else 'incremental'}): {len(result.opened)} opened, "
                f"{len(result.updated)} renewed, {len(result.reopened)} met again, "
                f"{len(result.no_longer_met)} resolved"),
    )


def _key_of(candidate: AlertCandidate, sites: dict[int, Site]) -> _Key:
    return (sites[candidate.site_id].organisation_id, candidate.rule_id, candidate.pupil_id, candidate.episode_key)


def _concern_of(organisation_id: int, rule_id: str, pupil_id: int | None, episode_key: str) -> _Concern:
    if pupil_id is None or rule_id in PER_EPISODE_RULES:
        return (organisation_id, rule_id, pupil_id, episode_key)
    return (organisation_id, rule_id, pupil_id, "")


def _alert_concern(alert: Alert) -> _Concern:
    return _concern_of(alert.organisation_id, alert.rule_id, alert.pupil_id, alert.episode_key)


_CHUNK = 500


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _live_alerts(candidates: Sequence[AlertCandidate], scope: EvaluationScope,
                 sites: dict[int, Site], now: dt.datetime) -> dict[_Concern, Alert]:
    """Every live alert in the scope, and any live alert of a candidate's pupil and rule, or
    group and rule, outside it (a candidate must renew it, never open a second), by concern.
    An evaluation as of `now` never resolves an alert raised after it (a replay of last
    month runs after this morning's registers raised theirs)."""
    found: dict[int, Alert] = {a.pk: a for a in Alert.objects.filter(
        _scope_filter(scope), state__in=LIVE_STATES, raised_at__lte=now)}
    held = {(a.rule_id, a.pupil_id) for a in found.values()}
    missing = {(c.rule_id, c.pupil_id) for c in candidates if c.pupil_id is not None} - held
    pupil_ids = sorted({pupil for _, pupil in missing})
    rules = sorted({rule for rule, _ in missing})
    for chunk in _chunks(pupil_ids):
        found.update((a.pk, a) for a in Alert.objects.filter(
            pupil_id__in=chunk, rule_id__in=rules, state__in=LIVE_STATES) if (a.rule_id, a.pupil_id) in missing)
    groups = [c for c in candidates if c.pupil_id is None]
    if groups:
        # Every live group alert a group candidate may overlap, members in the scope or not.
        found.update((a.pk, a) for a in Alert.objects.filter(
            pupil__isnull=True, state__in=LIVE_STATES, rule_id__in={c.rule_id for c in groups},
            organisation_id__in={sites[c.site_id].organisation_id for c in groups}))
    return {_alert_concern(a): a for a in sorted(found.values(), key=lambda a: a.pk)}


@dataclass
class _Closed:
    # Episodes a person closed (actioned or dismissed): the alert's id.
    by_person: dict[_Key, int] = field(default_factory=dict)
    # Episodes of alerts the engine resolved (and no person has closed since): the newest.
    resolved: dict[_Key, int] = field(default_factory=dict)


def _closed_episodes(candidates: Sequence[AlertCandidate], sites: dict[int, Site]) -> _Closed:
    """The closed alerts of the candidates' pupils (or groups) and rules, by episode."""
    closed = _Closed()
    pupil_ids = sorted({c.pupil_id for c in candidates if c.pupil_id is not None})
    rules = sorted({c.rule_id for c in candidates})
    queries = [Alert.objects.filter(pupil_id__in=chunk, rule_id__in=rules) for chunk in _chunks(pupil_ids)]
    groups = [c for c in candidates if c.pupil_id is None]
    if groups:
        queries.append(Alert.objects.filter(
            pupil__isnull=True, organisation_id__in={sites[c.site_id].organisation_id for c in groups},
            rule_id__in={c.rule_id for c in groups}))
    for query in queries:
        rows = query.filter(state__in=CLOSED_STATES).order_by("pk").values_list(
            "pk", "organisation_id", "rule_id", "pupil_id", "state", "episode_keys")
        for pk, organisation_id, rule_id, pupil_id, state, episodes in rows:
            for episode in episodes or []:
                key = (organisation_id, rule_id, pupil_id, episode)
                if state in CLOSED_BY_PERSON_STATES:
                    closed.by_person[key] = pk
                else:
                    closed.resolved[key] = pk
    return closed


def _live_group_members(live: dict[_Concern, Alert]) -> dict[int, set[int]]:
    """The members of each live group alert (co-absence), by alert id."""
    ids = [a.pk for a in live.values() if a.pupil_id is None]
    members: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(ids):
        for alert_id, pupil_id in AlertPeer.objects.filter(alert_id__in=chunk).values_list("alert_id", "pupil_id"):
            members[alert_id].add(pupil_id)
    return members


def _by_concern(
    candidates: Sequence[AlertCandidate], sites: dict[int, Site], live: dict[_Concern, Alert],
    peers: dict[int, set[int]],
) -> dict[_Concern, tuple[AlertCandidate, list[str]]]:
    """The candidates gathered into one per concern, with the episodes each gathers.

    A group of pupils is one concern with any live group alert it shares a member with
    (the largest such alert carries it on), so a group that grows, shrinks or splits is
    reported once, as its largest group (issue 11 §1)."""
    gathered: dict[_Concern, list[AlertCandidate]] = defaultdict(list)
    # Live groups, then this run's groups, largest first: a group joins the first it overlaps.
    groups: list[tuple[_Concern, int, str, set[int]]] = [
        (_alert_concern(a), a.organisation_id, a.rule_id, peers.get(a.pk, set()))
        for a in sorted((a for a in live.values() if a.pupil_id is None), key=lambda a: (-len(peers.get(a.pk, ())), a.pk))
    ]
    for candidate in sorted(candidates, key=lambda c: -len(c.peers)):
        organisation_id = sites[candidate.site_id].organisation_id
        concern = _concern_of(organisation_id, candidate.rule_id, candidate.pupil_id, candidate.episode_key)
        if candidate.pupil_id is None and concern not in live:
            members = set(candidate.peers)
            # A live group carries on the largest group overlapping it, and only that one:
            # a group that split keeps one alert per part, as a fresh evaluation would.
            concern = next((c for c, o, rule, held in groups if rule == candidate.rule_id and o == organisation_id
                            and held & members and not (c in live and c in gathered)), concern)
            groups.append((concern, organisation_id, candidate.rule_id, members))
        gathered[concern].append(candidate)
    return {concern: _merged(found) for concern, found in gathered.items()}


# Evidence lists that gather across a concern's episodes (alerts.py module docstring).
_GATHERED = ("sessions", "dates", "lessons_missed")
MORE_EPISODES = " Earlier days in this alert: {days}."
MORE_EXPLANATIONS = " And {count} more."


def _merged(candidates: list[AlertCandidate]) -> tuple[AlertCandidate, list[str]]:
    """One candidate for a concern: the most severe (then largest, newest) episode leads; the lists of
    sessions, dates and lessons of every episode are gathered; the episodes are kept."""
    ordered = sorted(candidates, key=lambda c: (SEVERITY_RANK.get(c.severity, 0), len(c.peers), c.episode_key))
    lead = ordered[-1]
    episodes = sorted({c.episode_key for c in candidates})
    if len(ordered) == 1:
        return lead, episodes
    evidence = dict(lead.evidence)
    for name in _GATHERED:
        items, seen = [], set()
        for candidate in sorted(candidates, key=lambda c: c.episode_key):
            values = candidate.evidence.get(name)
            for item in values if isinstance(values, list) else []:
                text = json.dumps(item, sort_keys=True)
                if text not in seen:
                    seen.add(text)
                    items.append(item)
        if items:
            evidence[name] = items
    explanation = lead.explanation + _more(lead, ordered[:-1])
    return AlertCandidate.of_rule(
        rule_id=lead.rule_id, pupil_id=lead.pupil_id, site_id=lead.site_id, episode_key=lead.episode_key,
        severity=lead.severity, evidence=evidence, explanation=explanation, source=lead.source,
        peers=sorted({p for c in candidates for p in c.peers}),
    ), episodes


def _more(lead: AlertCandidate, others: list[AlertCandidate]) -> str:
    """The other episodes in words: their days when the episodes are days, else their own
    explanations (a second subject, a second teacher), three at most."""
    days = [evidence_text.as_date(c.episode_key) for c in others]
    if all(days):
        return MORE_EPISODES.format(days=", ".join(f"{d:%A %-d %B}" for d in sorted(days)))
    texts = [c.explanation for c in reversed(others) if c.explanation != lead.explanation]
    texts = list(dict.fromkeys(texts))
    extra = " " + " ".join(texts[:3]) if texts else ""
    return extra + (MORE_EXPLANATIONS.format(count=len(texts) - 3) if len(texts) > 3 else "")


def _scope_filter(scope: EvaluationScope) -> Q:
    condition = Q()
    if scope.organisation_id is not None:
        condition &= Q(organisation_id=scope.organisation_id)
    if scope.site_id is not None:
        condition &= Q(site_id=scope.site_id)
    if scope.rule_ids:
        condition &= Q(rule_id__in=sorted(scope.rule_ids))
    if scope.pupil_ids is not None:
        # An incremental run: the touched pupils' alerts, and group alerts they are in.
        ids = sorted(scope.pupil_ids)
        condition &= Q(pupil_id__in=ids) | Q(pupil__isnull=True, peers__pupil_id__in=ids)
    return condition


def _renew(alert: Alert, candidate: AlertCandidate, episodes: list[str], now: dt.datetime) -> bool:
    """Bring a live alert's evidence up to date; True when anything changed."""
    changed = False
    gathered = sorted(set(alert.episode_keys or [alert.episode_key]) | set(episodes))
    for name, value in (
        ("evidence", candidate.evidence), ("explanation", candidate.explanation),
        ("severity", candidate.severity), ("source", candidate.source), ("episode_keys", gathered),
    ):
        if getattr(alert, name) != value:
            setattr(alert, name, value)
            changed = True
    if alert.condition_cleared_at is not None:
        alert.condition_cleared_at = None  # met again: the same concern continues
        changed = True
    if changed:
        alert.evidence_updated_at = now
    return changed


_RENEWED_FIELDS = ["evidence", "explanation", "severity", "source", "episode_keys", "condition_cleared_at",
                   "evidence_updated_at"]


def _save_renewed(live: dict[_Concern, Alert], ids: Sequence[int]) -> None:
    if not ids:
        return
    wanted = set(ids)
    alerts = [a for a in live.values() if a.pk in wanted]
    Alert.objects.bulk_update(alerts, _RENEWED_FIELDS, batch_size=500)


def _reopen_met_again(to_reopen: Sequence[tuple[int, AlertCandidate, list[str]]], now: dt.datetime) -> list[Alert]:
    """Alerts the engine had resolved whose episode is met again (a mark amended back):
    the same alert opens again, so its record stays one story."""
    reopened: list[Alert] = []
    for pk, candidate, episodes in to_reopen:
        with transaction.atomic():
            if not Alert.objects.filter(pk=pk, state=AlertState.RESOLVED).update(
                state=AlertState.OPEN, closed_at=None, condition_cleared_at=None, raised_at=now,
            ):
                continue
            alert = Alert.objects.select_related("organisation", "site").get(pk=pk)
            _renew(alert, candidate, episodes, now)
            alert.due_by = acknowledge_by(alert.organisation, candidate.rule_id, now)
            alert.escalated_at = None
            alert.save(update_fields=[*_RENEWED_FIELDS, "due_by", "escalated_at"])
            AlertAction.objects.create(alert=alert, action=AlertActionKind.REOPEN, actor=None, at=now,
                                       reason=MET_AGAIN_REASON.format(when=_when(now)))
            reopened.append(alert)
    return reopened


def _open(to_open: Sequence[tuple[AlertCandidate, list[str]]], sites: dict[int, Site], now: dt.datetime) -> list[Alert]:
    if not to_open:
        return []
    cache: dict = {}
    alerts = [_alert_from(c, episodes, sites[c.site_id], now, cache) for c, episodes in to_open]
    try:
        with transaction.atomic():
            created = Alert.objects.bulk_create(alerts, batch_size=500)
    except IntegrityError:
        # Another evaluation (the register's incremental one, the nightly run) opened some of
        # these after we looked. Open one by one; a conflict means the alert exists: fine.
        created = [a for a in (_open_one(alert) for alert in alerts) if a is not None]
    AlertPeer.objects.bulk_create([
        AlertPeer(alert=alert, pupil_id=pupil_id)
        for alert, (candidate, _) in zip(alerts, to_open) if alert.pk
        for pupil_id in sorted(set(candidate.peers) - {candidate.pupil_id})
    ], ignore_conflicts=True)
    return created


def _open_one(alert: Alert) -> Alert | None:
    """Insert one alert; None when a live one of its concern exists (the racing sync wrote
    the same candidate, so nothing is missing: the next run renews it)."""
    try:
        with transaction.atomic():
            alert.save(force_insert=True)
        return alert
    except IntegrityError:
        alert.pk = None
        return None


def _alert_from(candidate: AlertCandidate, episodes: list[str], site: Site, now: dt.datetime, cache: dict) -> Alert:
    return Alert(
        organisation=site.organisation, site=site, pupil_id=candidate.pupil_id,
        rule_id=candidate.rule_id, episode_key=candidate.episode_key, episode_keys=episodes,
        severity=candidate.severity, state=AlertState.OPEN, raised_at=now,
        due_by=acknowledge_by(site.organisation, candidate.rule_id, now, cache=cache),
        evidence=candidate.evidence, explanation=candidate.explanation, source=candidate.source,
        routed_to_role=route_for(candidate.rule_id), evidence_updated_at=now,
    )


def acknowledge_by(organisation, rule_id: str, raised_at: dt.datetime, *, cache: dict | None = None) -> dt.datetime:
    """The acknowledgement deadline of an alert raised at `raised_at`: the rule's hours,
    counted from when someone can first see it (routing.acknowledge_deadline)."""
    cache = {} if cache is None else cache
    delivery = rule_delivery(organisation, rule_id, cache=cache)
    return acknowledge_deadline(raised_at, delivery.acknowledge_within_hours, alerting_of(organisation, cache=cache))


def _peers_replace(alerts: Sequence[Alert], wanted: dict[_Concern, tuple[AlertCandidate, list[str]]]) -> None:
    """A renewed group alert's members may change (a pupil joins or leaves the group)."""
    for alert in (a for a in alerts if a.pupil_id is None):
        members = set(wanted[_alert_concern(alert)][0].peers)
        current = set(alert.peers.values_list("pupil_id", flat=True))
        if members != current:
            alert.peers.filter(pupil_id__in=current - members).delete()
            AlertPeer.objects.bulk_create([AlertPeer(alert=alert, pupil_id=p) for p in sorted(members - current)])


def _resolve_no_longer_met(
    live: dict[_Concern, Alert], wanted: dict[_Concern, tuple[AlertCandidate, list[str]]],
    scope: EvaluationScope, now: dt.datetime, cause: str, peers: dict[int, set[int]],
) -> list[int]:
    """Close every live alert in the scope that nothing renewed, as resolved by itself
    (one that does not resolve itself is only marked "no longer met": `_resolves_itself`)."""
    ended = [alert for concern, alert in live.items()
             if concern not in wanted and _covers(scope, alert, peers)]
    if not ended:
        return []
    held = [a.pk for a in ended if not _resolves_itself(a) and a.condition_cleared_at is None]
    for chunk in _chunks(held):
        Alert.objects.filter(pk__in=chunk).update(condition_cleared_at=now)
    closing = [a for a in ended if _resolves_itself(a)]
    joined = _joined_groups(closing, live, wanted, peers)
    for chunk in _chunks([a.pk for a in closing]):
        Alert.objects.filter(pk__in=chunk, state__in=LIVE_STATES).update(
            state=AlertState.RESOLVED, closed_at=now, condition_cleared_at=now)
    AlertAction.objects.bulk_create([
        AlertAction(alert=alert, action=AlertActionKind.RESOLVE, actor=None, at=now,
                    reason=JOINED_REASON.format(into=joined[alert.pk], when=_when(now)) if alert.pk in joined
                    else resolved_reason(alert.rule_id, now, cause))
        for alert in closing
    ], batch_size=500)
    return held + [a.pk for a in closing]


def _resolves_itself(alert: Alert) -> bool:
    """Not one a person reopened (they close it), nor a case-work alert: the safeguarding
    app closes those in the name of the person whose record ended the condition (the
    interview, the notification sent), right after this sync (casework_alerts.alert_resolve)."""
    return alert.reopened_at is None and alert.rule_id not in rule_ids.CASEWORK_RULE_IDS


def _joined_groups(closing: Sequence[Alert], live: dict[_Concern, Alert],
                   wanted: dict[_Concern, tuple[AlertCandidate, list[str]]], peers: dict[int, set[int]]) -> dict[int, int]:
    """Group alerts that end because a larger overlapping group carries them on: into which."""
    carried = {alert.pk: set(wanted[concern][0].peers) for concern, alert in live.items()
               if concern in wanted and alert.pupil_id is None}
    joined: dict[int, int] = {}
    for alert in (a for a in closing if a.pupil_id is None):
        into = next((pk for pk, members in carried.items() if members & peers.get(alert.pk, set())), None)
        if into is not None:
            joined[alert.pk] = into
    return joined


def _covers(scope: EvaluationScope, alert: Alert, peers: dict[int, set[int]]) -> bool:
    if scope.organisation_id is not None and alert.organisation_id != scope.organisation_id:
        return False
    if alert.pupil_id is None and scope.pupil_ids is not None:
        # A group alert was looked at when one of its members was (the engine evaluates the
        # touched pupils' lesson groups).
        if scope.rule_ids and alert.rule_id not in scope.rule_ids:
            return False
        return bool(peers.get(alert.pk, set()) & scope.pupil_ids)
    return scope.covers(rule_id=alert.rule_id, pupil_id=alert.pupil_id, site_id=alert.site_id)


# --- The lifecycle ------------------------------------------------------------------------------


def can_act_on(user: User, alert: Alert) -> bool:
    """Whoever may see an alert may act on it: the people it is routed to (selectors.py)."""
    return alerts_visible_to(user).filter(pk=alert.pk).exists()


def alert_acknowledge(*, alert: Alert, actor: User, reason: str = "", now: dt.datetime | None = None) -> Alert:
    """open → acknowledged: someone has seen it and is on it (stops the escalation clock)."""
    return _transition(alert=alert, actor=actor, reason=reason, now=now, kind=AlertActionKind.ACKNOWLEDGE,
                       to_state=AlertState.ACKNOWLEDGED, from_states=(AlertState.OPEN,))


def alert_action(*, alert: Alert, actor: User, reason: str, now: dt.datetime | None = None) -> Alert:
    """open or acknowledged → actioned, with the outcome (required)."""
    return _transition(alert=alert, actor=actor, reason=reason, now=now, kind=AlertActionKind.ACTION,
                       to_state=AlertState.ACTIONED, from_states=LIVE_STATES)


def alert_dismiss(*, alert: Alert, actor: User, reason: str, now: dt.datetime | None = None) -> Alert:
    """open or acknowledged → dismissed, with the reason not to act (required)."""
    return _transition(alert=alert, actor=actor, reason=reason, now=now, kind=AlertActionKind.DISMISS,
                       to_state=AlertState.DISMISSED, from_states=LIVE_STATES)


def alert_reopen(*, alert: Alert, actor: User, reason: str, now: dt.datetime | None = None) -> Alert:
    """actioned, dismissed or resolved → acknowledged, with why (required): the person who
    reopens it is on it, and the engine no longer resolves it by itself."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _transition(alert=alert, actor=actor, reason=reason, now=now, kind=AlertActionKind.REOPEN,
                               to_state=AlertState.ACKNOWLEDGED, from_states=CLOSED_STATES,
                               also={"reopened_at": now, "condition_cleared_at": None})
    except IntegrityError:
        live = Alert.objects.filter(rule_id=alert.rule_id, pupil_id=alert.pupil_id, state__in=LIVE_STATES).first()
        raise ValidationError(ALERT_ALREADY_LIVE.format(number=live.pk if live else "")) from None


def alerts_decide_many(*, alerts: Sequence[Alert], decision: str, actor: User, reason: str,
                       now: dt.datetime | None = None) -> int:
    """Acknowledge, action or dismiss several alerts with one recorded reason: all of them
    or none (one transaction; the first refusal undoes the rest). Returns how many."""
    if not alerts:
        raise ValidationError({"alert": NOTHING_PICKED})
    step = {"acknowledge": alert_acknowledge, "action": alert_action, "dismiss": alert_dismiss}.get(decision)
    if step is None:
        raise ValidationError({"decision": UNKNOWN_DECISION})
    now = now or timezone.now()
    with transaction.atomic():
        for alert in alerts:
            try:
                step(alert=alert, actor=actor, reason=reason, now=now)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    raise
                raise ValidationError({"alert": f"{category_of(alert.rule_id)} about "
                                                f"{alert.pupil.display_name if alert.pupil_id else 'a group'}: "
                                                f"{' '.join(error.messages)}"}) from None
    return len(alerts)


_REASON_REQUIRED = {
    AlertActionKind.ACTION: REASON_REQUIRED_TO_ACTION,
    AlertActionKind.DISMISS: REASON_REQUIRED_TO_DISMISS,
    AlertActionKind.REOPEN: REASON_REQUIRED_TO_REOPEN,
}


def _transition(
    *, alert: Alert, actor: User, reason: str, now: dt.datetime | None, kind: str, to_state: str,
    from_states: Sequence[str], also: dict | None = None,
) -> Alert:
    now = now or timezone.now()
    reason = (reason or "").strip()
    if kind in _REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _REASON_REQUIRED[kind]})
    if not can_act_on(actor, alert):
        raise PermissionDenied(NOT_YOURS_TO_ACT_ON)
    closing = to_state not in LIVE_STATES
    with transaction.atomic():
        # A conditional UPDATE: two people pressing at once cannot both close it, and a
        # stale page cannot reopen a closed alert.
        changed = Alert.objects.filter(pk=alert.pk, state__in=list(from_states)).update(
            state=to_state, closed_at=now if closing else None, **(also or {}),
        )
        if not changed:
            alert.refresh_from_db()
            if alert.state == AlertState.ACKNOWLEDGED and kind == AlertActionKind.ACKNOWLEDGE:
                raise ValidationError(ALERT_ALREADY_ACKNOWLEDGED)
            if kind == AlertActionKind.REOPEN:
                raise ValidationError(ALERT_ALREADY_OPEN)
            raise ValidationError(ALERT_ALREADY_CLOSED.format(state=alert.get_state_display().lower()))
        old_state = alert.state
        alert.refresh_from_db()
        AlertAction.objects.create(alert=alert, action=kind, reason=reason, actor=actor, at=now)
        audit_log(action=Action.UPDATE, target=alert, changes={"state": [old_state, alert.state]},
                  detail=f"alert {kind}" + (f": {reason}" if reason else ""))
    return alert


# --- Escalation -----------------------------------------------------------------------------------


def alerts_escalate_overdue(*, now: dt.datetime) -> list[int]:
    """Escalate to the lead DSLs every open DSL alert past its acknowledgement deadline, once.
    Returns the ids escalated. Attendance-officer alerts are never escalated to a DSL
    (statutory.md §4 [S])."""
    due = list(
        Alert.objects.select_related("organisation", "site")
        .filter(state=AlertState.OPEN, due_by__lte=now, escalated_at__isnull=True, routed_to_role=ROUTE_DSL)
        .exclude(rule_id__in=WORKLIST_RULES)
        .order_by("due_by", "pk")
    )
    escalated: list[int] = []
    by_organisation: dict[int, list[Alert]] = defaultdict(list)
    with transaction.atomic():
        for alert in due:
            # Claimed with a conditional UPDATE: two scheduler ticks escalate it once.
            if not Alert.objects.filter(pk=alert.pk, state=AlertState.OPEN, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            alert.escalated_at = now
            by_organisation[alert.organisation_id].append(alert)
            escalated.append(alert.pk)
        cache: dict = {}
        for organisation_id, alerts in by_organisation.items():
            leads = lead_dsls(organisation_id)
            for alert in alerts:
                AlertAction.objects.create(
                    alert=alert, action=AlertActionKind.ESCALATE, actor=None, at=now,
                    reason=f"Not acknowledged by {_when(alert.due_by)}; "
                           f"escalated to the lead DSL ({len(leads)} {'person' if len(leads) == 1 else 'people'}).",
                )
                audit_log(action=Action.UPDATE, target=alert, changes={"escalated_at": [None, now]},
                          detail="alert escalated to the lead DSL")
            # One message to each lead DSL by each channel, naming how many (issue 11 §3).
            notifications_queue(alerts=alerts, kind=NotificationKind.ESCALATED, now=now,
                                delivery_cache=cache, recipients=leads)
    if escalated:
        logger.info("Escalated %d alert(s) to the lead DSL", len(escalated))
    return escalated
