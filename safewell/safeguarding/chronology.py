"""One chronology per child: the safeguarding entries and, beside them, what other apps
already hold about the child (absences from the register, contact attempts from first-day
calling, alerts and what was decided about them), merged in event order.

Only the safeguarding entries live in this app (`ChronologyEntry`); the rest is read from
its own append-only source each time, so nothing is copied and nothing can disagree. Not
access-scoped and not audited: `selectors.chronology_for_user` is the way in.

Absences are shown as runs: consecutive absent sessions (authorised or unauthorised, in the
order the register has them: a present or not-possible session ends a run; a weekend or a
holiday, having no sessions, does not) make one item with their codes, rather than one line
per half day.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.urls import reverse

from safewell.attendance import codes
from safewell.attendance.codes import Category
from safewell.policy.evidence_text import code_words, long_date
from safewell.pupils.models import Pupil
from safewell.safeguarding.models import ChronologyEntry, EntryKind

LONDON = ZoneInfo("Europe/London")

# The chronology's filters: one group per kind of event (the list, in its order).
ABSENCES = "absences"
CONTACTS = "contacts"
ALERTS = "alerts"
FILTER_GROUPS: tuple[tuple[str, str], ...] = (
    (ABSENCES, "Absences"),
    (CONTACTS, "Contact attempts"),
    (ALERTS, "Alerts and decisions"),
    ("concerns", "Concerns"),
    ("notes", "Notes, meetings and decisions"),
    ("assessments", "Risk assessments"),
    ("referrals", "Referrals, notifications and enquiries"),
    ("checks", "Safe-and-well checks"),
    ("missing", "Missing episodes and return home interviews"),
    ("plans", "Reintegration plans and tasks"),
    ("documents", "Documents"),
    ("cases", "Cases opened and closed"),
    ("sharing", "Information shared"),
)
GROUP_KEYS = frozenset(key for key, _ in FILTER_GROUPS)
GROUP_OF_KIND: dict[str, str] = {
    EntryKind.NOTE: "notes", EntryKind.MEETING: "notes", EntryKind.DECISION: "notes",
    EntryKind.CASE: "cases", EntryKind.CONCERN: "concerns", EntryKind.ASSESSMENT: "assessments",
    EntryKind.REFERRAL: "referrals", EntryKind.ENQUIRY: "referrals", EntryKind.CHECK: "checks",
    EntryKind.MISSING_EPISODE: "missing", EntryKind.RETURN_HOME_INTERVIEW: "missing", EntryKind.PROFILE: "missing",
    EntryKind.REINTEGRATION: "plans", EntryKind.TASK: "plans", EntryKind.DOCUMENT: "documents",
    EntryKind.SHARING: "sharing",
}
ABSENT_CODES = frozenset(c.code for c in codes.CODES if c.category in (Category.AUTHORISED, Category.UNAUTHORISED))
# Where a session starts, for placing an absence among the day's events.
SESSION_TIME = {"AM": dt.time(8, 45), "PM": dt.time(13, 15)}


@dataclass(frozen=True)
class ChronologyFilter:
    groups: frozenset[str] = GROUP_KEYS
    start: dt.date | None = None
    end: dt.date | None = None
    case_id: int | None = None
    newest_first: bool = False

    def selection(self) -> dict:
        """As JSON, for the record of what was shared (AgencyExport.selection)."""
        return {
            "groups": sorted(self.groups), "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None, "case": self.case_id,
            "order": "newest first" if self.newest_first else "oldest first",
        }


@dataclass(frozen=True)
class Item:
    """One line of the chronology, whatever its source."""

    group: str
    kind_label: str
    event_at: dt.datetime
    title: str
    body: str = ""
    recorded_at: dt.datetime | None = None
    recorded_by: str = ""
    case_id: int | None = None
    entry_id: int | None = None
    corrects_id: int | None = None
    corrected_by: tuple[int, ...] = ()
    attendees: str = ""
    url: str = ""
    # For sorting items of the same moment: source, then id.
    order: tuple = field(default=(), compare=False)

    @property
    def is_backdated(self) -> bool:
        return self.recorded_at is not None and self.recorded_at - self.event_at > dt.timedelta(days=1)

    def as_json(self) -> dict:
        return {
            "group": self.group, "kind": self.kind_label, "event_at": self.event_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "recorded_by": self.recorded_by, "title": self.title, "body": self.body,
            "attendees": self.attendees, "case": self.case_id, "entry": self.entry_id,
            "corrects": self.corrects_id, "corrected_by": list(self.corrected_by),
        }


def build(pupil: Pupil, filters: ChronologyFilter) -> list[Item]:
    """The child's chronology under `filters`, oldest first, or newest first when asked."""
    items: list[Item] = list(_entries(pupil, filters))
    if filters.case_id is None:
        # Absences, contacts and alerts belong to the child, not to one case.
        if ABSENCES in filters.groups:
            items += _absences(pupil, filters)
        if CONTACTS in filters.groups:
            items += _contacts(pupil, filters)
        if ALERTS in filters.groups:
            items += _alerts(pupil, filters)
    return sorted(items, key=lambda item: (item.event_at, item.order), reverse=filters.newest_first)


