"""Writes of safeguarding case work. Each service checks who is acting (the DSL team of the
child's site, or the lead DSL: selectors.py), validates everything and reports every problem
at once as ValidationError({field: message}) before writing anything, then writes the
record, its chronology entry, and the case-work alerts it changes in one transaction
(design.md principle 4). Messages are module constants so tests can refer to them.

"now" and "today" are always given (design.md principle 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from safewell.accounts.models import Membership, Role, User
from safewell.policy import rule_ids as R
from safewell.policy.alerts import alert_action
from safewell.policy.models import Alert
from safewell.policy.profile_selectors import profile_for
from safewell.policy.routing import ROUTE_DSL, category_of
from safewell.pupils.models import Pupil
from safewell.safeguarding import questions, selectors
from safewell.safeguarding.casework_alerts import alert_resolve, casework_alerts_sync
from safewell.safeguarding.documents import upload_check
from safewell.safeguarding.models import (
    HAND_WRITTEN_KINDS,
    AgencyExport,
    Case,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    CheckedBy,
    CheckOutcome,
    ChronologyEntry,
    Concern,
    ConcernCategory,
    ConcernTriage,
    DestructionRecord,
    Document,
    DocumentKind,
    EnquiryKind,
    EntryKind,
    ExportFormat,
    InterviewStatus,
    Judgement,
    LawfulBasis,
    LegalHold,
    MissingEpisode,
    MissingFrom,
    MissingPersonProfile,
    PoliceRiskGrade,
    ReasonableEnquiry,
    Referral,
    ReferralKind,
    ReferralOutcome,
    ReferralStatus,
    ReintegrationPlan,
    ReintegrationReview,
    ReturnHomeInterview,
    ReturnHow,
    RiskAssessment,
    SafeAndWellCheck,
    Task,
    TaskDoneWhen,
    retention_destruction,
)
from safewell.safeguarding.chronology import LONDON
from safewell.safeguarding.selectors import is_lead_dsl, timezone_date

# --- Messages ---------------------------------------------------------------------------------

REQUIRED = "This is required."
IN_THE_FUTURE = "This cannot be in the future."
UNKNOWN_CHOICE = "'{value}' is not one of the choices."
NOT_CASEWORK = selectors.NOT_CASEWORK
CASE_CLOSED = "This case is closed, so it cannot change. Open a new case if there is a new concern."
OWNER_NOT_IN_TEAM = "The owner must be a DSL or deputy DSL of {site}, or the lead DSL."
SUMMARY_REQUIRED = "Say why the case is open."
CME_DUE_REQUIRED = (
    "A child missing education case needs the date the local authority must be told by: give the first "
    "day of absence and Safewell counts 10 school days."
)
ALERT_NOT_ABOUT_ONE_CHILD = "This alert is not about one child: open a case from each child's record."
ALERT_NOT_FOR_CASEWORK = "This alert is for the attendance officers, not the DSL team."
OUTCOME_REQUIRED = "Choose how the case ended."
RATIONALE_REQUIRED = "Say why the case can close: the rationale is part of the record."
CHILD_STILL_MISSING = (
    "The child is still missing (last seen {since:%-d %B %Y %H:%M}): record that they were found or came "
    "back before closing the case."
)
STATUS_NOT_OPEN_OR_MONITORING = "A case is either open or being monitored; close it with an outcome instead."
TITLE_REQUIRED = "Give it a short title."
BODY_REQUIRED = "Write what happened."
ENTRY_KIND_BY_HAND = "Choose a note, a meeting or a decision."
CORRECTION_REQUIRED = "Say what is wrong and what is right: the correction is read beside the entry."
CATEGORY_REQUIRED = "Choose at least one kind of concern."
DESCRIPTION_REQUIRED = "Say what you saw or heard, in your own words."
NOT_YOUR_PUPIL = "You can raise a concern about the pupils of your own site only."
CONCERN_ALREADY_TRIAGED = "This concern was already triaged on {at:%-d %B %Y}."
TRIAGE_CASE_REQUIRED = "Choose the open case to add it to."
TRIAGE_CASE_OTHER_CHILD = "That case is about another child."
ANSWER_INVALID = "Answer each question yes, no or not known."
REVIEW_NOT_AFTER_TODAY = "The review date must be after today."
ONLINE_REVIEW_REQUIRED = (
    "Your policy asks for the digital footprint to be considered (social media, gaming, encrypted "
    "messaging) with the online safety lead: record the online considerations."
)
ONLINE_LEAD_NAME_REQUIRED = "Name the online safety lead you consulted."
NEEDS_LAWFUL_BASIS = (
    "A referral cannot be sent without a lawful basis for sharing or consent: choose one, or the DSL "
    "records an override with the reason."
)
CONSENT_NEEDS_DETAILS = "Say whose consent was given, and when."
OVERRIDE_NEEDS_THE_DSL = "Only the designated safeguarding lead may send a referral without a recorded lawful basis."
OVERRIDE_NEEDS_REASON = "Say why this referral is sent without a lawful basis for sharing."
REFERRAL_ALREADY_SENT = "This referral was sent on {sent:%-d %B %Y}: record its acknowledgement or outcome instead."
REFERRAL_NOT_SENT = "Record when it was sent first."
BEFORE_SENT = "This cannot be before the referral was sent ({sent:%-d %B %Y})."
CME_NOTIFICATION_COMES_WITH_THE_CASE = (
    "The CME notification is made on a CME case (it is created with the case): open the case's notification."
)
CHECK_SAFE_WITHOUT_SEEING = "A child cannot be judged safe and well without being seen."
EPISODE_ENDS_BEFORE_IT_STARTS = (
    "The child cannot be found or come back ({returned:%-d %B %Y %H:%M}) before they were last seen "
    "({last_seen:%-d %B %Y %H:%M})."
)
REPORTED_BEFORE_LAST_SEEN = "The police cannot have been told before the child was last seen."
EPISODE_ALREADY_ENDED = "The child's return is already recorded ({returned:%-d %B %Y %H:%M})."
CASE_NOT_FOR_EPISODES = "A missing episode goes on a 'missing from home or care' case."
RHI_CHILD_NOT_BACK = "The child has not come back yet: the return home interview follows the return."
RHI_BEFORE_RETURN = (
    "The return home interview cannot be dated before the child came back ({returned:%-d %B %Y %H:%M})."
)
RHI_BEFORE_OFFER = "This cannot be before the interview was offered ({offered:%-d %B %Y %H:%M})."
RHI_NEEDS_CONDUCTOR = "Say who conducted the interview (name and organisation)."
RHI_ALREADY_DONE = "The return home interview is already recorded as {status}."
MONITORING_BEFORE_START = "The monitoring period must end after the plan starts."
TARGET_OUT_OF_RANGE = "The attendance target is a percentage from 1 to 100."
REVIEW_BEFORE_START = "The first review cannot be before the plan starts."
REVIEW_AFTER_TIMETABLE = (
    "Review the plan by {review:%-d %B %Y}, when its part-time timetable (C2) is due for review: a part-time "
    "timetable must be time-limited and reviewed."
)
TIMETABLE_NOT_THE_CHILDS = "Choose one of this child's part-time timetables (C2)."
PLAN_ENDED = "This plan ended on {ended:%-d %B %Y}."
NEXT_REVIEW_OR_END = "Set the next review date, or end the plan with a reason."
NEXT_REVIEW_NOT_AFTER = "The next review must be after this one."
OWNER_NOT_STAFF = "The owner must be a member of staff at {site}."
TASK_ALREADY_DONE = "This task was already done on {at:%-d %B %Y}."
TASK_DONE_BY_ITS_RECORD = (
    "This task is done {when}: record that, and the task is done with it."
)
DUE_IN_THE_PAST = "The due date cannot be in the past."
NOTHING_CHOSEN = "Choose at least one kind of entry to share."
NOTHING_TO_SHARE = "Nothing in the chronology matches what you chose: widen the dates or the kinds."
HOLD_IN_FORCE = "A legal hold is already in force for this child."
NO_HOLD_IN_FORCE = "There is no legal hold in force to lift."
RETENTION_NOT_DUE = "This file is kept until {due:%-d %B %Y} (date of birth + {years} years)."
RETENTION_HELD = "A legal hold is in force: lift it first, with its reason."
RETENTION_CONFIRM = "Type the child's UPN to confirm the destruction."


def _fail(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})


def _require(actor: User, pupil: Pupil) -> None:
    if not selectors.can_work_on(actor, pupil):
        raise PermissionDenied(NOT_CASEWORK)


def _require_live(case: Case) -> None:
    if not case.is_live:
        raise ValidationError({"case": [CASE_CLOSED]})


def _name(user: User | None) -> str:
    if user is None:
        return "Safewell"
    return user.get_full_name() or user.get_username()


def _choice(errors: dict, field: str, value: str, choices, *, required: bool = True) -> None:
    if not value:
        if required:
            errors[field] = REQUIRED
    elif value not in choices:
        errors[field] = UNKNOWN_CHOICE.format(value=value)


def _not_future(errors: dict, field: str, moment, now: dt.datetime) -> None:
    if moment is None:
        return
    limit = now if isinstance(moment, dt.datetime) else timezone_date(now)
    if moment > limit:
        errors[field] = IN_THE_FUTURE


def _entry(*, pupil: Pupil, actor: User | None, kind: str, title: str, now: dt.datetime, body: str = "",
           event_at: dt.datetime | None = None, case: Case | None = None, record=None, attendees: str = "",
           corrects: ChronologyEntry | None = None) -> ChronologyEntry:
    return ChronologyEntry.objects.create(
        pupil=pupil, site_id=pupil.site_id, case=case, kind=kind, event_at=event_at or now, recorded_at=now,
        recorded_by=actor, title=title[:300], body=body, attendees=attendees, corrects=corrects,
        record_type=record._meta.label_lower if record is not None else "",
        record_id=str(record.pk) if record is not None else "",
    )


def _at_noon(day: dt.date) -> dt.datetime:
    """A date-only event placed in the chronology at midday, London time."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)


