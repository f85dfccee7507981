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
from safewell.policy.models import (
    LIVE_STATES,
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
from safewell.policy.routing import ROUTE_DSL, lead_dsls, route_for, rule_delivery, team_for
from safewell.policy.selectors import alerts_visible_to
from safewell.schools.models import Site

logger = logging.getLogger("safewell.policy.alerts")

# --- Messages (module constants, so tests can refer to them) -----------------------------------

REASON_REQUIRED_TO_ACTION = "Say what was done: an alert is closed as actioned with its outcome."
REASON_REQUIRED_TO_DISMISS = "Say why no action is needed: the reason not to act is a record too."
ALERT_ALREADY_CLOSED = "This alert is already {state}: it cannot be changed."
ALERT_ALREADY_ACKNOWLEDGED = "This alert has already been acknowledged."
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
        if len(self.alerts) <= DIGEST_AFTER:
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
    # Live alerts in the scope that no candidate renewed: marked "condition no longer met".
    no_longer_met: list[int] = field(default_factory=list)
    # Candidates whose alert a human already actioned or dismissed: left alone.
    already_closed: list[int] = field(default_factory=list)
    notifications_queued: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.updated or self.no_longer_met)


_Key = tuple[int, str, int | None, str]  # organisation, rule, pupil (None: a group), episode


def alerts_sync(*, candidates: list[AlertCandidate], scope: EvaluationScope, now: dt.datetime) -> SyncResult:
    """Make the alerts agree with what the engine found, in the caller's transaction.

    - A candidate with no alert for its (rule, pupil, episode) opens one, routed, with its
      notifications queued.
    - A candidate whose alert is open or acknowledged renews it: new evidence, explanation
      and severity are written when they differ; never a second alert (the partial unique
      index `alert_one_live_per_rule_pupil_episode` holds this even against a racing sync).
    - A candidate whose alert was actioned or dismissed is left alone: a person closed it.
    - A live alert inside `scope` that no candidate renews is marked "condition no longer
      met" (`condition_cleared_at`) and left for a person to close.
    """
    for candidate in candidates:
        if candidate.severity not in Severity.values:
            raise ValidationError(UNKNOWN_SEVERITY.format(
                severity=candidate.severity, rule_id=candidate.rule_id, choices=", ".join(Severity.values)))
    result = SyncResult()
    with transaction.atomic():
        sites = {s.pk: s for s in Site.objects.select_related("organisation").filter(
            pk__in={c.site_id for c in candidates})}
        existing = _existing_alerts(candidates, scope, sites)
        wanted: dict[_Key, AlertCandidate] = {}
        for candidate in candidates:
            wanted[_key_of(candidate, sites)] = candidate  # a repeated candidate: the last wins
        to_open = []
        for key, candidate in wanted.items():
            alert = existing.get(key)
            if alert is None:
                to_open.append(candidate)
            elif not alert.is_live:
                result.already_closed.append(alert.pk)
            elif _renew(alert, candidate, now):
                result.updated.append(alert.pk)
            else:
                result.unchanged.append(alert.pk)
        _save_renewed(existing, result.updated)
        _peers_replace([existing[k] for k in wanted if k in existing and existing[k].pk in result.updated], wanted, sites)
        opened = _open(to_open, sites, now)
        result.opened = [a.pk for a in opened]
        result.no_longer_met = _mark_no_longer_met(existing, wanted, scope, now)
        result.notifications_queued = notifications_queue(alerts=opened, kind=NotificationKind.RAISED, now=now)
        _audit_sync(result, scope)
    return result


def _audit_sync(result: SyncResult, scope: EvaluationScope) -> None:
    """One audit event per evaluation that changed anything, naming every alert it opened,
    renewed or found no longer met. One event, not one per alert: a school's first nightly
    run opens thousands, each alert row records its own rule, evidence and times, and the
    marks behind them are audited where they are written. Actions by people are audited one
    by one (`_transition`)."""
    if not result.changed:
        return
    audit_log(
        action=Action.CREATE if result.opened else Action.UPDATE,
        target_type="policy.alert", target_id="",
        changes={"opened": [None, result.opened], "renewed": [None, result.updated],
                 "no_longer_met": [None, result.no_longer_met]},
        detail=(f"evaluation ({'full' if scope.is_full else 'incremental'}): {len(result.opened)} opened, "
                f"{len(result.updated)} renewed, {len(result.no_longer_met)} no longer met"),
    )


def _key_of(candidate: AlertCandidate, sites: dict[int, Site]) -> _Key:
    return (sites[candidate.site_id].organisation_id, candidate.rule_id, candidate.pupil_id, candidate.episode_key)


def _alert_key(alert: Alert) -> _Key:
    return (alert.organisation_id, alert.rule_id, alert.pupil_id, alert.episode_key)