def _in_range(moment: dt.datetime, filters: ChronologyFilter) -> bool:
    day = moment.astimezone(LONDON).date()
    return (filters.start is None or day >= filters.start) and (filters.end is None or day <= filters.end)


def _name(user) -> str:
    if user is None:
        return "Safewell"
    return user.get_full_name() or user.get_username()


def _entries(pupil: Pupil, filters: ChronologyFilter) -> Iterable[Item]:
    entries = ChronologyEntry.objects.filter(pupil=pupil).select_related("recorded_by").order_by("event_at", "pk")
    if filters.case_id is not None:
        entries = entries.filter(case_id=filters.case_id)
    rows = [e for e in entries if _in_range(e.event_at, filters)]
    corrected_by: dict[int, list[int]] = {}
    for entry in rows:
        if entry.corrects_id:
            corrected_by.setdefault(entry.corrects_id, []).append(entry.pk)
    for entry in rows:
        group = GROUP_OF_KIND.get(entry.kind) or _group_of_correction(entry, rows)
        if group not in filters.groups:
            continue
        yield Item(
            group=group, kind_label=entry.get_kind_display(), event_at=entry.event_at, title=entry.title,
            body=entry.body, recorded_at=entry.recorded_at, recorded_by=_name(entry.recorded_by),
            case_id=entry.case_id, entry_id=entry.pk, corrects_id=entry.corrects_id,
            corrected_by=tuple(corrected_by.get(entry.pk, ())), attendees=entry.attendees,
            url=_record_url(entry.record_type, entry.record_id), order=(1, entry.pk),
        )


def _group_of_correction(entry: ChronologyEntry, rows: Sequence[ChronologyEntry]) -> str:
    """A correction is shown with what it corrects."""
    by_id = {e.pk: e for e in rows}
    target = by_id.get(entry.corrects_id)
    while target is not None and target.kind == EntryKind.CORRECTION:
        target = by_id.get(target.corrects_id)
    return GROUP_OF_KIND.get(target.kind, "notes") if target is not None else "notes"


_RECORD_URLS = {
    "safeguarding.case": ("safeguarding:case_detail", "case_id"),
    "safeguarding.referral": ("safeguarding:referral_detail", "referral_id"),
    "safeguarding.riskassessment": ("safeguarding:assessment_detail", "assessment_id"),
    "safeguarding.missingepisode": ("safeguarding:episode_detail", "episode_id"),
    "safeguarding.reintegrationplan": ("safeguarding:plan_detail", "plan_id"),
    "safeguarding.document": ("safeguarding:document_download", "document_id"),
    "safeguarding.concern": ("safeguarding:concern_triage", "concern_id"),
}


def _record_url(record_type: str, record_id: str) -> str:
    target = _RECORD_URLS.get(record_type)
    if target is None or not record_id.isdigit():
        return ""
    return reverse(target[0], kwargs={target[1]: int(record_id)})


# --- From the register -------------------------------------------------------------------------


def _absences(pupil: Pupil, filters: ChronologyFilter) -> list[Item]:
    from safewell.attendance.models import Mark

    marks = Mark.objects.filter(pupil=pupil)
    if filters.start:
        marks = marks.filter(date__gte=filters.start)
    if filters.end:
        marks = marks.filter(date__lte=filters.end)
    runs: list[list[tuple[dt.date, str, str]]] = []
    current: list[tuple[dt.date, str, str]] = []
    for day, session, code in marks.order_by("date", "session").values_list("date", "session", "code"):
        if code in ABSENT_CODES:
            current.append((day, session, code))
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [_absence_item(run) for run in runs]