def _sync(pupil: Pupil, now: dt.datetime) -> None:
    casework_alerts_sync(now=now, pupil_ids=[pupil.pk])


def in_dsl_team(user: User, pupil: Pupil) -> bool:
    return selectors.can_work_on(user, pupil)


# --- The CME clock ----------------------------------------------------------------------------------


def cme_school_days(organisation_id: int) -> int:
    """The CME step's school days in the profile in force (10 at most: seed 000 §7, seed 004,
    statutory.md §3.2 [S]; profiles.STATUTORY_MINIMUMS)."""
    return profile_for(organisation_id).rules[R.CME_TEN_DAYS].school_days


def cme_due_date(*, site, first_day_absent: dt.date, school_days: int) -> dt.date:
    """The day the LA is to be told: the `school_days`-th school day of absence counting the
    first day absent (the policy engine's clock, policy/engine/rules/runs.py). School days
    are the site's (schools.calendar: weekends, holidays, bank holidays and INSET days do
    not count; statutory.md §9 [U])."""
    from safewell.schools.calendar import SchoolCalendar

    calendar = SchoolCalendar.for_site(site)
    return calendar.nth_school_day_after(first_day_absent - dt.timedelta(days=1), school_days)


# --- Cases ------------------------------------------------------------------------------------------


def _check_owner(errors: dict, owner: User | None, pupil: Pupil) -> None:
    if owner is None:
        errors["owner"] = REQUIRED
    elif not in_dsl_team(owner, pupil):
        errors["owner"] = OWNER_NOT_IN_TEAM.format(site=pupil.site.name)


def case_open(*, pupil: Pupil, kind: str, summary: str, owner: User, actor: User, now: dt.datetime,
              cme_due_on: dt.date | None = None, next_review_on: dt.date | None = None) -> Case:
    """Open a case by hand."""
    _require(actor, pupil)
    errors: dict[str, str] = {}
    _choice(errors, "kind", kind, CaseKind.values)
    if not summary.strip():
        errors["summary"] = SUMMARY_REQUIRED
    _check_owner(errors, owner, pupil)
    if kind == CaseKind.CME and cme_due_on is None:
        errors["first_day_absent"] = CME_DUE_REQUIRED
    _fail(errors)
    with transaction.atomic():
        case = _case_create(pupil=pupil, kind=kind, summary=summary.strip(), owner=owner, actor=actor, now=now,
                            cme_due_on=cme_due_on, next_review_on=next_review_on)
        _sync(pupil, now)
    return case


def _case_create(*, pupil: Pupil, kind: str, summary: str, owner: User, actor: User, now: dt.datetime,
                 cme_due_on: dt.date | None = None, next_review_on: dt.date | None = None,
                 alert: Alert | None = None) -> Case:
    case = Case.objects.create(
        organisation_id=pupil.organisation_id, site_id=pupil.site_id, pupil=pupil, kind=kind, summary=summary,
        owner=owner, opened_at=now, opened_by=actor, alert=alert, alert_rule_id=alert.rule_id if alert else "",
        alert_evidence=alert.evidence if alert else {}, cme_due_on=cme_due_on if kind == CaseKind.CME else None,
        next_review_on=next_review_on,
    )
    source = f" from the alert '{category_of(alert.rule_id)}'" if alert else ""
    _entry(pupil=pupil, actor=actor, kind=EntryKind.CASE, case=case, record=case, now=now,
           title=f"Case opened{source}: {case.get_kind_display()}", body=f"{summary}\nOwner: {_name(owner)}.")
    if kind == CaseKind.CME:
        _cme_steps(case, actor=actor, now=now)
    return case


def _cme_steps(case: Case, *, actor: User, now: dt.datetime) -> None:
    """A CME case puts the LA notification on the DSL's list with its due date, and asks for
    a safe-and-well check where the policy does (design.md "Thresholds"; seed 004 "a formal
    'Safe and Well' check is undertaken")."""
    organisation = case.organisation
    # seed 000 §7; s436A Education Act 1996 [C]. The reason is read by the LA, so it cites
    # the Act, not our seed policies.
    referral = Referral.objects.create(
        case=case, pupil=case.pupil, kind=ReferralKind.CME_NOTIFICATION,
        agency=f"{organisation.local_authority_name or 'The local authority'}: children missing education",
        reason="The child has been absent for 10 school days or more and their whereabouts are unknown after "
               "reasonable enquiries (section 436A of the Education Act 1996).",
        due_on=case.cme_due_on, lawful_basis=LawfulBasis.LEGAL_OBLIGATION, created_at=now, created_by=actor,
    )
    _entry(pupil=case.pupil, actor=actor, kind=EntryKind.REFERRAL, case=case, record=referral, now=now,
           title=f"CME notification to the local authority due by {case.cme_due_on:%-d %B %Y}")
    Task.objects.create(case=case, title="Make reasonable enquiries, then send the CME notification to the local authority",
                        done_when=TaskDoneWhen.CME_NOTIFICATION_SENT,
                        owner=case.owner, due_on=case.cme_due_on, created_at=now, created_by=actor)
    if profile_for(organisation.pk).options.cme_requires_safe_and_well_check:
        Task.objects.create(case=case, title="Arrange a safe-and-well check (school, local authority or police)",
                            done_when=TaskDoneWhen.SAFE_AND_WELL_CHECK,
                            owner=case.owner, due_on=case.cme_due_on, created_at=now, created_by=actor)


def _kind_and_due_of_alert(alert: Alert) -> tuple[str, dt.date | None]:
    if alert.rule_id != R.CME_TEN_DAYS:
        return CaseKind.ABSENCE_CONCERN, None
    evidence = alert.evidence or {}
    for key in ("la_notification_due_on", "cme_due_on"):
        if evidence.get(key):
            return CaseKind.CME, dt.date.fromisoformat(evidence[key])
    first = dt.date.fromisoformat(evidence["first_day"])
    return CaseKind.CME, cme_due_date(site=alert.site, first_day_absent=first,
                                      school_days=cme_school_days(alert.organisation_id))


def case_open_from_alert(*, alert: Alert, actor: User, now: dt.datetime) -> Case:
    """One click on an alert: a case owned by whoever clicked, carrying the alert's evidence
    (a CME alert makes a CME case with the LA notification due on the engine's date). The
    alert is closed as actioned, naming the case. Clicking twice opens the same case."""
    if alert.pupil_id is None:
        raise ValidationError({"alert": [ALERT_NOT_ABOUT_ONE_CHILD]})
    if alert.routed_to_role != ROUTE_DSL:
        raise PermissionDenied(ALERT_NOT_FOR_CASEWORK)
    _require(actor, alert.pupil)
    existing = Case.objects.filter(alert=alert).first()
    if existing is not None:
        return existing
    kind, due = _kind_and_due_of_alert(alert)
    try:
        with transaction.atomic():
            case = _case_create(pupil=alert.pupil, kind=kind, summary=alert.explanation, owner=actor, actor=actor,
                                now=now, cme_due_on=due, alert=alert)
            if alert.is_live:
                alert_action(alert=alert, actor=actor, now=now,
                             reason=f"Safeguarding case {case.pk} opened ({case.get_kind_display()}).")
            _sync(alert.pupil, now)
    except IntegrityError:
        # Someone else's click won the race (case_one_per_alert): theirs is the case.
        return Case.objects.get(alert=alert)
    return case


def case_update(*, case: Case, actor: User, now: dt.datetime, owner: User, status: str,
                next_review_on: dt.date | None) -> Case:
    _require(actor, case.pupil)
    _require_live(case)
    errors: dict[str, str] = {}
    _check_owner(errors, owner, case.pupil)
    if status not in (CaseStatus.OPEN, CaseStatus.MONITORING):
        errors["status"] = STATUS_NOT_OPEN_OR_MONITORING
    _fail(errors)
    changes = []
    if owner != case.owner:
        changes.append(f"Owner: {_name(case.owner)} → {_name(owner)}.")
    if status != case.status:
        changes.append(f"Status: {case.get_status_display()} → {CaseStatus(status).label}.")
    if next_review_on != case.next_review_on:
        changes.append(f"Next case review: {next_review_on:%-d %B %Y}." if next_review_on else "No case review date.")
    if not changes:
        return case
    with transaction.atomic():
        case.owner, case.status, case.next_review_on = owner, status, next_review_on
        case.save(update_fields=["owner", "status", "next_review_on"])
        _entry(pupil=case.pupil, actor=actor, kind=EntryKind.CASE, case=case, record=case, now=now,
               title="Case updated", body=" ".join(changes))
    return case