_CHUNK = 500


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _existing_alerts(
    candidates: Sequence[AlertCandidate], scope: EvaluationScope, sites: dict[int, Site]
) -> dict[_Key, Alert]:
    """The alerts the sync may touch: every live alert in the scope, and any alert (closed
    too) with a candidate's key. A live alert wins over a closed one with the same key.

    Whole rows are loaded only for those: the candidates' keys are first matched against
    narrow (id, key, state) tuples, because a nightly run's candidates are mostly renewals
    of live alerts the first query already holds."""
    found: dict[int, Alert] = {a.pk: a for a in Alert.objects.filter(_scope_filter(scope), state__in=LIVE_STATES)}
    held = {_alert_key(a) for a in found.values()}
    missing = {_key_of(c, sites) for c in candidates} - held
    wanted_ids = [pk for pk, key in _keys_of_alerts_like(candidates, missing, sites) if key in missing]
    for chunk in _chunks(sorted(wanted_ids)):
        found.update((a.pk, a) for a in Alert.objects.filter(pk__in=chunk))
    by_key: dict[_Key, Alert] = {}
    for alert in sorted(found.values(), key=lambda a: (a.is_live, a.pk)):
        by_key[_alert_key(alert)] = alert  # live and newest last, so they win
    return by_key


_KEY_FIELDS = ("pk", "organisation_id", "rule_id", "pupil_id", "episode_key")


def _keys_of_alerts_like(
    candidates: Sequence[AlertCandidate], missing: set[_Key], sites: dict[int, Site]
) -> Iterable[tuple[int, _Key]]:
    """(id, key) of every alert, in any state, of the pupils (or groups) of the missing keys."""
    if not missing:
        return
    pupil_ids = sorted({key[2] for key in missing if key[2] is not None})
    rules = sorted({key[1] for key in missing})
    for chunk in _chunks(pupil_ids):
        for pk, organisation_id, rule_id, pupil_id, episode in Alert.objects.filter(
            pupil_id__in=chunk, rule_id__in=rules
        ).values_list(*_KEY_FIELDS):
            yield pk, (organisation_id, rule_id, pupil_id, episode)
    groups = [key for key in missing if key[2] is None]
    if groups:
        for pk, organisation_id, rule_id, pupil_id, episode in Alert.objects.filter(
            pupil__isnull=True, organisation_id__in={k[0] for k in groups},
            rule_id__in={k[1] for k in groups}, episode_key__in={k[3] for k in groups},
        ).values_list(*_KEY_FIELDS):
            yield pk, (organisation_id, rule_id, pupil_id, episode)


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


def _renew(alert: Alert, candidate: AlertCandidate, now: dt.datetime) -> bool:
    """Bring a live alert's evidence up to date; True when anything changed."""
    changed = False
    for name, value in (
        ("evidence", candidate.evidence), ("explanation", candidate.explanation),
        ("severity", candidate.severity), ("source", candidate.source),
    ):
        if getattr(alert, name) != value:
            setattr(alert, name, value)
            changed = True
    if alert.condition_cleared_at is not None:
        alert.condition_cleared_at = None  # met again: the same episode continues
        changed = True
    if changed:
        alert.evidence_updated_at = now
    return changed


_RENEWED_FIELDS = ["evidence", "explanation", "severity", "source", "condition_cleared_at", "evidence_updated_at"]


def _save_renewed(existing: dict[_Key, Alert], ids: Sequence[int]) -> None:
    if not ids:
        return
    wanted = set(ids)
    alerts = [a for a in existing.values() if a.pk in wanted]
    Alert.objects.bulk_update(alerts, _RENEWED_FIELDS, batch_size=500)


def _open(candidates: Sequence[AlertCandidate], sites: dict[int, Site], now: dt.datetime) -> list[Alert]:
    if not candidates:
        return []
    cache: dict = {}
    alerts = [_alert_from(c, sites[c.site_id], now, cache) for c in candidates]
    try:
        with transaction.atomic():
            created = Alert.objects.bulk_create(alerts, batch_size=500)
    except IntegrityError:
        # Another evaluation (the register's incremental one, the nightly run) opened some of
        # these after we looked. Open one by one; a conflict means the alert exists: fine.
        created = [a for a in (_open_one(alert) for alert in alerts) if a is not None]
    AlertPeer.objects.bulk_create([
        AlertPeer(alert=alert, pupil_id=pupil_id)
        for alert, candidate in zip(alerts, candidates) if alert.pk
        for pupil_id in sorted(set(candidate.peers) - {candidate.pupil_id})
    ], ignore_conflicts=True)
    return created