def _absence_item(run: list[tuple[dt.date, str, str]]) -> Item:
    (first_day, first_session, _), (last_day, last_session, _) = run[0], run[-1]
    counts = Counter(code for _, _, code in run)
    sessions = len(run)
    when = f"{_session_words(first_day, first_session)}"
    if sessions > 1:
        when = f"from {when} to {_session_words(last_day, last_session)}"
    codes_text = "; ".join(f"{n} of {code_words(code)}"
                           for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return Item(
        group=ABSENCES, kind_label="Absence",
        event_at=dt.datetime.combine(first_day, SESSION_TIME[first_session], tzinfo=LONDON),
        title=f"Absent for {sessions} session{'s' if sessions != 1 else ''}, {when}",
        body=f"Codes: {codes_text}.", recorded_by="The register", order=(0, first_day.toordinal()),
    )


def _session_words(day: dt.date, session: str) -> str:
    """'Monday 19 October 2026, afternoon'."""
    return f"{long_date(day)}, {'morning' if session == 'AM' else 'afternoon'}"


# --- From first-day calling ------------------------------------------------------------------------


def _contacts(pupil: Pupil, filters: ChronologyFilter) -> list[Item]:
    from safewell.followup.models import ContactAttempt

    attempts = ContactAttempt.objects.filter(pupil=pupil).select_related("recorded_by").order_by("attempted_at", "pk")
    items = []
    for attempt in attempts:
        if not _in_range(attempt.attempted_at, filters):
            continue
        who = attempt.contacted_name + (f" ({attempt.contacted_role})" if attempt.contacted_role else "")
        facts = [f"About the absence on {attempt.absence_date:%-d %B %Y}."]
        if attempt.reason_category:
            facts.append(f"Reason given: {attempt.get_reason_category_display()}"
                         + (f": {attempt.reason_text}" if attempt.reason_text else "") + ".")
        if attempt.whereabouts_known is not None:
            facts.append("Knew where the child is." if attempt.whereabouts_known else "Did not know where the child is.")
        if attempt.child_seen:
            facts.append("The child was seen" + (
                ", safe and well." if attempt.child_safe_and_well else
                ", with concerns." if attempt.child_safe_and_well is False else "."))
        if attempt.notes:
            facts.append(attempt.notes)
        if attempt.corrects_id:
            facts.append(f"Corrects an earlier attempt (#{attempt.corrects_id}).")
        items.append(Item(
            group=CONTACTS, kind_label=attempt.get_channel_display(), event_at=attempt.attempted_at,
            title=f"{attempt.get_channel_display()} to {who}: {attempt.get_outcome_display()}",
            body=" ".join(facts), recorded_at=attempt.recorded_at, recorded_by=_name(attempt.recorded_by),
            order=(2, attempt.pk),
        ))
    return items


# --- From the policy engine --------------------------------------------------------------------------


def _alerts(pupil: Pupil, filters: ChronologyFilter) -> list[Item]:
    """The DSL team's alerts about the child and each decision about them. Alerts routed to
    attendance officers only (the penalty-notice threshold, the LA returns) are not the DSL's
    business (statutory.md §4 [S]) and stay out."""
    from safewell.policy.models import Alert, AlertAction
    from safewell.policy.routing import ROUTE_DSL, category_of

    alerts = {a.pk: a for a in Alert.objects.filter(pupil=pupil, routed_to_role=ROUTE_DSL)}
    items = []
    for alert in alerts.values():
        if _in_range(alert.raised_at, filters):
            items.append(Item(
                group=ALERTS, kind_label="Alert", event_at=alert.raised_at,
                title=f"Alert raised: {category_of(alert.rule_id)}", body=alert.explanation,
                recorded_by="Safewell", url=reverse("policy:alert_detail", kwargs={"alert_id": alert.pk}),
                order=(3, alert.pk),
            ))
    actions = AlertAction.objects.filter(alert_id__in=list(alerts)).select_related("actor").order_by("at", "pk")
    for action in actions:
        if not _in_range(action.at, filters):
            continue
        alert = alerts[action.alert_id]
        items.append(Item(
            group=ALERTS, kind_label="Alert decision", event_at=action.at,
            title=f"Alert {action.get_action_display().lower()}: {category_of(alert.rule_id)}",
            body=action.reason, recorded_by=_name(action.actor),
            url=reverse("policy:alert_detail", kwargs={"alert_id": alert.pk}), order=(4, action.pk),
        ))
    return items