def case_close(*, case: Case, actor: User, outcome: str, rationale: str, now: dt.datetime) -> Case:
    _require(actor, case.pupil)
    _require_live(case)
    errors: dict[str, str] = {}
    _choice(errors, "outcome", outcome, CaseOutcome.values)
    if not rationale.strip():
        errors["rationale"] = RATIONALE_REQUIRED
    missing = case.missing_episodes.filter(returned_at__isnull=True).order_by("last_seen_at").first()
    if missing is not None:
        errors["outcome"] = CHILD_STILL_MISSING.format(since=missing.last_seen_at.astimezone(LONDON))
    _fail(errors)
    with transaction.atomic():
        case.status, case.outcome, case.closure_rationale = CaseStatus.CLOSED, outcome, rationale.strip()
        case.closed_at, case.closed_by = now, actor
        case.save(update_fields=["status", "outcome", "closure_rationale", "closed_at", "closed_by"])
        _entry(pupil=case.pupil, actor=actor, kind=EntryKind.CASE, case=case, record=case, now=now,
               title=f"Case closed: {case.get_outcome_display()}", body=case.closure_rationale)
        _sync(case.pupil, now)
    return case


# --- The chronology -----------------------------------------------------------------------------------


def chronology_entry_add(*, pupil: Pupil, actor: User, kind: str, title: str, body: str, event_at: dt.datetime,
                         now: dt.datetime, case: Case | None = None, attendees: str = "") -> ChronologyEntry:
    """A note, a meeting or a decision, by hand. A backdated entry (an event of last week
    written today) takes its place by `event_at` and shows when it was written."""
    _require(actor, pupil)
    errors: dict[str, str] = {}
    if kind not in HAND_WRITTEN_KINDS:
        errors["kind"] = ENTRY_KIND_BY_HAND
    if not title.strip():
        errors["title"] = TITLE_REQUIRED
    if not body.strip():
        errors["body"] = BODY_REQUIRED
    if event_at is None:
        errors["event_at"] = REQUIRED
    _not_future(errors, "event_at", event_at, now)
    if case is not None and case.pupil_id != pupil.pk:
        errors["case"] = TRIAGE_CASE_OTHER_CHILD
    _fail(errors)
    return _entry(pupil=pupil, actor=actor, kind=kind, title=title.strip(), body=body.strip(), event_at=event_at,
                  case=case, now=now, attendees=attendees.strip())


def chronology_entry_correct(*, entry: ChronologyEntry, actor: User, correction: str,
                             now: dt.datetime) -> ChronologyEntry:
    """A correction is a new entry pointing at the one it corrects, at the same place in the
    chronology; the original stays as written."""
    _require(actor, entry.pupil)
    _fail({"correction": CORRECTION_REQUIRED} if not correction.strip() else {})
    return _entry(pupil=entry.pupil, actor=actor, kind=EntryKind.CORRECTION, case=entry.case, now=now,
                  event_at=entry.event_at, corrects=entry, title=f"Correction to: {entry.title}",
                  body=correction.strip())


# --- Concerns -----------------------------------------------------------------------------------------


def concern_raise(*, pupil: Pupil, actor: User, categories: Sequence[str], description: str, action_taken: str,
                  observed_at: dt.datetime | None, now: dt.datetime) -> Concern:
    """Any member of staff, about a pupil of their site; they see nothing of the case work.
    The DSL team is alerted in the same transaction (concern_awaiting_triage)."""
    if not selectors.pupils_for_concerns(actor).filter(pk=pupil.pk).exists():
        raise PermissionDenied(NOT_YOUR_PUPIL)
    errors: dict[str, str] = {}
    chosen = list(dict.fromkeys(categories))
    if not chosen:
        errors["categories"] = CATEGORY_REQUIRED
    for category in chosen:
        _choice(errors, "categories", category, ConcernCategory.values)
    if not description.strip():
        errors["description"] = DESCRIPTION_REQUIRED
    if observed_at is None:
        errors["observed_at"] = REQUIRED
    _not_future(errors, "observed_at", observed_at, now)
    _fail(errors)
    labels = questions.labels(tuple(ConcernCategory.choices), chosen)
    with transaction.atomic():
        concern = Concern.objects.create(
            pupil=pupil, site_id=pupil.site_id, categories=chosen, description=description.strip(),
            action_taken=action_taken.strip(), observed_at=observed_at, raised_by=actor, raised_at=now,
        )
        _entry(pupil=pupil, actor=actor, kind=EntryKind.CONCERN, record=concern, now=now, event_at=observed_at,
               title=f"Concern raised by {_name(actor)}: {', '.join(labels)}",
               body=concern.description + (f"\nAction taken: {concern.action_taken}" if concern.action_taken else ""))
        _sync(pupil, now)
    return concern


def concern_triage(*, concern: Concern, actor: User, decision: str, rationale: str, now: dt.datetime,
                   case: Case | None = None) -> Concern:
    """The DSL team's decision: add it to an open case, open a case, or no further action
    (with the rationale). The concern's alert is closed as actioned."""
    _require(actor, concern.pupil)
    if concern.is_triaged:
        raise ValidationError({"decision": [CONCERN_ALREADY_TRIAGED.format(at=concern.triaged_at.astimezone(LONDON))]})
    errors: dict[str, str] = {}
    _choice(errors, "decision", decision, ConcernTriage.values)
    if not rationale.strip():
        errors["rationale"] = RATIONALE_REQUIRED
    if decision == ConcernTriage.ADDED_TO_CASE:
        if case is None:
            errors["case"] = TRIAGE_CASE_REQUIRED
        elif case.pupil_id != concern.pupil_id:
            errors["case"] = TRIAGE_CASE_OTHER_CHILD
        elif not case.is_live:
            errors["case"] = CASE_CLOSED
    _fail(errors)
    with transaction.atomic():
        if decision == ConcernTriage.CASE_OPENED:
            case = _case_create(pupil=concern.pupil, kind=CaseKind.ABSENCE_CONCERN, owner=actor, actor=actor,
                                now=now, summary=f"Opened from a concern raised by {_name(concern.raised_by)}: "
                                                 f"{concern.description}")
        elif decision == ConcernTriage.NO_FURTHER_ACTION:
            case = None
        concern.triage, concern.triage_rationale, concern.case = decision, rationale.strip(), case
        concern.triaged_by, concern.triaged_at = actor, now
        concern.save(update_fields=["triage", "triage_rationale", "case", "triaged_by", "triaged_at"])
        _entry(pupil=concern.pupil, actor=actor, kind=EntryKind.CONCERN, record=concern, case=case, now=now,
               title=f"Concern triaged: {concern.get_triage_display()}", body=concern.triage_rationale)
        _sync(concern.pupil, now)
        alert_resolve(rule_id=R.CONCERN_AWAITING_TRIAGE, pupil_id=concern.pupil_id, episode_key=f"concern:{concern.pk}",
                      actor=actor, now=now, reason=f"Concern triaged: {concern.get_triage_display()}.")
    return concern


# --- Risk assessment ------------------------------------------------------------------------------


def _check_factors(errors: dict, field: str, chosen: Iterable[str], choices) -> list[str]:
    allowed = {key for key, _ in choices}
    chosen = list(dict.fromkeys(chosen))
    for key in chosen:
        if key not in allowed:
            errors[field] = UNKNOWN_CHOICE.format(value=key)
    return chosen


def risk_assessment_record(
    *, case: Case, actor: User, now: dt.datetime, answers: dict[str, dict], judgement: str, rationale: str,
    review_on: dt.date | None, push_factors: Sequence[str] = (), pull_factors: Sequence[str] = (),
    contextual_factors: Sequence[str] = (), other_factors: str = "", online_considerations: str = "",
    online_safety_lead_consulted: bool = False, online_safety_lead_name: str = "",
) -> RiskAssessment:
    """The DSL's structured assessment (seed 004's questions, questions.py). The register's
    evidence is taken now and kept with it; a later assessment supersedes this one."""
    _require(actor, case.pupil)
    _require_live(case)
    errors: dict[str, str] = {}
    allowed_answers = {key for key, _ in questions.ANSWERS}
    for key, answer in answers.items():
        if key not in questions.QUESTION_KEYS or answer.get("answer", "") not in allowed_answers | {""}:
            errors["answers"] = ANSWER_INVALID
    push = _check_factors(errors, "push_factors", push_factors, questions.PUSH_FACTORS)
    pull = _check_factors(errors, "pull_factors", pull_factors, questions.PULL_FACTORS)
    contextual = _check_factors(errors, "contextual_factors", contextual_factors, questions.CONTEXTUAL_FACTORS)
    _choice(errors, "judgement", judgement, Judgement.values)
    if not rationale.strip():
        errors["rationale"] = RATIONALE_REQUIRED
    today = timezone_date(now)
    if review_on is None:
        errors["review_on"] = REQUIRED
    elif review_on <= today:
        errors["review_on"] = REVIEW_NOT_AFTER_TODAY
    # seed 004: continuous absence is considered with the digital footprint, with the online
    # safety lead (the seed-004 profile's option continuous_absence_online_review).
    if profile_for(case.organisation_id).options.continuous_absence_online_review and not online_considerations.strip():
        errors["online_considerations"] = ONLINE_REVIEW_REQUIRED
    if online_safety_lead_consulted and not online_safety_lead_name.strip():
        errors["online_safety_lead_name"] = ONLINE_LEAD_NAME_REQUIRED
    _fail(errors)
    with transaction.atomic():
        previous = case.assessments.filter(superseded_by__isnull=True).first()
        assessment = RiskAssessment.objects.create(
            case=case, pupil=case.pupil, assessed_at=now, assessed_by=actor,
            answers={k: {"answer": v.get("answer", ""), "notes": v.get("notes", "").strip()} for k, v in answers.items()},
            push_factors=push, pull_factors=pull, contextual_factors=contextual, other_factors=other_factors.strip(),
            online_considerations=online_considerations.strip(),
            online_safety_lead_consulted=online_safety_lead_consulted,
            online_safety_lead_name=online_safety_lead_name.strip(),
            attendance_evidence=selectors.attendance_evidence(case.pupil, today=today),
            judgement=judgement, rationale=rationale.strip(), review_on=review_on, supersedes=previous,
        )
        _entry(pupil=case.pupil, actor=actor, kind=EntryKind.ASSESSMENT, case=case, record=assessment, now=now,
               title=f"Risk assessment: {assessment.get_judgement_display()}",
               body=f"{assessment.rationale}\nReview by {review_on:%-d %B %Y}.")
    return assessment