def _open_one(alert: Alert) -> Alert | None:
    """Insert one alert; None when a live one with its key exists (the racing sync wrote the
    same candidate, so nothing is missing: the next run renews it)."""
    try:
        with transaction.atomic():
            alert.save(force_insert=True)
        return alert
    except IntegrityError:
        alert.pk = None
        return None


def _alert_from(candidate: AlertCandidate, site: Site, now: dt.datetime, cache: dict) -> Alert:
    delivery = rule_delivery(site.organisation, candidate.rule_id, cache=cache)
    return Alert(
        organisation=site.organisation, site=site, pupil_id=candidate.pupil_id,
        rule_id=candidate.rule_id, episode_key=candidate.episode_key, severity=candidate.severity,
        state=AlertState.OPEN, raised_at=now, due_by=now + dt.timedelta(hours=delivery.acknowledge_within_hours),
        evidence=candidate.evidence, explanation=candidate.explanation, source=candidate.source,
        routed_to_role=route_for(candidate.rule_id), evidence_updated_at=now,
    )


def _peers_replace(alerts: Sequence[Alert], wanted: dict[_Key, AlertCandidate], sites: dict[int, Site]) -> None:
    """A renewed group alert's members may change (a pupil joins or leaves the group)."""
    groups = [a for a in alerts if a.pupil_id is None]
    for alert in groups:
        members = set(wanted[_alert_key(alert)].peers)
        current = set(alert.peers.values_list("pupil_id", flat=True))
        if members != current:
            alert.peers.filter(pupil_id__in=current - members).delete()
            AlertPeer.objects.bulk_create([AlertPeer(alert=alert, pupil_id=p) for p in sorted(members - current)])


def _mark_no_longer_met(
    existing: dict[_Key, Alert], wanted: dict[_Key, AlertCandidate], scope: EvaluationScope, now: dt.datetime
) -> list[int]:
    cleared = [
        alert for key, alert in existing.items()
        if alert.is_live and key not in wanted and alert.condition_cleared_at is None and _covers(scope, alert)
    ]
    if not cleared:
        return []
    ids = [a.pk for a in cleared]
    for chunk in _chunks(ids):
        Alert.objects.filter(pk__in=chunk, condition_cleared_at__isnull=True).update(condition_cleared_at=now)
    return ids


def _covers(scope: EvaluationScope, alert: Alert) -> bool:
    if scope.organisation_id is not None and alert.organisation_id != scope.organisation_id:
        return False
    if alert.pupil_id is None and scope.pupil_ids is not None:
        # A group alert was looked at when one of its members was (the engine evaluates the
        # touched pupils' lesson groups).
        if scope.rule_ids and alert.rule_id not in scope.rule_ids:
            return False
        return bool(set(alert.peers.values_list("pupil_id", flat=True)) & scope.pupil_ids)
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


_REASON_REQUIRED = {
    AlertActionKind.ACTION: REASON_REQUIRED_TO_ACTION,
    AlertActionKind.DISMISS: REASON_REQUIRED_TO_DISMISS,
}


def _transition(
    *, alert: Alert, actor: User, reason: str, now: dt.datetime | None, kind: str, to_state: str,
    from_states: Sequence[str],
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
            state=to_state, closed_at=now if closing else None,
        )
        if not changed:
            alert.refresh_from_db()
            if alert.state == AlertState.ACKNOWLEDGED and kind == AlertActionKind.ACKNOWLEDGE:
                raise ValidationError(ALERT_ALREADY_ACKNOWLEDGED)
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
        .order_by("due_by", "pk")
    )
    escalated: list[int] = []
    cache: dict = {}
    leads_by_organisation: dict[int, list[User]] = defaultdict(list)
    for alert in due:
        with transaction.atomic():
            # Claimed with a conditional UPDATE: two scheduler ticks escalate it once.
            if not Alert.objects.filter(pk=alert.pk, state=AlertState.OPEN, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue
            alert.escalated_at = now
            if alert.organisation_id not in leads_by_organisation:
                leads_by_organisation[alert.organisation_id] = lead_dsls(alert.organisation_id)
            leads = leads_by_organisation[alert.organisation_id]
            AlertAction.objects.create(
                alert=alert, action=AlertActionKind.ESCALATE, actor=None, at=now,
                reason=f"Not acknowledged by {timezone.localtime(alert.due_by):%-d %b %Y %H:%M}; "
                       f"escalated to the lead DSL ({len(leads)} people).",
            )
            audit_log(action=Action.UPDATE, target=alert, changes={"escalated_at": [None, now]},
                      detail="alert escalated to the lead DSL")
            notifications_queue(alerts=[alert], kind=NotificationKind.ESCALATED, now=now,
                                delivery_cache=cache, recipients=leads)
            escalated.append(alert.pk)
    if escalated:
        logger.info("Escalated %d alert(s) to the lead DSL", len(escalated))
    return escalated
