"""Reads of alerts and notifications, scoped to who is asking. Every inbox page goes through here.

Who sees (and may act on) which alerts; roles are `Membership` roles:

| role                                | alerts                                                           |
|-------------------------------------|------------------------------------------------------------------|
| dsl (the lead DSL, routing.py)      | DSL alerts of every site of the organisations where they are dsl |
| deputy_dsl                          | DSL alerts of their own site(s) only                             |
| attendance_officer                  | alerts routed to attendance officers (penalty notice threshold, the LA attendance and sickness returns) of their own site(s) |
| admin, teacher, pastoral, external  | none (the inbox answers 403)                                     |

Penalty-notice alerts are routed to attendance officers only, so no DSL sees them
(statutory.md §4 [S]). Opening an alert about a pupil is a safeguarding read: it is written
to the audit log here (style.md, "What this means for Safewell" §1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from safewell.accounts.models import Membership, Role, User
from safewell.audit.services import audit_read
from safewell.policy import evidence_text, rule_ids
from safewell.policy.models import (
    LIVE_STATES,
    SEVERITY_RANK,
    Alert,
    AlertAction,
    AlertActionKind,
    AlertState,
    Channel,
    Notification,
    Severity,
)
from safewell.policy.routing import (
    EXTERNAL_RECIPIENTS,
    PATTERN_CATEGORY,
    ROUTE_ATTENDANCE_OFFICER,
    ROUTE_DSL,
    WORKLIST_RULES,
    category_of,
    rule_delivery,
)
from safewell.pupils.models import ProfessionalRole, Pupil
from safewell.pupils.selectors import professionals_on

INBOX_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.ATTENDANCE_OFFICER})
ALERT_NOT_FOUND = "No such alert."
INBOX_PAGE_SIZE = 50
# The inbox's age filter: older than this many days.
AGE_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "Any age"), ("1", "Older than a day"), ("7", "Older than a week"), ("30", "Older than 30 days"),
)
STATE_CHOICES: tuple[tuple[str, str], ...] = (
    ("live", "Open or acknowledged"), (AlertState.OPEN, "Open"), (AlertState.ACKNOWLEDGED, "Acknowledged"),
    (AlertState.ACTIONED, "Actioned"), (AlertState.DISMISSED, "Dismissed"),
    (AlertState.RESOLVED, "Resolved by itself"), ("all", "All"),
)


# GOV.UK tag colours per severity; the word is always shown too, never colour alone.
SEVERITY_TAG = {
    Severity.URGENT: "govuk-tag--red", Severity.HIGH: "govuk-tag--orange",
    Severity.MEDIUM: "govuk-tag--yellow", Severity.LOW: "govuk-tag--grey",
}
STATE_TAG = {
    AlertState.OPEN: "govuk-tag--blue", AlertState.ACKNOWLEDGED: "govuk-tag--purple",
    AlertState.ACTIONED: "govuk-tag--green", AlertState.DISMISSED: "govuk-tag--grey",
    AlertState.RESOLVED: "govuk-tag--turquoise",
}


def uses_inbox(user: User) -> bool:
    """Whether `user` holds a role that receives alerts, at any site."""
    return user.is_authenticated and Membership.objects.filter(user=user, role__in=INBOX_ROLES).exists()


def alerts_visible_to(user: User) -> QuerySet[Alert]:
    """The alerts `user` may see and act on (the table in the module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return Alert.objects.none()
    memberships = Membership.objects.filter(user=user)
    lead_organisations = memberships.filter(role=Role.DSL).values("site__organisation_id")
    deputy_sites = memberships.filter(role=Role.DEPUTY_DSL).values("site_id")
    officer_sites = memberships.filter(role=Role.ATTENDANCE_OFFICER).values("site_id")
    return Alert.objects.filter(
        Q(routed_to_role=ROUTE_DSL) & (Q(organisation_id__in=lead_organisations) | Q(site_id__in=deputy_sites))
        | Q(routed_to_role=ROUTE_ATTENDANCE_OFFICER, site_id__in=officer_sites)
    ).select_related("site", "organisation", "pupil")


# --- The inbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilter:
    site: str = ""
    severity: str = ""
    state: str = "live"
    older_than_days: str = ""
    overdue_only: bool = False
    rule: str = ""

    @classmethod
    def from_query(cls, query) -> InboxFilter:
        """From the page's GET parameters; anything unknown is ignored, never a 500."""
        state = query.get("state", "live")
        severity = query.get("severity", "")
        age = query.get("age", "")
        return cls(
            site=query.get("site", ""),
            severity=severity if severity in Severity.values else "",
            state=state if state in dict(STATE_CHOICES) else "live",
            older_than_days=age if age in dict(AGE_CHOICES) else "",
            overdue_only=query.get("overdue") == "1",
            rule=query.get("rule", "") if query.get("rule", "") in rule_ids.RULE_IDS else "",
        )


@dataclass(frozen=True)
class InboxRow:
    alert: Alert
    category: str
    rule_meaning: str
    age_days: int
    is_overdue: bool

    @property
    def severity_tag(self) -> str:
        return SEVERITY_TAG.get(self.alert.severity, "")

    @property
    def state_tag(self) -> str:
        return STATE_TAG.get(self.alert.state, "")

    @property
    def about(self) -> str:
        if self.alert.pupil_id:
            return self.alert.pupil.display_name
        if self.alert.rule_id == rule_ids.PATTERN_CO_ABSENCE_GROUP:
            return "A group of pupils"
        return self.alert.organisation.name


@dataclass
class ChildRow:
    """One child (or one group of pupils, or the organisation) in the inbox: their live
    concerns, the newest evidence in words, the next thing to do and by when."""

    about: str
    pupil: Pupil | None
    place: str
    concerns: list[InboxRow]
    case_open: bool

    @property
    def lead(self) -> InboxRow:
        return self.concerns[0]

    @property
    def newest(self) -> Alert:
        """The alert whose evidence leads the row: the most severe concern's, then the newest."""
        return max((row.alert for row in self.concerns),
                   key=lambda a: (SEVERITY_RANK.get(a.severity, 0), a.evidence_updated_at, a.pk))

    @property
    def waiting(self) -> list[InboxRow]:
        return [row for row in self.concerns if row.alert.state == AlertState.OPEN]

    @property
    def next_action(self) -> str:
        if self.waiting:
            return "Acknowledge" if len(self.waiting) == 1 else f"Acknowledge {len(self.waiting)} alerts"
        if any(row.alert.is_live for row in self.concerns):
            return "Act, then close with the outcome"
        return "Nothing: closed"

    @property
    def deadline(self) -> dt.datetime | None:
        return min((row.alert.due_by for row in self.waiting), default=None)

    @property
    def is_overdue(self) -> bool:
        return any(row.is_overdue for row in self.concerns)

    @property
    def rank(self) -> tuple:
        """Most urgent first, then the newest evidence."""
        return (-max(SEVERITY_RANK.get(r.alert.severity, 0) for r in self.concerns),
                -self.newest.evidence_updated_at.timestamp())


@dataclass
class Inbox:
    rows: list[ChildRow]
    page: Page
    filters: InboxFilter
    sites: list[tuple[str, str]]
    overdue_count: int
    live_count: int
    unread_notifications: int = 0
    worklists: list[WorklistLine] = field(default_factory=list)
    rules: list[tuple[str, str]] = field(default_factory=list)
    severities: list[tuple[str, str]] = field(default_factory=lambda: list(Severity.choices))


def is_overdue(alert: Alert, now: dt.datetime) -> bool:
    """Not acknowledged by its deadline (an acknowledged alert has stopped the clock)."""
    return alert.state == AlertState.OPEN and alert.due_by <= now


def _by_child(alerts: list[Alert], now: dt.datetime) -> list[ChildRow]:
    """The alerts gathered per child (a group alert or an organisation's: a row of its own),
    each child's concerns most severe first."""
    rows: dict[tuple, ChildRow] = {}
    for alert in alerts:
        key = ("pupil", alert.pupil_id) if alert.pupil_id else ("alert", alert.pk)
        if key not in rows:
            place = alert.site.name if alert.site_id else alert.organisation.name
            row = InboxRow(alert=alert, category="", rule_meaning="", age_days=0, is_overdue=False)
            rows[key] = ChildRow(about=row.about, pupil=alert.pupil, place=place, concerns=[], case_open=False)
        rows[key].concerns.append(InboxRow(
            alert=alert, category=category_of(alert.rule_id), rule_meaning=rule_meaning(alert.rule_id),
            age_days=(now - alert.raised_at).days, is_overdue=is_overdue(alert, now),
        ))
    with_case = _pupils_with_an_open_case([pupil for kind, pupil in rows if kind == "pupil"], now)
    for (kind, pupil_id), row in rows.items():
        row.case_open = kind == "pupil" and pupil_id in with_case
    return list(rows.values())


def _pupils_with_an_open_case(pupil_ids: list[int], now: dt.datetime) -> set[int]:
    """Pupils with an open safeguarding case: the marker the safeguarding app registers
    with pupils/vulnerability.py (policy cannot import that app)."""
    from django.utils import timezone

    from safewell.pupils.vulnerability import vulnerable_pupils

    if not pupil_ids:
        return set()
    found = vulnerable_pupils(today=timezone.localdate(now), markers={"open_case"}, pupil_ids=pupil_ids)
    return {pupil for pupil, held in found.items() if "open_case" in held.kinds}


def _severity_order() -> Case:
    return Case(*(When(severity=s, then=Value(rank)) for s, rank in SEVERITY_RANK.items()),
                default=Value(0), output_field=IntegerField())


def alert_inbox(user: User, *, filters: InboxFilter, now: dt.datetime, page_number: str | int = 1) -> Inbox:
    """The user's alerts, one row per child, most severe and newest evidence first; the
    worklists' entries are not alerts (routing.WORKLIST_RULES): one line each instead."""
    visible = alerts_visible_to(user).exclude(rule_id__in=WORKLIST_RULES)
    alerts = visible
    if filters.site:
        alerts = alerts.filter(site__code=filters.site)
    if filters.severity:
        alerts = alerts.filter(severity=filters.severity)
    if filters.state == "live":
        alerts = alerts.filter(state__in=LIVE_STATES)
    elif filters.state != "all":
        alerts = alerts.filter(state=filters.state)
    if filters.older_than_days:
        alerts = alerts.filter(raised_at__lte=now - dt.timedelta(days=int(filters.older_than_days)))
    overdue = Q(state=AlertState.OPEN, due_by__lte=now)
    if filters.overdue_only:
        alerts = alerts.filter(overdue)
    if filters.rule:
        alerts = alerts.filter(rule_id=filters.rule)
    alerts = alerts.annotate(severity_rank=_severity_order()).order_by("-severity_rank", "-evidence_updated_at", "pk")
    children = sorted(_by_child(list(alerts), now), key=lambda row: row.rank)
    page = Paginator(children, INBOX_PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    sites = sorted(set(visible.filter(site__isnull=False).values_list("site__code", "site__name")),
                   key=lambda pair: pair[1])
    return Inbox(
        rows=rows, page=page, filters=filters, sites=sites,
        overdue_count=visible.filter(overdue).count(),
        live_count=visible.filter(state__in=LIVE_STATES).count(),
        unread_notifications=unread_notification_count(user),
        worklists=worklists_for(user, now=now),
        rules=sorted({(r, _rule_filter_label(r)) for r in visible.values_list("rule_id", flat=True).distinct()},
                     key=lambda pair: pair[1]),
    )


def _rule_filter_label(rule_id: str) -> str:
    """A rule's name in the filter: its category, and for the several pattern rules, which
    pattern ("Attendance pattern: repeated lateness (L/U)"), so no two options read alike."""
    category = category_of(rule_id)
    return f"{category}: {rule_meaning(rule_id)}" if category == PATTERN_CATEGORY else category


# --- Worklists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistLine:
    """One worklist in one line: "Persistent absence: 44 pupils, 2 new today"."""

    rule_id: str
    category: str
    pupils: int
    new_today: int

    @property
    def words(self) -> str:
        pupils = f"{self.pupils} pupil{'' if self.pupils == 1 else 's'}"
        return f"{self.category}: {pupils}" + (f", {self.new_today} new today" if self.new_today else "")


def worklist_entries(user: User, rule_id: str) -> QuerySet[Alert]:
    """The live entries of one worklist the user may see, newest first."""
    if rule_id not in WORKLIST_RULES:
        raise Http404(ALERT_NOT_FOUND)
    return (alerts_visible_to(user).filter(rule_id=rule_id, state__in=LIVE_STATES)
            .order_by("-raised_at", "pupil__legal_surname", "pk"))


def worklists_for(user: User, *, now: dt.datetime) -> list[WorklistLine]:
    """The user's worklists that have anyone on them, in a fixed order."""
    from django.utils import timezone

    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    lines = []
    for rule_id in sorted(WORKLIST_RULES):
        entries = alerts_visible_to(user).filter(rule_id=rule_id, state__in=LIVE_STATES)
        count = entries.count()
        if count:
            lines.append(WorklistLine(rule_id, category_of(rule_id), count,
                                      entries.filter(raised_at__gte=midnight).count()))
    return lines


def rule_meaning(rule_id: str) -> str:
    rule = rule_ids.RULES_BY_ID.get(rule_id)
    return rule.meaning if rule else rule_id


# --- Links to other apps' pages -------------------------------------------------------------------
#
# An app below policy in design.md's order adds its own actions to the alert page (the
# safeguarding app: "open a case from this alert, carrying its evidence") by registering a
# function from its AppConfig.ready(); policy never imports it. Each function answers, for
# one alert and one user, the links that user may follow (an empty list when none).


@dataclass(frozen=True)
class AlertLink:
    label: str
    url: str
    # "post": a one-click button (a form with the CSRF token), for an action that writes.
    method: str = "get"
    hint: str = ""


AlertLinkFunction = Callable[[Alert, User], list[AlertLink]]
_ALERT_LINKS: dict[str, AlertLinkFunction] = {}


def register_alert_links(name: str, function: AlertLinkFunction) -> None:
    """Let the app `name` add links to the alert page (idempotent per name)."""
    _ALERT_LINKS[name] = function


def alert_links(alert: Alert, user: User) -> list[AlertLink]:
    return [link for name in sorted(_ALERT_LINKS) for link in _ALERT_LINKS[name](alert, user)]


# --- One alert ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlaggedSession:
    date: dt.date
    session: str
    code: str

    @property
    def code_text(self) -> str:
        """The code with its meaning; "no mark" where the register has none."""
        return evidence_text.code_words(self.code) if self.code else "no mark"


@dataclass(frozen=True)
class LessonLine:
    """One lesson of the evidence (the engine's `lessons_missed` items)."""

    date: str
    period: str
    subject: str
    teaching_class: str
    teacher: str
    code: str
    pupil: str  # for a group's lessons: whose mark it is

    @classmethod
    def of(cls, item: dict, names: dict[int, str]) -> LessonLine:
        def text(*keys: str) -> str:
            return next((str(item[k]) for k in keys if item.get(k) not in (None, "")), "")
        pupil = item.get("pupil")
        code = text("code")
        return cls(evidence_text.text(text("date")), text("period"), text("subject"), text("class"), text("teacher"),
                   evidence_text.code_words(code) if code else "",
                   names.get(pupil, str(pupil)) if pupil is not None else "")


def _lesson_items(evidence: dict) -> list[dict]:
    """The lessons behind an alert: `lessons_missed` (the engine's key), or `lessons` when it
    is a list (some rules use `lessons` for a count)."""
    for key in ("lessons_missed", "lessons"):
        items = evidence.get(key)
        if isinstance(items, list):
            return [item for item in items if isinstance(item, dict)]
    return []


@dataclass(frozen=True)
class ToTell:
    """Someone outside the school the DSL should tell, with how to reach them."""

    who: str
    name: str
    organisation: str
    phone: str
    email: str
    when: str


@dataclass
class AlertDetail:
    alert: Alert
    can_act: bool
    is_overdue: bool
    category: str
    rule_meaning: str
    rule_source: str
    peers: list[Pupil]
    actions: list[AlertAction]
    notifications: list[Notification]
    sessions: list[FlaggedSession]
    lessons: list[LessonLine]
    figures: list[tuple[str, str]]
    other_evidence: list[tuple[str, str]]
    to_tell: list[ToTell]
    links: list[AlertLink] = field(default_factory=list)

    @property
    def resolved_reason(self) -> str:
        """What ended the condition, as the engine recorded it when it resolved the alert."""
        return next((a.reason for a in reversed(self.actions) if a.action == AlertActionKind.RESOLVE), "")

    @property
    def severity_tag(self) -> str:
        return SEVERITY_TAG.get(self.alert.severity, "")

    @property
    def state_tag(self) -> str:
        return STATE_TAG.get(self.alert.state, "")

    @property
    def flagged(self) -> frozenset[tuple[dt.date, str]]:
        return frozenset((s.date, s.session) for s in self.sessions)


def alert_for_user(user: User, alert_id: int) -> tuple[Alert, bool]:
    """(alert, can_act), or Http404 when `user` may not see it: an alert routed to someone
    else does not exist, as far as they can tell. Not audited: for actions, not reading."""
    alert = alerts_visible_to(user).filter(pk=alert_id).first()
    if alert is None:
        raise Http404(ALERT_NOT_FOUND)
    return alert, True


def alert_detail_for_user(user: User, alert_id: int, *, now: dt.datetime, today: dt.date) -> AlertDetail:
    """Everything the alert page shows; the read is written to the audit log here."""
    alert, can_act = alert_for_user(user, alert_id)
    peers = list(Pupil.objects.filter(pk__in=alert.peers.values("pupil_id")).select_related("site"))
    audit_read(
        target=alert,
        detail=f"alert {alert.rule_id}" + (f" about pupil {alert.pupil_id}" if alert.pupil_id else "")
        + (f" with {len(peers)} peer(s)" if peers else ""),
    )
    evidence = alert.evidence or {}
    rule = rule_ids.RULES_BY_ID.get(alert.rule_id)
    names = {p.pk: p.display_name for p in peers}
    if alert.pupil_id:
        names[alert.pupil_id] = alert.pupil.display_name
    return AlertDetail(
        alert=alert, can_act=can_act, is_overdue=is_overdue(alert, now),
        category=category_of(alert.rule_id),
        rule_meaning=rule.meaning if rule else alert.rule_id, rule_source=rule.source if rule else "",
        peers=peers,
        actions=list(alert.actions.select_related("actor").order_by("at", "pk")),
        notifications=list(alert.notifications.select_related("recipient").order_by("created_at", "pk")),
        sessions=with_register_codes(flagged_sessions(evidence), alert.pupil_id),
        lessons=[LessonLine.of(item, names) for item in _lesson_items(evidence)],
        figures=[(str(k).capitalize(), evidence_text.text(v)) for k, v in (evidence.get("figures") or {}).items()]
        if isinstance(evidence.get("figures"), dict) else [],
        other_evidence=_other_evidence(evidence, names),
        to_tell=_to_tell(alert, today),
        links=alert_links(alert, user),
    )


def _other_evidence(evidence: dict, names: dict[int, str]) -> list[tuple[str, str]]:
    """The evidence not shown in its own table, in words (policy/evidence_text.py); a
    group's pairs by the pupils' names."""
    # The sessions table shows the dates, session by session.
    skip = {"figures", "dates", *(["lessons"] if isinstance(evidence.get("lessons"), list) else [])}
    rows = evidence_text.evidence_rows(evidence, skip=skip | {"pairs"})
    if "pairs" in evidence:
        rows.append((evidence_text.label("pairs"), _pairs_named(evidence["pairs"], names)))
    return rows


def _pairs_named(pairs, names: dict[int, str]) -> str:
    """A group's {"12-15": 5} pair counts as "Ash Example and Bay Example: 5 together"."""
    if not isinstance(pairs, dict):
        return evidence_text.text(pairs)
    def name(text: str) -> str:
        return names.get(int(text), text) if text.isdigit() else text
    return "; ".join(
        f"{' and '.join(name(part) for part in str(key).split('-'))}: {count} together" for key, count in pairs.items()
    )


def flagged_sessions(evidence: dict) -> list[FlaggedSession]:
    """The sessions the evidence names: `sessions`, both halves of each of `dates`, and the
    sessions of the missed lessons (a group's lessons are its members', so not those)."""
    found: dict[tuple[dt.date, str], FlaggedSession] = {}
    lessons = [item for item in _lesson_items(evidence) if "pupil" not in item]
    sessions = evidence.get("sessions", [])
    for item in [*(sessions if isinstance(sessions, list) else []), *lessons]:
        if isinstance(item, dict) and item.get("date") and item.get("session") in ("AM", "PM"):
            day = evidence_text.as_date(item["date"])
            if day and (day, item["session"]) not in found:
                found[(day, item["session"])] = FlaggedSession(day, item["session"], str(item.get("code", "")))
    dates = evidence.get("dates", [])
    for text in dates if isinstance(dates, list) else []:
        day = evidence_text.as_date(text)
        if day:
            for session in ("AM", "PM"):
                found.setdefault((day, session), FlaggedSession(day, session, ""))
    return sorted(found.values(), key=lambda s: (s.date, s.session))


def with_register_codes(sessions: list[FlaggedSession], pupil_id: int | None) -> list[FlaggedSession]:
    """Fill in the code of sessions the evidence names by date only (`dates`) from the
    register, so the table shows the codes the calendar above it shows (issue 11 §6)."""
    from safewell.attendance.models import Mark

    blank = [s for s in sessions if not s.code]
    if pupil_id is None or not blank:
        return sessions
    codes = {(d, s): c for d, s, c in Mark.objects.filter(
        pupil_id=pupil_id, date__in={s.date for s in blank}).values_list("date", "session", "code")}
    return [s if s.code else FlaggedSession(s.date, s.session, codes.get((s.date, s.session), "")) for s in sessions]


# Who to tell outside the school when the profile does not say (the defaults): a
# vulnerable child's social worker or virtual school the same day (statutory.md §5.1-5.2
# [S]); for the CME step, the LA, and the placing school of a pupil in AP (seed 000 §7).
DEFAULT_TO_TELL: dict[str, tuple[str, ...]] = {
    rule_ids.VULNERABLE_UNEXPLAINED_ABSENCE: ("social_worker", "virtual_school", "placing_school"),
    rule_ids.CME_TEN_DAYS: ("local_authority", "placing_school", "social_worker", "virtual_school"),
}
_WHO = {
    "social_worker": "Social worker", "virtual_school": "Virtual school",
    "placing_school": "Placing school", "local_authority": "Local authority (CME)",
}


def _to_tell(alert: Alert, today: dt.date) -> list[ToTell]:
    if alert.pupil_id is None:
        return []
    notify = rule_delivery(alert.organisation, alert.rule_id).notify
    wanted = [r for r in notify if r in EXTERNAL_RECIPIENTS] or list(DEFAULT_TO_TELL.get(alert.rule_id, ()))
    when = "today" if alert.rule_id == rule_ids.VULNERABLE_UNEXPLAINED_ABSENCE else "as the policy says"
    found: list[ToTell] = []
    pupil = alert.pupil
    for who in wanted:
        if who in (ProfessionalRole.SOCIAL_WORKER, ProfessionalRole.VIRTUAL_SCHOOL):
            for person in professionals_on(pupil, today, role=who):
                found.append(ToTell(_WHO[who], person.name, person.organisation, person.phone, person.email, when))
        elif who == "placing_school":
            enrolment = pupil.enrolments.filter(placing_school__isnull=False).select_related("placing_school").first()
            contact = enrolment.daily_attendance_contact if enrolment else None
            if contact:
                name, email, phone = contact
                found.append(ToTell(_WHO[who], name, enrolment.placing_school.name, phone, email, "the same day"))
        elif who == "local_authority" and alert.organisation.local_authority_name:
            found.append(ToTell(_WHO[who], "Children missing education officer",
                                alert.organisation.local_authority_name, "", "", "by the due date"))
    return found


# --- Notifications --------------------------------------------------------------------------------


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP).select_related(
        "alert", "alert__site"
    ).order_by("-created_at", "-pk")


def unread_notification_count(user: User) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()