# --- Referrals and the CME notification ------------------------------------------------------------


def _check_sharing(errors: dict, *, actor: User, organisation_id: int, lawful_basis: str, consent_details: str,
                   override_reason: str) -> None:
    """A referral goes out on a lawful basis (or consent), or on the DSL's recorded override."""
    if lawful_basis:
        _choice(errors, "lawful_basis", lawful_basis, LawfulBasis.values)
        if lawful_basis == LawfulBasis.CONSENT and not consent_details.strip():
            errors["consent_details"] = CONSENT_NEEDS_DETAILS
        return
    if not override_reason.strip():
        errors["lawful_basis"] = NEEDS_LAWFUL_BASIS
    elif not is_lead_dsl(actor, organisation_id):
        errors["override_reason"] = OVERRIDE_NEEDS_THE_DSL


@dataclass(frozen=True)
class Sending:
    """How a referral is sent: when, on what basis, and the agency's reference."""

    sent_on: dt.date
    lawful_basis: str = ""
    consent_details: str = ""
    override_reason: str = ""
    reference: str = ""


def referral_record(*, case: Case, actor: User, now: dt.datetime, kind: str, agency: str, reason: str,
                    sending: Sending | None = None) -> Referral:
    """A referral to an agency: prepared (no `sending`), or recorded as sent. Refused without
    a lawful basis for sharing, consent, or the DSL's recorded override."""
    _require(actor, case.pupil)
    _require_live(case)
    errors: dict[str, str] = {}
    _choice(errors, "kind", kind, ReferralKind.values)
    if kind == ReferralKind.CME_NOTIFICATION:
        errors["kind"] = CME_NOTIFICATION_COMES_WITH_THE_CASE
    if not agency.strip():
        errors["agency"] = REQUIRED
    if not reason.strip():
        errors["reason"] = REQUIRED
    if sending is not None:
        _check_sending(errors, sending, actor=actor, organisation_id=case.organisation_id, now=now)
    _fail(errors)
    with transaction.atomic():
        referral = Referral.objects.create(case=case, pupil=case.pupil, kind=kind, agency=agency.strip(),
                                           reason=reason.strip(), created_at=now, created_by=actor)
        if sending is None:
            _entry(pupil=case.pupil, actor=actor, kind=EntryKind.REFERRAL, case=case, record=referral, now=now,
                   title=f"Referral prepared: {referral.get_kind_display()} ({referral.agency})", body=referral.reason)
        else:
            _mark_sent(referral, sending, actor=actor, now=now)
    return referral


def _check_sending(errors: dict, sending: Sending, *, actor: User, organisation_id: int, now: dt.datetime) -> None:
    if sending.sent_on is None:
        errors["sent_on"] = REQUIRED
    _not_future(errors, "sent_on", sending.sent_on, now)
    _check_sharing(errors, actor=actor, organisation_id=organisation_id, lawful_basis=sending.lawful_basis,
                   consent_details=sending.consent_details, override_reason=sending.override_reason)


def _mark_sent(referral: Referral, sending: Sending, *, actor: User, now: dt.datetime) -> None:
    referral.status, referral.sent_on, referral.sent_by = ReferralStatus.SENT, sending.sent_on, actor
    referral.lawful_basis = sending.lawful_basis
    referral.consent_details = sending.consent_details.strip()
    referral.override_reason = "" if sending.lawful_basis else sending.override_reason.strip()
    referral.override_by = None if sending.lawful_basis else actor
    referral.reference = sending.reference.strip() or referral.reference
    referral.save()
    basis = referral.get_lawful_basis_display() if referral.lawful_basis else f"DSL's override: {referral.override_reason}"
    late = ""
    if referral.sent_on_time is False:
        late = f" Sent {(referral.sent_on - referral.due_on).days} day(s) after it was due ({referral.due_on:%-d %B %Y})."
    _entry(pupil=referral.pupil, actor=actor, kind=EntryKind.REFERRAL, case=referral.case, record=referral, now=now,
           event_at=_at_noon(referral.sent_on),
           title=f"Referral sent: {referral.get_kind_display()} ({referral.agency})",
           body=f"{referral.reason}\nLawful basis: {basis}."
           + (f" Reference: {referral.reference}." if referral.reference else "") + late)
    _sync(referral.pupil, now)
    if referral.kind == ReferralKind.CME_NOTIFICATION:
        tasks_fulfil(case=referral.case, done_when=TaskDoneWhen.CME_NOTIFICATION_SENT, actor=actor, now=now,
                     note=f"The notification was sent on {referral.sent_on:%-d %B %Y}.")
        alert_resolve(rule_id=R.CME_NOTIFICATION_DUE, pupil_id=referral.pupil_id, episode_key=f"case:{referral.case_id}",
                      actor=actor, now=now, reason=f"The local authority was told on {referral.sent_on:%-d %B %Y}.")


def referral_send(*, referral: Referral, actor: User, now: dt.datetime, sending: Sending) -> Referral:
    """A prepared referral (or the CME notification) is sent."""
    _require(actor, referral.pupil)
    _require_live(referral.case)
    if referral.status == ReferralStatus.SENT:
        raise ValidationError({"sent_on": [REFERRAL_ALREADY_SENT.format(sent=referral.sent_on)]})
    errors: dict[str, str] = {}
    _check_sending(errors, sending, actor=actor, organisation_id=referral.case.organisation_id, now=now)
    _fail(errors)
    with transaction.atomic():
        _mark_sent(referral, sending, actor=actor, now=now)
    return referral


def referral_acknowledge(*, referral: Referral, actor: User, now: dt.datetime, acknowledged_on: dt.date | None,
                         reference: str = "") -> Referral:
    """The agency's acknowledgement (for the CME notification: the LA's)."""
    _require(actor, referral.pupil)
    errors: dict[str, str] = {}
    if referral.status != ReferralStatus.SENT:
        errors["acknowledged_on"] = REFERRAL_NOT_SENT
    elif acknowledged_on is None:
        errors["acknowledged_on"] = REQUIRED
    elif acknowledged_on < referral.sent_on:
        errors["acknowledged_on"] = BEFORE_SENT.format(sent=referral.sent_on)
    _not_future(errors, "acknowledged_on", acknowledged_on, now)
    _fail(errors)
    with transaction.atomic():
        referral.acknowledged_on = acknowledged_on
        referral.reference = reference.strip() or referral.reference
        referral.save(update_fields=["acknowledged_on", "reference"])
        _entry(pupil=referral.pupil, actor=actor, kind=EntryKind.REFERRAL, case=referral.case, record=referral,
               now=now, event_at=_at_noon(acknowledged_on),
               title=f"Referral acknowledged by {referral.agency}",
               body=f"Reference: {referral.reference}." if referral.reference else "")
    return referral


def referral_outcome_record(*, referral: Referral, actor: User, now: dt.datetime, outcome: str,
                            outcome_on: dt.date | None, notes: str = "") -> Referral:
    _require(actor, referral.pupil)
    errors: dict[str, str] = {}
    _choice(errors, "outcome", outcome, ReferralOutcome.values)
    if referral.status != ReferralStatus.SENT:
        errors["outcome"] = REFERRAL_NOT_SENT
    if outcome_on is None:
        errors["outcome_on"] = REQUIRED
    elif referral.sent_on and outcome_on < referral.sent_on:
        errors["outcome_on"] = BEFORE_SENT.format(sent=referral.sent_on)
    _not_future(errors, "outcome_on", outcome_on, now)
    _fail(errors)
    with transaction.atomic():
        referral.outcome, referral.outcome_on, referral.outcome_notes = outcome, outcome_on, notes.strip()
        referral.save(update_fields=["outcome", "outcome_on", "outcome_notes"])
        _entry(pupil=referral.pupil, actor=actor, kind=EntryKind.REFERRAL, case=referral.case, record=referral,
               now=now, event_at=_at_noon(outcome_on),
               title=f"Referral outcome ({referral.agency}): {referral.get_outcome_display()}", body=referral.outcome_notes)
    return referral


def reasonable_enquiry_record(*, case: Case, actor: User, now: dt.datetime, kind: str, made_on: dt.date | None,
                              who: str, outcome: str, whereabouts_found: bool = False) -> ReasonableEnquiry:
    """One of the reasonable enquiries before telling the LA (statutory.md §3.4 [S])."""
    _require(actor, case.pupil)
    _require_live(case)
    errors: dict[str, str] = {}
    _choice(errors, "kind", kind, EnquiryKind.values)
    if made_on is None:
        errors["made_on"] = REQUIRED
    _not_future(errors, "made_on", made_on, now)
    if not who.strip():
        errors["who"] = REQUIRED
    if not outcome.strip():
        errors["outcome"] = REQUIRED
    _fail(errors)
    with transaction.atomic():
        enquiry = ReasonableEnquiry.objects.create(case=case, kind=kind, made_on=made_on, who=who.strip(),
                                                   outcome=outcome.strip(), whereabouts_found=whereabouts_found,
                                                   recorded_by=actor, recorded_at=now)
        _entry(pupil=case.pupil, actor=actor, kind=EntryKind.ENQUIRY, case=case, record=enquiry, now=now,
               event_at=_at_noon(made_on), title=f"Reasonable enquiry: {enquiry.get_kind_display()} ({enquiry.who})",
               body=enquiry.outcome + (" This found where the child is." if whereabouts_found else ""))
    return enquiry


# --- Safe-and-well checks ----------------------------------------------------------------------------


def safe_and_well_check_record(*, case: Case, actor: User, now: dt.datetime, checked_by: str, checked_by_name: str,
                               checked_at: dt.datetime | None, child_seen: bool, outcome: str,
                               notes: str = "") -> SafeAndWellCheck:
    _require(actor, case.pupil)
    errors: dict[str, str] = {}
    _choice(errors, "checked_by", checked_by, CheckedBy.values)
    if not checked_by_name.strip():
        errors["checked_by_name"] = REQUIRED
    if checked_at is None:
        errors["checked_at"] = REQUIRED
    _not_future(errors, "checked_at", checked_at, now)
    _choice(errors, "outcome", outcome, CheckOutcome.values)
    if outcome in (CheckOutcome.SAFE_AND_WELL, CheckOutcome.CONCERNS) and not child_seen:
        errors["outcome"] = CHECK_SAFE_WITHOUT_SEEING
    _fail(errors)
    if not child_seen:
        outcome = CheckOutcome.NOT_SEEN
    with transaction.atomic():
        check = SafeAndWellCheck.objects.create(
            pupil=case.pupil, case=case, checked_by=checked_by, checked_by_name=checked_by_name.strip(),
            checked_at=checked_at, child_seen=child_seen, outcome=outcome, notes=notes.strip(),
            recorded_by=actor, recorded_at=now,
        )
        _entry(pupil=case.pupil, actor=actor, kind=EntryKind.CHECK, case=case, record=check, now=now,
               event_at=checked_at,
               title=f"Safe-and-well check by {check.get_checked_by_display().lower()}: {check.get_outcome_display()}",
               body=f"By {check.checked_by_name}." + (f" {check.notes}" if check.notes else ""))
        tasks_fulfil(case=case, done_when=TaskDoneWhen.SAFE_AND_WELL_CHECK, actor=actor, now=now,
                     note=f"{check.get_checked_by_display()} checked on "
                          f"{check.checked_at.astimezone(LONDON):%-d %B %Y} ({check.get_outcome_display().lower()}).")
    return check


# --- Missing from home or care -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sighting:
    """Part 2 of the Philomena Protocol: when and where the child was last seen, wearing what."""

    missing_from: str
    last_seen_at: dt.datetime | None
    last_seen_place: str
    clothing: str
    last_seen_with: str = ""
    circumstances: str = ""


@dataclass(frozen=True)
class PoliceReport:
    """What the police said. The risk grade is theirs, recorded and never assigned by us
    (statutory.md §7.1)."""

    reported_at: dt.datetime | None = None
    reference: str = ""
    risk_grade: str = ""


@dataclass(frozen=True)
class Return:
    returned_at: dt.datetime | None
    how: str
    notes: str = ""


def _check_sighting(errors: dict, sighting: Sighting, now: dt.datetime) -> None:
    _choice(errors, "missing_from", sighting.missing_from, MissingFrom.values)
    if sighting.last_seen_at is None:
        errors["last_seen_at"] = REQUIRED
    _not_future(errors, "last_seen_at", sighting.last_seen_at, now)
    if not sighting.last_seen_place.strip():
        errors["last_seen_place"] = REQUIRED
    if not sighting.clothing.strip():
        errors["clothing"] = REQUIRED


def _check_police(errors: dict, police: PoliceReport, last_seen_at: dt.datetime | None, now: dt.datetime) -> None:
    _choice(errors, "police_risk_grade", police.risk_grade, PoliceRiskGrade.values, required=False)
    _not_future(errors, "reported_to_police_at", police.reported_at, now)
    if police.reported_at and last_seen_at and police.reported_at < last_seen_at:
        errors["reported_to_police_at"] = REPORTED_BEFORE_LAST_SEEN


def _check_return(errors: dict, back: Return, last_seen_at: dt.datetime | None, now: dt.datetime) -> None:
    if back.returned_at is None:
        errors["returned_at"] = REQUIRED
        return
    _not_future(errors, "returned_at", back.returned_at, now)
    if last_seen_at is not None and back.returned_at <= last_seen_at:
        errors["returned_at"] = EPISODE_ENDS_BEFORE_IT_STARTS.format(
            returned=back.returned_at.astimezone(LONDON), last_seen=last_seen_at.astimezone(LONDON))
    _choice(errors, "return_how", back.how, ReturnHow.values)


def missing_episode_record(*, pupil: Pupil, actor: User, now: dt.datetime, sighting: Sighting,
                           police: PoliceReport = PoliceReport(), back: Return | None = None,
                           case: Case | None = None) -> MissingEpisode:
    """A child gone missing from home, care or school: on the given case, or on a new
    'missing from home or care' case owned by whoever records it."""
    _require(actor, pupil)
    errors: dict[str, str] = {}
    if case is not None:
        _require_live(case)
        if case.pupil_id != pupil.pk:
            errors["case"] = TRIAGE_CASE_OTHER_CHILD
        elif case.kind not in (CaseKind.MISSING_FROM_HOME_OR_CARE, CaseKind.RETURN_FROM_CARE):
            errors["case"] = CASE_NOT_FOR_EPISODES
    _check_sighting(errors, sighting, now)
    _check_police(errors, police, sighting.last_seen_at, now)
    if back is not None:
        _check_return(errors, back, sighting.last_seen_at, now)
    _fail(errors)
    with transaction.atomic():
        if case is None:
            case = _case_create(pupil=pupil, kind=CaseKind.MISSING_FROM_HOME_OR_CARE, owner=actor, actor=actor,
                                now=now, summary=f"Missing from {MissingFrom(sighting.missing_from).label.lower()}, "
                                                 f"last seen {sighting.last_seen_at.astimezone(LONDON):%-d %B %Y %H:%M}.")
        episode = MissingEpisode.objects.create(
            pupil=pupil, case=case, missing_from=sighting.missing_from, last_seen_at=sighting.last_seen_at,
            last_seen_place=sighting.last_seen_place.strip(), last_seen_with=sighting.last_seen_with.strip(),
            clothing=sighting.clothing.strip(), circumstances=sighting.circumstances.strip(),
            reported_to_police_at=police.reported_at, police_reference=police.reference.strip(),
            police_risk_grade=police.risk_grade, recorded_by=actor, recorded_at=now,
        )
        _entry(pupil=pupil, actor=actor, kind=EntryKind.MISSING_EPISODE, case=case, record=episode, now=now,
               event_at=sighting.last_seen_at,
               title=f"Missing from {episode.get_missing_from_display().lower()}: last seen at {episode.last_seen_place}",
               body=_police_text(episode))
        if back is not None:
            _record_return(episode, back, actor=actor, now=now)
        _sync(pupil, now)
    return episode


def _police_text(episode: MissingEpisode) -> str:
    parts = []
    if episode.reported_to_police_at:
        parts.append(f"Reported to the police {episode.reported_to_police_at.astimezone(LONDON):%-d %B %Y %H:%M}.")
    if episode.police_reference:
        parts.append(f"Police reference {episode.police_reference}.")
    if episode.police_risk_grade:
        parts.append(f"Police risk grade: {episode.get_police_risk_grade_display()}.")
    return " ".join(parts)


def missing_episode_police_update(*, episode: MissingEpisode, actor: User, now: dt.datetime,
                                  police: PoliceReport) -> MissingEpisode:
    """The police report, reference and risk grade, as the police give them."""
    _require(actor, episode.pupil)
    errors: dict[str, str] = {}
    _check_police(errors, police, episode.last_seen_at, now)
    _fail(errors)
    with transaction.atomic():
        episode.reported_to_police_at = police.reported_at
        episode.police_reference = police.reference.strip()
        episode.police_risk_grade = police.risk_grade
        episode.save(update_fields=["reported_to_police_at", "police_reference", "police_risk_grade"])
        _entry(pupil=episode.pupil, actor=actor, kind=EntryKind.MISSING_EPISODE, case=episode.case, record=episode,
               now=now, title="Police details of the missing episode recorded", body=_police_text(episode))
    return episode


def missing_episode_return(*, episode: MissingEpisode, actor: User, now: dt.datetime, back: Return) -> MissingEpisode:
    """The child is found or comes back: the return home interview clock starts."""
    _require(actor, episode.pupil)
    if episode.returned_at is not None:
        raise ValidationError({"returned_at": [EPISODE_ALREADY_ENDED.format(returned=episode.returned_at.astimezone(LONDON))]})
    errors: dict[str, str] = {}
    _check_return(errors, back, episode.last_seen_at, now)
    _fail(errors)
    with transaction.atomic():
        _record_return(episode, back, actor=actor, now=now)
        _sync(episode.pupil, now)
    return episode


def _record_return(episode: MissingEpisode, back: Return, *, actor: User, now: dt.datetime) -> None:
    episode.returned_at, episode.return_how, episode.return_notes = back.returned_at, back.how, back.notes.strip()
    episode.save(update_fields=["returned_at", "return_how", "return_notes"])
    hours = selectors.rhi_hours(episode.pupil.organisation_id)
    due = selectors.interview_due_by(back.returned_at, hours).astimezone(LONDON)
    _entry(pupil=episode.pupil, actor=actor, kind=EntryKind.MISSING_EPISODE, case=episode.case, record=episode,
           now=now, event_at=back.returned_at, title=f"Found or returned: {episode.get_return_how_display()}",
           body=(episode.return_notes + "\n" if episode.return_notes else "")
           + f"Return home interview due by {due:%-d %B %Y %H:%M} ({hours} hours).")


@dataclass(frozen=True)
class Interview:
    """A return home interview's state: offered (by whom), accepted or declined, completed
    (by whom), and the push and pull factors the child spoke of."""

    status: str
    offered_at: dt.datetime | None
    offered_by: str
    responded_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    conducted_by: str = ""
    push_factors: Sequence[str] = ()
    pull_factors: Sequence[str] = ()
    findings: str = ""
    declined_reason: str = ""


def return_home_interview_record(*, episode: MissingEpisode, actor: User, now: dt.datetime,
                                 interview: Interview) -> ReturnHomeInterview:
    """Offered to every child who comes back, within 72 hours; they may decline
    (statutory.md §7.2 [S]). Refused before the return, or dated before it."""
    _require(actor, episode.pupil)
    if episode.returned_at is None:
        raise ValidationError({"offered_at": [RHI_CHILD_NOT_BACK]})
    existing = ReturnHomeInterview.objects.filter(episode=episode).first()
    if existing is not None and existing.status in (InterviewStatus.COMPLETED, InterviewStatus.DECLINED):
        raise ValidationError({"status": [RHI_ALREADY_DONE.format(status=existing.get_status_display().lower())]})
    errors = _interview_errors(episode, interview, now)
    push = _check_factors(errors, "push_factors", interview.push_factors, questions.PUSH_FACTORS)
    pull = _check_factors(errors, "pull_factors", interview.pull_factors, questions.PULL_FACTORS)
    _fail(errors)
    fields = dict(
        status=interview.status, offered_at=interview.offered_at, offered_by=interview.offered_by.strip(),
        responded_at=interview.responded_at, completed_at=interview.completed_at,
        conducted_by=interview.conducted_by.strip(), push_factors=push, pull_factors=pull,
        findings=interview.findings.strip(), declined_reason=interview.declined_reason.strip(),
        updated_at=now, updated_by=actor,
    )
    with transaction.atomic():
        record, _ = ReturnHomeInterview.objects.update_or_create(episode=episode, defaults=fields)
        _entry(pupil=episode.pupil, actor=actor, kind=EntryKind.RETURN_HOME_INTERVIEW, case=episode.case,
               record=episode, now=now, event_at=_interview_moment(record),
               title=f"Return home interview {record.get_status_display().lower()}",
               body=_interview_text(record))
        _sync(episode.pupil, now)
        if record.status in (InterviewStatus.COMPLETED, InterviewStatus.DECLINED):
            tasks_fulfil(case=episode.case, done_when=TaskDoneWhen.RETURN_HOME_INTERVIEW, actor=actor, now=now,
                         note=f"The return home interview was {record.get_status_display().lower()} on "
                              f"{_interview_moment(record).astimezone(LONDON):%-d %B %Y}.")
            alert_resolve(rule_id=R.RETURN_HOME_INTERVIEW_DUE, pupil_id=episode.pupil_id,
                          episode_key=f"episode:{episode.pk}", actor=actor, now=now,
                          reason=f"Return home interview {record.get_status_display().lower()}.")
    return record


def _interview_errors(episode: MissingEpisode, interview: Interview, now: dt.datetime) -> dict[str, str]:
    errors: dict[str, str] = {}
    _choice(errors, "status", interview.status, InterviewStatus.values)
    if interview.offered_at is None:
        errors["offered_at"] = REQUIRED
    if not interview.offered_by.strip():
        errors["offered_by"] = REQUIRED
    returned = episode.returned_at.astimezone(LONDON)
    for field in ("offered_at", "responded_at", "completed_at"):
        moment = getattr(interview, field)
        _not_future(errors, field, moment, now)
        if moment is not None and moment < episode.returned_at:
            errors[field] = RHI_BEFORE_RETURN.format(returned=returned)
    for field in ("responded_at", "completed_at"):
        moment = getattr(interview, field)
        if moment is not None and interview.offered_at is not None and episode.returned_at <= moment < interview.offered_at:
            errors[field] = RHI_BEFORE_OFFER.format(offered=interview.offered_at.astimezone(LONDON))
    if interview.status == InterviewStatus.COMPLETED:
        if interview.completed_at is None:
            errors["completed_at"] = REQUIRED
        if not interview.conducted_by.strip():
            errors["conducted_by"] = RHI_NEEDS_CONDUCTOR
    return errors


def _interview_moment(record: ReturnHomeInterview) -> dt.datetime:
    return record.completed_at or record.responded_at or record.offered_at


def _interview_text(record: ReturnHomeInterview) -> str:
    parts = [f"Offered {record.offered_at.astimezone(LONDON):%-d %B %Y %H:%M} by {record.offered_by}."]
    if record.conducted_by:
        parts.append(f"Conducted by {record.conducted_by}.")
    if record.push_factors:
        parts.append("Push factors: " + "; ".join(questions.labels(questions.PUSH_FACTORS, record.push_factors)) + ".")
    if record.pull_factors:
        parts.append("Pull factors: " + "; ".join(questions.labels(questions.PULL_FACTORS, record.pull_factors)) + ".")
    for text in (record.findings, record.declined_reason):
        if text:
            parts.append(text)
    return " ".join(parts)


@dataclass(frozen=True)
class ProfileDetails:
    """Part 1 of the Philomena Protocol (statutory.md §7.3 [C])."""

    physical_description: str
    next_review_on: dt.date | None
    friends_and_associates: str = ""
    places_frequented: str = ""
    phones_and_social_media: str = ""
    vulnerabilities: str = ""
    medical_information: str = ""
    financial_information: str = ""
    transport: str = ""


def missing_person_profile_save(*, pupil: Pupil, actor: User, now: dt.datetime, details: ProfileDetails,
                                photo: bytes | None = None) -> MissingPersonProfile:
    """A new version of the child's missing-person profile; the photo is kept from the last
    version unless a new one is given (checked by content: an image)."""
    _require(actor, pupil)
    errors: dict[str, str] = {}
    if not details.physical_description.strip():
        errors["physical_description"] = REQUIRED
    if details.next_review_on is None:
        errors["next_review_on"] = REQUIRED
    elif details.next_review_on <= timezone_date(now):
        errors["next_review_on"] = REVIEW_NOT_AFTER_TODAY
    checked = None
    if photo is not None:
        try:
            checked = upload_check(photo, images_only=True)
        except ValidationError as error:
            errors["photo"] = error.message_dict["file"][0]
    _fail(errors)
    previous = selectors.latest_missing_person_profile(pupil)
    with transaction.atomic():
        photo_document = previous.photo if previous else None
        if checked is not None:
            photo_document = Document.objects.create(
                pupil=pupil, kind=DocumentKind.PHOTO, title="Missing-person profile photograph",
                content_type=checked.content_type, size=checked.size, sha256=checked.sha256, content=checked.content,
                uploaded_by=actor, uploaded_at=now,
            )
        profile = MissingPersonProfile.objects.create(
            pupil=pupil, version=(previous.version + 1) if previous else 1, photo=photo_document,
            physical_description=details.physical_description.strip(),
            friends_and_associates=details.friends_and_associates.strip(),
            places_frequented=details.places_frequented.strip(),
            phones_and_social_media=details.phones_and_social_media.strip(),
            vulnerabilities=details.vulnerabilities.strip(), medical_information=details.medical_information.strip(),
            financial_information=details.financial_information.strip(), transport=details.transport.strip(),
            next_review_on=details.next_review_on, created_at=now, created_by=actor,
        )
        _entry(pupil=pupil, actor=actor, kind=EntryKind.PROFILE, now=now,
               title=f"Missing-person profile updated (version {profile.version})",
               body=f"Next review by {profile.next_review_on:%-d %B %Y}.")
    return profile


# --- Reintegration ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """An action of a plan (or a task of a case): what, who, by when."""

    title: str
    owner: User | None
    due_on: dt.date | None
    # What record completes it (models.TaskDoneWhen); blank: someone marks it done.
    done_when: str = ""


def _check_action(errors: dict, action: Action, pupil: Pupil, today: dt.date, prefix: str = "") -> None:
    if not action.title.strip():
        errors[f"{prefix}title"] = REQUIRED
    if action.done_when not in TaskDoneWhen.values:
        errors[f"{prefix}done_when"] = UNKNOWN_CHOICE.format(value=action.done_when)
    if action.owner is None:
        errors[f"{prefix}owner"] = REQUIRED
    elif not _is_staff_at(action.owner, pupil):
        errors[f"{prefix}owner"] = OWNER_NOT_STAFF.format(site=pupil.site.name)
    if action.due_on is None:
        errors[f"{prefix}due_on"] = REQUIRED
    elif action.due_on < today:
        errors[f"{prefix}due_on"] = DUE_IN_THE_PAST


def _is_staff_at(user: User, pupil: Pupil) -> bool:
    """Staff at the child's site, or the lead DSL: an action's owner."""
    return user.is_active and (
        Membership.objects.filter(user=user, site_id=pupil.site_id).exclude(role=Role.EXTERNAL).exists()
        or is_lead_dsl(user, pupil.organisation_id)
    )


@dataclass(frozen=True)
class PlanTerms:
    starts_on: dt.date | None
    monitoring_ends_on: dt.date | None
    attendance_target_percent: int | None
    support: str
    next_review_on: dt.date | None
    digital_safety_checks: str = ""
    part_time_timetable_id: int | None = None


def reintegration_plan_create(*, case: Case, actor: User, now: dt.datetime, terms: PlanTerms,
                              actions: Sequence[Action] = ()) -> ReintegrationPlan:
    """A plan for the child's return (seed 000 §10; seed 004 "Returning home from care"),
    with its actions as tasks."""
    from safewell.attendance.models import PlannedAbsence

    _require(actor, case.pupil)
    _require_live(case)
    errors: dict[str, str] = {}
    for field in ("starts_on", "monitoring_ends_on", "attendance_target_percent", "next_review_on"):
        if getattr(terms, field) is None:
            errors[field] = REQUIRED
    if not terms.support.strip():
        errors["support"] = REQUIRED
    if terms.starts_on and terms.monitoring_ends_on and terms.monitoring_ends_on <= terms.starts_on:
        errors["monitoring_ends_on"] = MONITORING_BEFORE_START
    if terms.attendance_target_percent is not None and not 1 <= terms.attendance_target_percent <= 100:
        errors["attendance_target_percent"] = TARGET_OUT_OF_RANGE
    if terms.starts_on and terms.next_review_on and terms.next_review_on < terms.starts_on:
        errors["next_review_on"] = REVIEW_BEFORE_START
    timetable = None
    if terms.part_time_timetable_id is not None:
        timetable = PlannedAbsence.objects.filter(pk=terms.part_time_timetable_id, pupil=case.pupil, code="C2").first()
        if timetable is None:
            errors["part_time_timetable"] = TIMETABLE_NOT_THE_CHILDS
        elif terms.next_review_on and terms.next_review_on > timetable.review_on:
            errors["next_review_on"] = REVIEW_AFTER_TIMETABLE.format(review=timetable.review_on)
    today = timezone_date(now)
    for index, action in enumerate(actions):
        _check_action(errors, action, case.pupil, today, prefix=f"actions.{index}.")
    _fail(errors)
    with transaction.atomic():
        plan = ReintegrationPlan.objects.create(
            case=case, pupil=case.pupil, starts_on=terms.starts_on, monitoring_ends_on=terms.monitoring_ends_on,
            attendance_target_percent=terms.attendance_target_percent, support=terms.support.strip(),
            digital_safety_checks=terms.digital_safety_checks.strip(), part_time_timetable=timetable,
            next_review_on=terms.next_review_on, created_at=now, created_by=actor,
        )
        for action in actions:
            Task.objects.create(case=case, plan=plan, title=action.title.strip(), owner=action.owner,
                                due_on=action.due_on, done_when=action.done_when, created_at=now, created_by=actor)
        _entry(pupil=case.pupil, actor=actor, kind=EntryKind.REINTEGRATION, case=case, record=plan, now=now,
               title=f"Reintegration plan: attendance target {plan.attendance_target_percent}% from "
                     f"{plan.starts_on:%-d %B} to {plan.monitoring_ends_on:%-d %B %Y}",
               body=f"{plan.support}\nFirst review by {plan.next_review_on:%-d %B %Y}."
               + (f"\nPart-time timetable (C2) to {timetable.ends_on:%-d %B %Y}, its review {timetable.review_on:%-d %B %Y}."
                  if timetable else "") + "".join(f"\nAction: {a.title} ({_name(a.owner)}, by {a.due_on:%-d %B %Y})"
                                                  for a in actions))
        _sync(case.pupil, now)
    return plan


def reintegration_review_record(*, plan: ReintegrationPlan, actor: User, now: dt.datetime, reviewed_on: dt.date | None,
                                notes: str, next_review_on: dt.date | None, end_reason: str = "") -> ReintegrationReview:
    """A review, with the register's figure as it stands; it sets the next review or ends
    the plan (with a reason). A timetable's review date bounds the next review too."""
    _require(actor, plan.pupil)
    if not plan.is_active:
        raise ValidationError({"reviewed_on": [PLAN_ENDED.format(ended=plan.ended_on)]})
    errors: dict[str, str] = {}
    if reviewed_on is None:
        errors["reviewed_on"] = REQUIRED
    _not_future(errors, "reviewed_on", reviewed_on, now)
    if not notes.strip():
        errors["notes"] = REQUIRED
    if next_review_on is None and not end_reason.strip():
        errors["next_review_on"] = NEXT_REVIEW_OR_END
    elif next_review_on is not None and reviewed_on is not None and next_review_on <= reviewed_on:
        errors["next_review_on"] = NEXT_REVIEW_NOT_AFTER
    timetable = plan.part_time_timetable
    if (next_review_on is not None and timetable is not None and reviewed_on is not None
            and reviewed_on < timetable.review_on < next_review_on):
        errors["next_review_on"] = REVIEW_AFTER_TIMETABLE.format(review=timetable.review_on)
    _fail(errors)
    today = timezone_date(now)
    with transaction.atomic():
        review = ReintegrationReview.objects.create(
            plan=plan, reviewed_on=reviewed_on, reviewed_by=actor, notes=notes.strip(),
            attendance_percent=selectors.plan_progress_percent(plan, today=today),
            next_review_on=next_review_on, recorded_at=now,
        )
        overdue_key = _plan_review_key(plan)
        if next_review_on is None:
            plan.ended_on, plan.end_reason = reviewed_on, end_reason.strip()
            plan.save(update_fields=["ended_on", "end_reason"])
        else:
            plan.next_review_on = next_review_on
            plan.save(update_fields=["next_review_on"])
        figure = f"Attendance against the target: {review.attendance_percent}% (target {plan.attendance_target_percent}%)." \
            if review.attendance_percent is not None else ""
        _entry(pupil=plan.pupil, actor=actor, kind=EntryKind.REINTEGRATION, case=plan.case, record=plan, now=now,
               event_at=_at_noon(reviewed_on),
               title="Reintegration plan reviewed" + (": plan ended" if next_review_on is None else ""),
               body=f"{review.notes}\n{figure}" + (f"\nNext review by {next_review_on:%-d %B %Y}." if next_review_on
                                                   else f"\nEnded: {plan.end_reason}"))
        _sync(plan.pupil, now)
        tasks_fulfil(case=plan.case, done_when=TaskDoneWhen.PLAN_REVIEWED, actor=actor, now=now, plan=plan,
                     note=f"The plan was reviewed on {reviewed_on:%-d %B %Y}.")
        if overdue_key:
            alert_resolve(rule_id=R.REINTEGRATION_REVIEW_OVERDUE, pupil_id=plan.pupil_id, episode_key=overdue_key,
                          actor=actor, now=now, reason=f"Plan reviewed on {reviewed_on:%-d %B %Y}.")
    return review


def _plan_review_key(plan: ReintegrationPlan) -> str:
    """The episode key of the plan's overdue-review alert, if one is live."""
    alert = Alert.objects.filter(rule_id=R.REINTEGRATION_REVIEW_OVERDUE, pupil_id=plan.pupil_id,
                                 episode_key__startswith=f"plan:{plan.pk}:").order_by("-pk").first()
    return alert.episode_key if alert is not None and alert.is_live else ""


# --- Tasks ----------------------------------------------------------------------------------------


def task_add(*, case: Case, actor: User, now: dt.datetime, action: Action) -> Task:
    _require(actor, case.pupil)
    _require_live(case)
    errors: dict[str, str] = {}
    _check_action(errors, action, case.pupil, timezone_date(now))
    _fail(errors)
    with transaction.atomic():
        task = Task.objects.create(case=case, title=action.title.strip(), owner=action.owner, due_on=action.due_on,
                                   done_when=action.done_when, created_at=now, created_by=actor)
        _entry(pupil=case.pupil, actor=actor, kind=EntryKind.TASK, case=case, now=now,
               title=f"Task set: {task.title}", body=f"{_name(task.owner)}, by {task.due_on:%-d %B %Y}.")
    return task


def task_complete(*, task: Task, actor: User, now: dt.datetime, note: str = "") -> Task:
    """Someone marks a task done. A task that a record completes (`done_when`) is refused:
    it is done when its record is written (tasks_fulfil), so it cannot say done while the
    record says otherwise."""
    _require(actor, task.case.pupil)
    if task.is_done:
        raise ValidationError({"note": [TASK_ALREADY_DONE.format(at=task.completed_at.astimezone(LONDON))]})
    if task.done_when:
        raise ValidationError({"note": [TASK_DONE_BY_ITS_RECORD.format(when=task.done_when_text)]})
    with transaction.atomic():
        _task_done(task, actor=actor, now=now, note=note.strip())
    return task


def _task_done(task: Task, *, actor: User, now: dt.datetime, note: str) -> None:
    task.completed_at, task.completed_by, task.completion_note = now, actor, note
    task.save(update_fields=["completed_at", "completed_by", "completion_note"])
    _entry(pupil=task.case.pupil, actor=actor, kind=EntryKind.TASK, case=task.case, now=now,
           title=f"Task done: {task.title}", body=task.completion_note)


def tasks_fulfil(*, case: Case, done_when: str, actor: User, now: dt.datetime, note: str,
                 plan: ReintegrationPlan | None = None) -> list[Task]:
    """The record `done_when` asks for was just written: its open tasks on the case (those
    of `plan`, or of no plan, when a plan was reviewed) are done, in the same transaction,
    in the name of whoever wrote it, with a note saying which record did it."""
    tasks = Task.objects.filter(case=case, done_when=done_when, completed_at__isnull=True).select_related("case__pupil")
    if plan is not None:
        tasks = tasks.filter(Q(plan=plan) | Q(plan__isnull=True))
    done = list(tasks)
    for task in done:
        _task_done(task, actor=actor, now=now, note=note)
    return done


# --- Documents ------------------------------------------------------------------------------------


def document_upload(*, pupil: Pupil, actor: User, now: dt.datetime, kind: str, title: str, content: bytes,
                    case: Case | None = None) -> Document:
    """An image or a PDF, checked by its content and size (documents.upload_check)."""
    _require(actor, pupil)
    errors: dict[str, str] = {}
    _choice(errors, "kind", kind, DocumentKind.values)
    if not title.strip():
        errors["title"] = REQUIRED
    if case is not None and case.pupil_id != pupil.pk:
        errors["case"] = TRIAGE_CASE_OTHER_CHILD
    checked = None
    try:
        checked = upload_check(content, images_only=kind == DocumentKind.PHOTO)
    except ValidationError as error:
        errors["file"] = error.message_dict["file"][0]
    _fail(errors)
    with transaction.atomic():
        document = Document.objects.create(pupil=pupil, case=case, kind=kind, title=title.strip(),
                                           content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                                           content=checked.content, uploaded_by=actor, uploaded_at=now)
        _entry(pupil=pupil, actor=actor, kind=EntryKind.DOCUMENT, case=case, record=document, now=now,
               title=f"Document added: {document.title} ({document.get_kind_display().lower()})")
    return document


# --- Sharing with agencies -------------------------------------------------------------------------


@dataclass(frozen=True)
class SharingDecision:
    recipient: str
    purpose: str
    lawful_basis: str
    format: str


def sharing_decision_check(decision: SharingDecision, groups: Iterable[str]) -> None:
    errors: dict[str, str] = {}
    if not decision.recipient.strip():
        errors["recipient"] = REQUIRED
    if not decision.purpose.strip():
        errors["purpose"] = REQUIRED
    _choice(errors, "lawful_basis", decision.lawful_basis, LawfulBasis.values)
    _choice(errors, "format", decision.format, ExportFormat.values)
    if not list(groups):
        errors["groups"] = NOTHING_CHOSEN
    _fail(errors)


def agency_export_record(*, pupil: Pupil, actor: User, now: dt.datetime, decision: SharingDecision, selection: dict,
                         entry_count: int, content: bytes, case: Case | None = None) -> AgencyExport:
    """The sharing decision, with a hash of exactly what left, written before it is handed over."""
    _require(actor, pupil)
    sharing_decision_check(decision, selection.get("groups", []))
    if entry_count == 0:
        raise ValidationError({"groups": [NOTHING_TO_SHARE]})
    with transaction.atomic():
        export = AgencyExport.objects.create(
            pupil=pupil, case=case, recipient=decision.recipient.strip(), purpose=decision.purpose.strip(),
            lawful_basis=decision.lawful_basis, format=decision.format, selection=selection, entry_count=entry_count,
            sha256=hashlib.sha256(content).hexdigest(), exported_by=actor, exported_at=now,
        )
        _entry(pupil=pupil, actor=actor, kind=EntryKind.SHARING, case=case, now=now,
               title=f"Chronology shared with {export.recipient} ({entry_count} entries, {export.get_format_display()})",
               body=f"Why: {export.purpose}\nLawful basis: {export.get_lawful_basis_display()}.")
    return export


# --- Retention (statutory.md §8) ----------------------------------------------------------------------


def legal_hold_place(*, pupil: Pupil, actor: User, now: dt.datetime, reason: str) -> LegalHold:
    _require_lead(actor, pupil)
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = REQUIRED
    if LegalHold.objects.filter(pupil=pupil, lifted_at__isnull=True).exists():
        errors["reason"] = HOLD_IN_FORCE
    _fail(errors)
    return LegalHold.objects.create(pupil=pupil, reason=reason.strip(), placed_by=actor, placed_at=now)


def legal_hold_lift(*, pupil: Pupil, actor: User, now: dt.datetime, reason: str) -> LegalHold:
    _require_lead(actor, pupil)
    hold = LegalHold.objects.filter(pupil=pupil, lifted_at__isnull=True).first()
    errors: dict[str, str] = {}
    if hold is None:
        errors["reason"] = NO_HOLD_IN_FORCE
    elif not reason.strip():
        errors["reason"] = REQUIRED
    _fail(errors)
    hold.lifted_at, hold.lifted_by, hold.lift_reason = now, actor, reason.strip()
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    return hold


def _require_lead(actor: User, pupil: Pupil) -> None:
    _require(actor, pupil)
    if not is_lead_dsl(actor, pupil.organisation_id):
        raise PermissionDenied(selectors.NOT_THE_LEAD_DSL)


# Destroyed children first (what points at them), the record itself last.
_DESTRUCTION_ORDER = (
    ("return home interviews", lambda p: ReturnHomeInterview.objects.filter(episode__pupil=p)),
    ("reintegration reviews", lambda p: ReintegrationReview.objects.filter(plan__pupil=p)),
    ("tasks", lambda p: Task.objects.filter(case__pupil=p)),
    ("chronology entries", lambda p: ChronologyEntry.objects.filter(pupil=p).order_by("-pk")),
    ("concerns", lambda p: Concern.objects.filter(pupil=p)),
    ("risk assessments", lambda p: RiskAssessment.objects.filter(pupil=p).order_by("-pk")),
    ("referrals", lambda p: Referral.objects.filter(pupil=p)),
    ("reasonable enquiries", lambda p: ReasonableEnquiry.objects.filter(case__pupil=p)),
    ("safe-and-well checks", lambda p: SafeAndWellCheck.objects.filter(pupil=p)),
    ("missing episodes", lambda p: MissingEpisode.objects.filter(pupil=p)),
    ("missing-person profiles", lambda p: MissingPersonProfile.objects.filter(pupil=p)),
    ("reintegration plans", lambda p: ReintegrationPlan.objects.filter(pupil=p)),
    ("agency exports", lambda p: AgencyExport.objects.filter(pupil=p)),
    ("documents", lambda p: Document.objects.filter(pupil=p)),
    ("cases", lambda p: Case.objects.filter(pupil=p)),
    ("legal holds (lifted)", lambda p: LegalHold.objects.filter(pupil=p)),
)


def retention_destroy(*, pupil: Pupil, actor: User, now: dt.datetime, confirm_upn: str) -> DestructionRecord:
    """Destroy the child's safeguarding file once its retention date has passed (date of
    birth + N years, statutory.md §8 [U]), never under a legal hold, by the lead DSL, with
    a line in the destruction log. The register is not touched: its marks are kept at least
    six years by reg 7 of the 2024 Regulations [C], and are never deleted here."""
    from django.conf import settings

    _require_lead(actor, pupil)
    due_on = selectors.retention_due_on(pupil)
    errors: dict[str, str] = {}
    if due_on > timezone_date(now):
        errors["confirm_upn"] = RETENTION_NOT_DUE.format(due=due_on, years=settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS)
    elif LegalHold.objects.filter(pupil=pupil, lifted_at__isnull=True).exists():
        errors["confirm_upn"] = RETENTION_HELD
    elif confirm_upn.strip().upper() != pupil.upn:
        errors["confirm_upn"] = RETENTION_CONFIRM
    _fail(errors)
    counts: dict[str, int] = {}
    with transaction.atomic(), retention_destruction():
        for label, rows in _DESTRUCTION_ORDER:
            found = list(rows(pupil))
            for row in found:
                row.delete()
            if found:
                counts[label] = len(found)
        return DestructionRecord.objects.create(
            organisation_id=pupil.organisation_id, pupil_id_destroyed=pupil.pk, upn=pupil.upn,
            retention_rule=f"date of birth + {settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS} years",
            due_on=due_on, record_counts=counts, destroyed_at=now, destroyed_by=actor,
        )
