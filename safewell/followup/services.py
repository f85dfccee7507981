"""Writes of first-day calling: logging contact attempts, code proposals and their
acceptance, replies from families, parents' absence reports, and over-18 consent.

Every service validates everything first, reports every problem at once (a ValidationError
keyed by field, messages as module constants), and writes all-or-nothing in one
transaction. "Now" is always passed in. Access is checked here too (`actor`), so the pages,
the API and the jobs share one rule: an attempt against a pupil the actor cannot see is
refused.

`contacts_changed` is sent inside the transaction that records an attempt: the policy
engine listens and re-evaluates the pupil (the escalation ladder, no contact with a
safeguarding flag, the CME clock), so an alert is written with the attempt that raises it
(design.md principle 4).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.http import Http404

from safewell.accounts.models import User
from safewell.accounts.selectors import roles_for
from safewell.followup import reasons
from safewell.followup.models import (
    AbsenceReport,
    CodeProposal,
    ContactAttempt,
    ContactChannel,
    ContactedKind,
    ContactOutcome,
    InboundMessage,
    ParentContactConsent,
    ReasonCategory,
    ReviewStatus,
)
from safewell.followup.profile_settings import followup_settings
from safewell.followup.selectors import (
    DECIDING_ROLES,
    FOLLOWUP_ROLES,
    NOT_DECIDING_STAFF,
    UNEXPLAINED_CODES,
    local,
    parents_contactable,
)
from safewell.pupils.models import Contact, ProfessionalContact, Pupil, Relationship

# Sent inside the transaction that recorded contact attempts, with `pupil_ids` and `now`.
# The policy engine re-evaluates those pupils (policy/engine/hooks.py); followup does not
# import the engine to do it.
contacts_changed = Signal()

# --- Messages (module constants, so tests can refer to them) ------------------------------------

REQUIRED = "This field is required."
NOT_A_CHOICE = "“{value}” is not one of the choices."
CONTACT_OF_ANOTHER_PUPIL = "That contact is not one of {pupil}'s contacts."
DO_NOT_CONTACT = "{name} must not be contacted: {reason}"
OVER_18_NO_CONSENT = (
    "{pupil} is 18 or over and has not consented to their family being contacted (seed 004, "
    "Safeguarding Over 18s): contact {pupil} themselves."
)
PUPIL_NOT_ADULT = "Contact {pupil}'s family: only a student of 18 or over is contacted about their own absence by phone, text or email."
PROFESSIONAL_OF_ANOTHER_PUPIL = "That professional does not work with {pupil}."
NAME_THE_AGENCY = "Name the agency or person contacted."
ATTEMPT_IN_FUTURE = "The attempt is dated {at:%-d %B %Y %H:%M}, later than now."
ABSENCE_IN_FUTURE = "The absence date {day:%-d %B %Y} is in the future."
HOME_VISIT_NEEDS_SECOND = "A home visit is made by two staff: name who went with you."
SECOND_IS_YOU = "Name the other member of staff who went with you, not yourself."
SECOND_NOT_STAFF = "{name} is not staff at {site}."
WHEREABOUTS_NEED_CONTACT = "Whereabouts are known only from someone reached, or from seeing the child."
SEEN_NEEDS_VISIT = "The child is seen on a home visit or in person."
SAFE_AND_WELL_NEEDS_SEEN = "Say whether the child was safe and well only when the child was seen."
REASON_NEEDS_CONTACT = "A reason comes from someone reached."
CORRECTS_ANOTHER_PUPIL = "The attempt corrected must be one of {pupil}'s."
PROPOSAL_ALREADY_DECIDED = "This proposal was already {status}."
PROPOSAL_DAY_NOT_YET = "The register for {date:%-d %B %Y} has not been taken yet: accept this on the day."
PROPOSAL_NOTHING_TO_CHANGE = (
    "Nothing to change: {pupil}'s sessions on {date:%-d %B %Y} are already marked ({marks}). "
    "Only N, O or a missing mark is replaced."
)
NOTE_REQUIRED = "Say why: the reason is a record too."
REPLY_ALREADY_DECIDED = "This reply was already {status}."
REPLY_PUPIL_NOT_POSSIBLE = "Choose one of the pupils this number belongs to."
REPORT_ALREADY_DECIDED = "This report was already {status}."
REPORT_NEEDS_PUPIL = "Choose the pupil this report is about."
REPORT_PUPIL_ELSEWHERE = "That pupil is not at {site}."
REPORT_DAYS_OUT_OF_ORDER = "The last day is before the first day."
REPORT_TOO_FAR_AHEAD = "Report absences up to {days} days ahead; call the school about longer ones."
REPORT_TOO_LONG = "Report at most {days} days at once; call the school about a longer absence."
REPORT_IN_THE_PAST = "Report today's absence or a later one; for earlier days, call the school."
DOB_IN_FUTURE = "The date of birth is in the future."
TEXT_TOO_LONG = "Write at most {limit} characters."

REPORT_MAX_DAYS = 10
REPORT_MAX_DAYS_AHEAD = 28
MAX_TEXT = 2000


def _problem(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _check_followup_role(actor: User, pupil: Pupil) -> None:
    roles = roles_for(actor, pupil.site)
    if not roles:
        raise Http404("No such pupil")
    if not roles & FOLLOWUP_ROLES:
        raise PermissionDenied("First-day calling is for attendance officers, pastoral staff and the DSL team.")


def _check_deciding_role(actor: User, site) -> None:
    roles = roles_for(actor, site)
    if not roles:
        raise Http404("Not found")
    if not roles & DECIDING_ROLES:
        raise PermissionDenied(NOT_DECIDING_STAFF)


def _over_18_option(pupil: Pupil) -> bool:
    return followup_settings(pupil.organisation_id).over_18_parent_notification


# --- Logging a contact attempt ------------------------------------------------------------------


def contact_attempt_log(
    *,
    actor: User | None,
    pupil: Pupil,
    absence_date: dt.date,
    channel: str,
    contacted_kind: str,
    outcome: str,
    attempted_at: dt.datetime,
    now: dt.datetime,
    contact: Contact | None = None,
    professional: ProfessionalContact | None = None,
    contacted_name: str = "",
    address: str = "",
    reason_category: str = "",
    reason_text: str = "",
    whereabouts_known: bool | None = None,
    child_seen: bool = False,
    child_safe_and_well: bool | None = None,
    accompanied_by: User | None = None,
    notes: str = "",
    corrects: ContactAttempt | None = None,
    message=None,
    proposal_days: list[dt.date] | None = None,
) -> ContactAttempt:
    """Record one contact attempt (seed 000 §5: "attempts to contact will be recorded").
    A reason that maps to a code becomes a pending CodeProposal for the absence date (or
    each of `proposal_days`); nothing changes a mark. `actor` None is Safewell itself (a
    first-day message, an agency notice); `message` the outbox row of a text or email
    Safewell sent."""
    if actor is not None:
        _check_followup_role(actor, pupil)
    errors: dict[str, list[str]] = {}
    _check_choices(errors, channel=channel, contacted_kind=contacted_kind, outcome=outcome, reason_category=reason_category)
    name, role, address = _who(errors, pupil, absence_date, contacted_kind, channel, contact, professional,
                               contacted_name, address)
    _check_times(errors, absence_date, attempted_at, now)
    _check_visit(errors, actor, pupil, channel, accompanied_by, child_seen, child_safe_and_well)
    reached = outcome == ContactOutcome.REACHED
    if whereabouts_known is not None and not (reached or child_seen):
        _problem(errors, "whereabouts_known", WHEREABOUTS_NEED_CONTACT)
    if reason_category and not (reached or child_seen) and channel != ContactChannel.ONLINE_FORM:
        _problem(errors, "reason_category", REASON_NEEDS_CONTACT)
    for field, text in (("reason_text", reason_text), ("notes", notes)):
        if len(text or "") > MAX_TEXT:
            _problem(errors, field, TEXT_TOO_LONG.format(limit=MAX_TEXT))
    if corrects is not None and corrects.pupil_id != pupil.pk:
        _problem(errors, "corrects", CORRECTS_ANOTHER_PUPIL.format(pupil=pupil))
    _raise_if(errors)
    with transaction.atomic():
        attempt = ContactAttempt.objects.create(
            pupil=pupil, site_id=pupil.site_id, absence_date=absence_date, channel=channel,
            contacted_kind=contacted_kind, contact=contact, professional=professional, contacted_name=name,
            contacted_role=role, address=address, attempted_at=attempted_at, outcome=outcome,
            reason_category=reason_category, reason_text=(reason_text or "").strip(),
            whereabouts_known=whereabouts_known, child_seen=child_seen, child_safe_and_well=child_safe_and_well,
            accompanied_by=accompanied_by, notes=(notes or "").strip(), corrects=corrects, message=message,
            recorded_by=actor, recorded_at=now,
        )
        code_proposal_from_attempt(attempt=attempt, days=[absence_date] if proposal_days is None else proposal_days, now=now)
        contacts_changed.send(sender=ContactAttempt, pupil_ids=[pupil.pk], now=now)
    return attempt


def _check_choices(errors: dict, **values: str) -> None:
    choices = {
        "channel": ContactChannel.values, "contacted_kind": ContactedKind.values,
        "outcome": ContactOutcome.values, "reason_category": [*ReasonCategory.values, ""],
    }
    for field, value in values.items():
        if value not in choices[field]:
            _problem(errors, field, NOT_A_CHOICE.format(value=value) if value else REQUIRED)


def _who(errors: dict, pupil: Pupil, day: dt.date, kind: str, channel: str, contact: Contact | None,
         professional: ProfessionalContact | None, name: str, address: str) -> tuple[str, str, str]:
    """(name, role, address) of who was contacted, checked against the pupil's record."""
    name = (name or "").strip()
    if kind == ContactedKind.CONTACT:
        if contact is None:
            if channel == ContactChannel.ONLINE_FORM and name:
                return name, "", address  # a parent's report: who they said they are
            _problem(errors, "contact", REQUIRED)
            return name, "", address
        if contact.pupil_id != pupil.pk:
            _problem(errors, "contact", CONTACT_OF_ANOTHER_PUPIL.format(pupil=pupil))
        elif contact.do_not_contact:
            _problem(errors, "contact", DO_NOT_CONTACT.format(name=contact.name, reason=contact.do_not_contact_reason))
        elif contact.relationship != Relationship.SELF and not parents_contactable(
            pupil, day, over_18_parent_notification=_over_18_option(pupil)
        ):
            _problem(errors, "contact", OVER_18_NO_CONSENT.format(pupil=pupil))
        return contact.name, contact.get_relationship_display(), address or _first_phone(contact)
    if kind == ContactedKind.PUPIL:
        remote = channel in (ContactChannel.PHONE, ContactChannel.SMS, ContactChannel.EMAIL, ContactChannel.LETTER)
        if remote and not pupil.is_over_18(day):
            _problem(errors, "contacted_kind", PUPIL_NOT_ADULT.format(pupil=pupil))
        return pupil.display_name, "The pupil", address
    if professional is not None:
        if professional.pupil_id != pupil.pk:
            _problem(errors, "professional", PROFESSIONAL_OF_ANOTHER_PUPIL.format(pupil=pupil))
        return professional.name, f"{professional.get_role_display()}, {professional.organisation}", address or professional.email or professional.phone
    if not name:
        _problem(errors, "contacted_name", NAME_THE_AGENCY)
    return name, "", address


def _first_phone(contact: Contact) -> str:
    return contact.phones[0][1] if contact.phones else ""


def _check_times(errors: dict, day: dt.date, attempted_at: dt.datetime, now: dt.datetime) -> None:
    if day > local(now).date():
        _problem(errors, "absence_date", ABSENCE_IN_FUTURE.format(day=day))
    # A minute's grace: the form's default time is "now" when the page was opened.
    if attempted_at > now + dt.timedelta(minutes=1):
        _problem(errors, "attempted_at", ATTEMPT_IN_FUTURE.format(at=local(attempted_at)))


def _check_visit(errors: dict, actor: User | None, pupil: Pupil, channel: str, accompanied_by: User | None,
                 child_seen: bool, child_safe_and_well: bool | None) -> None:
    if channel == ContactChannel.HOME_VISIT:
        if accompanied_by is None:
            _problem(errors, "accompanied_by", HOME_VISIT_NEEDS_SECOND)
        elif actor is not None and accompanied_by.pk == actor.pk:
            _problem(errors, "accompanied_by", SECOND_IS_YOU)
        elif not roles_for(accompanied_by, pupil.site):
            _problem(errors, "accompanied_by", SECOND_NOT_STAFF.format(name=accompanied_by, site=pupil.site))
    if child_seen and channel not in (ContactChannel.HOME_VISIT, ContactChannel.IN_PERSON):
        _problem(errors, "child_seen", SEEN_NEEDS_VISIT)
    if child_safe_and_well is not None and not child_seen:
        _problem(errors, "child_safe_and_well", SAFE_AND_WELL_NEEDS_SEEN)


# --- Code proposals -------------------------------------------------------------------------------


def code_proposal_from_attempt(*, attempt: ContactAttempt, days: list[dt.date], now: dt.datetime) -> list[CodeProposal]:
    """A pending proposal per day for a reason that maps to a code (reasons.py); an older
    proposal waiting for the same pupil and day is superseded by the newer reason."""
    proposed = reasons.proposed_code(attempt.reason_category)
    if proposed is None:
        return []
    made = []
    for day in days:
        CodeProposal.objects.filter(pupil=attempt.pupil, date=day, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.SUPERSEDED, decided_at=now, decision_note="A newer reason was given."
        )
        made.append(CodeProposal.objects.create(
            pupil=attempt.pupil, site_id=attempt.site_id, date=day, code=proposed.code,
            reason_category=attempt.reason_category, reason_text=attempt.reason_text, attempt=attempt, created_at=now,
        ))
    return made


def _sessions_to_replace(proposal: CodeProposal, now: dt.datetime) -> tuple[list[str], dict[str, str]]:
    """(sessions whose mark the proposal replaces, every held session's current mark)."""
    from safewell.attendance.models import Mark
    from safewell.followup.selectors import closed_sessions, site_calendar

    calendar = site_calendar(proposal.site, proposal.date, proposal.date)
    held = [s for d, s in closed_sessions(proposal.site, calendar, proposal.date, now) if d == proposal.date] \
        if calendar else []
    marks = dict(Mark.objects.filter(pupil=proposal.pupil, date=proposal.date).values_list("session", "code"))
    return [s for s in held if marks.get(s) is None or marks[s] in UNEXPLAINED_CODES], marks


def code_proposal_accept(*, proposal: CodeProposal, actor: User, now: dt.datetime) -> CodeProposal:
    """An attendance officer accepts the code: the day's N, O or missing marks of sessions
    whose register has closed become it, through the register amendment path (old value,
    who, when and why kept; audited), in one transaction with the proposal's decision."""
    from safewell.attendance.registers import Amendment, register_marks_amend

    _check_deciding_role(actor, proposal.site)
    with transaction.atomic():
        proposal = CodeProposal.objects.select_for_update().select_related("pupil", "site", "attempt").get(pk=proposal.pk)
        if proposal.status != ReviewStatus.PENDING:
            raise ValidationError(PROPOSAL_ALREADY_DECIDED.format(status=proposal.get_status_display().lower()))
        sessions, marks = _sessions_to_replace(proposal, now)
        if not sessions:
            if not marks and proposal.date >= local(now).date():
                raise ValidationError(PROPOSAL_DAY_NOT_YET.format(date=proposal.date))
            shown = ", ".join(f"{s} {c}" for s, c in sorted(marks.items())) or "no register taken"
            raise ValidationError(PROPOSAL_NOTHING_TO_CHANGE.format(pupil=proposal.pupil, date=proposal.date, marks=shown))
        register_marks_amend(
            amendments=[Amendment(proposal.pupil_id, proposal.date, s, proposal.code) for s in sessions],
            reason=_amendment_reason(proposal, actor), actor=actor, now=now,
            detail=f"code proposal {proposal.pk} accepted",
        )
        proposal.status, proposal.decided_by, proposal.decided_at = ReviewStatus.ACCEPTED, actor, now
        proposal.sessions_changed = sessions
        proposal.save(update_fields=["status", "decided_by", "decided_at", "sessions_changed"])
    return proposal


def _amendment_reason(proposal: CodeProposal, actor: User) -> str:
    attempt = proposal.attempt
    said = proposal.get_reason_category_display() + (f": {proposal.reason_text}" if proposal.reason_text else "")
    return (f"Reason from {attempt.contacted_name} ({attempt.get_channel_display().lower()}, "
            f"{local(attempt.attempted_at):%-d %b %Y %H:%M}): {said}. Accepted by {actor.get_full_name() or actor}.")


def code_proposal_reject(*, proposal: CodeProposal, actor: User, note: str, now: dt.datetime) -> CodeProposal:
    _check_deciding_role(actor, proposal.site)
    return _set_aside(proposal, actor=actor, note=note, now=now, already=PROPOSAL_ALREADY_DECIDED,
                      detail="code proposal not accepted")


def _set_aside(target, *, actor: User, note: str, now: dt.datetime, already: str, detail: str):
    """Decide a waiting reply, report or proposal as not accepted, with the reason why (a
    record too), once: a conditional UPDATE, so two people cannot both decide it."""
    if not (note or "").strip():
        raise ValidationError({"note": NOTE_REQUIRED})
    with transaction.atomic():
        changed = type(target).objects.filter(pk=target.pk, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.REJECTED, decided_by=actor, decided_at=now, decision_note=note.strip()
        )
        target.refresh_from_db()
        if not changed:
            raise ValidationError(already.format(status=target.get_status_display().lower()))
        _audit_decision(target, detail, note)
    return target


def _audit_decision(target, detail: str, note: str) -> None:
    # A conditional UPDATE sends no model signal: the decision is audited here.
    from safewell.audit.services import audit_log

    audit_log(action="update", target=target, changes={"status": [ReviewStatus.PENDING, target.status]},
              detail=f"{detail}: {note.strip()}")


# --- Replies from families ------------------------------------------------------------------------


def inbound_message_accept(
    *, message: InboundMessage, pupil: Pupil, actor: User, reason_category: str, whereabouts_known: bool | None,
    notes: str, now: dt.datetime,
) -> InboundMessage:
    """A person reads a family's reply and says whose it is: it becomes a contact attempt
    (a text, reached) with the reason they chose, and a code proposal if the reason maps to
    one. The reply's own words are kept as the reason text."""
    if message.status != ReviewStatus.PENDING:
        raise ValidationError(REPLY_ALREADY_DECIDED.format(status=message.get_status_display().lower()))
    if not message.possible_pupils.filter(pk=pupil.pk).exists():
        raise ValidationError({"pupil": REPLY_PUPIL_NOT_POSSIBLE})
    _check_deciding_role(actor, pupil.site)
    contact = _contact_with_number(pupil, message.from_number)
    kind = ContactedKind.PUPIL if contact is not None and contact.relationship == Relationship.SELF else ContactedKind.CONTACT
    with transaction.atomic():
        attempt = contact_attempt_log(
            actor=actor, pupil=pupil, absence_date=local(message.received_at).date(), channel=ContactChannel.SMS,
            contacted_kind=kind, contact=contact if kind == ContactedKind.CONTACT else None,
            contacted_name=contact.name if contact else "", address=message.from_number,
            outcome=ContactOutcome.REACHED, attempted_at=message.received_at, now=now,
            reason_category=reason_category, reason_text=message.body, whereabouts_known=whereabouts_known,
            notes=notes,
        )
        changed = InboundMessage.objects.filter(pk=message.pk, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.ACCEPTED, pupil=pupil, attempt=attempt, decided_by=actor, decided_at=now,
        )
        if not changed:
            raise ValidationError(REPLY_ALREADY_DECIDED.format(status="decided"))
        message.refresh_from_db()
        _audit_decision(message, f"reply accepted as {pupil}'s", notes or "accepted")
    return message


def _contact_with_number(pupil: Pupil, number: str) -> Contact | None:
    for contact in pupil.contacts.all():
        if number in {n for _, n in contact.phones}:
            return contact
    return None


def inbound_message_dismiss(*, message: InboundMessage, actor: User, note: str, now: dt.datetime) -> InboundMessage:
    sites = {p.site for p in message.possible_pupils.select_related("site")}
    if not any(roles_for(actor, site) & DECIDING_ROLES for site in sites):
        raise PermissionDenied(NOT_DECIDING_STAFF)
    return _set_aside(message, actor=actor, note=note, now=now, already=REPLY_ALREADY_DECIDED,
                      detail="reply not accepted")


# --- Parents' absence reports --------------------------------------------------------------------


def absence_report_submit(
    *, site, child_name: str, child_date_of_birth: dt.date | None, first_day: dt.date | None,
    last_day: dt.date | None, reason_category: str, reason_text: str, reporter_name: str,
    reporter_relationship: str, reporter_phone: str, now: dt.datetime,
) -> AbsenceReport:
    """A parent's report from the public form. Matched to a pupil of the site by name and
    date of birth when exactly one fits; otherwise a person matches it. The form says the
    same whether or not it matched, so it cannot be used to find out who attends."""
    errors: dict[str, list[str]] = {}
    today = local(now).date()
    values = {"child_name": child_name, "reporter_name": reporter_name, "reporter_relationship": reporter_relationship}
    for field, value in values.items():
        if not (value or "").strip():
            _problem(errors, field, REQUIRED)
        elif len(value) > 200:
            _problem(errors, field, TEXT_TOO_LONG.format(limit=200))
    for field, value in (("child_date_of_birth", child_date_of_birth), ("first_day", first_day), ("last_day", last_day)):
        if value is None:
            _problem(errors, field, REQUIRED)
    if child_date_of_birth and child_date_of_birth > today:
        _problem(errors, "child_date_of_birth", DOB_IN_FUTURE)
    _check_report_days(errors, first_day, last_day, today)
    if reason_category not in ReasonCategory.values:
        _problem(errors, "reason_category", NOT_A_CHOICE.format(value=reason_category) if reason_category else REQUIRED)
    if len(reason_text or "") > MAX_TEXT:
        _problem(errors, "reason_text", TEXT_TOO_LONG.format(limit=MAX_TEXT))
    if len(reporter_phone or "") > 32:
        _problem(errors, "reporter_phone", TEXT_TOO_LONG.format(limit=32))
    _raise_if(errors)
    return AbsenceReport.objects.create(
        site=site, child_name=child_name.strip(), child_date_of_birth=child_date_of_birth, first_day=first_day,
        last_day=last_day, reason_category=reason_category, reason_text=(reason_text or "").strip(),
        reporter_name=reporter_name.strip(), reporter_relationship=reporter_relationship.strip(),
        reporter_phone=(reporter_phone or "").strip(), received_at=now,
        pupil=_matching_pupil(site, child_name, child_date_of_birth),
    )


def _check_report_days(errors: dict, first_day, last_day, today: dt.date) -> None:
    if not (first_day and last_day):
        return
    if last_day < first_day:
        _problem(errors, "last_day", REPORT_DAYS_OUT_OF_ORDER)
    elif (last_day - first_day).days + 1 > REPORT_MAX_DAYS:
        _problem(errors, "last_day", REPORT_TOO_LONG.format(days=REPORT_MAX_DAYS))
    if first_day < today:
        _problem(errors, "first_day", REPORT_IN_THE_PAST)
    elif (first_day - today).days > REPORT_MAX_DAYS_AHEAD:
        _problem(errors, "first_day", REPORT_TOO_FAR_AHEAD.format(days=REPORT_MAX_DAYS_AHEAD))


def _matching_pupil(site, child_name: str, date_of_birth: dt.date) -> Pupil | None:
    words = {w.lower() for w in child_name.split()}
    found = [
        p for p in Pupil.objects.filter(site=site, date_of_birth=date_of_birth)
        if {p.forename.lower(), p.legal_forename.lower()} & words and {p.surname.lower(), p.legal_surname.lower()} & words
    ]
    return found[0] if len(found) == 1 else None


def absence_report_accept(*, report: AbsenceReport, actor: User, now: dt.datetime, pupil: Pupil | None = None) -> AbsenceReport:
    """The officer is satisfied the report is genuine (they may call back first): it becomes
    a contact attempt (the parent reached, whereabouts known), a proposal for each reported
    school day with a code, and a pre-notification that takes the pupil off those days'
    calling lists. It changes no mark by itself."""
    from safewell.followup.selectors import site_calendar

    _check_deciding_role(actor, report.site)
    pupil = pupil or report.pupil
    if report.status != ReviewStatus.PENDING:
        raise ValidationError(REPORT_ALREADY_DECIDED.format(status=report.get_status_display().lower()))
    if pupil is None:
        raise ValidationError({"pupil": REPORT_NEEDS_PUPIL})
    if pupil.site_id != report.site_id:
        raise ValidationError({"pupil": REPORT_PUPIL_ELSEWHERE.format(site=report.site)})
    calendar = site_calendar(report.site, report.first_day, report.last_day)
    days = calendar.school_days_between(report.first_day, report.last_day) if calendar else []
    with transaction.atomic():
        attempt = contact_attempt_log(
            actor=actor, pupil=pupil, absence_date=min(report.first_day, local(now).date()),
            channel=ContactChannel.ONLINE_FORM, contacted_kind=ContactedKind.CONTACT,
            contacted_name=f"{report.reporter_name} ({report.reporter_relationship})", address=report.reporter_phone,
            outcome=ContactOutcome.REACHED, attempted_at=report.received_at, now=now,
            reason_category=report.reason_category, reason_text=report.reason_text, whereabouts_known=True,
            notes="Absence reported through the online form; accepted as genuine.", proposal_days=days,
        )
        report.status, report.pupil, report.attempt = ReviewStatus.ACCEPTED, pupil, attempt
        report.decided_by, report.decided_at = actor, now
        report.save(update_fields=["status", "pupil", "attempt", "decided_by", "decided_at"])
    return report


def absence_report_reject(*, report: AbsenceReport, actor: User, note: str, now: dt.datetime) -> AbsenceReport:
    _check_deciding_role(actor, report.site)
    return _set_aside(report, actor=actor, note=note, now=now, already=REPORT_ALREADY_DECIDED,
                      detail="absence report not accepted")


# --- Over-18 consent ------------------------------------------------------------------------------


def parent_contact_consent_record(*, pupil: Pupil, consents: bool, note: str, actor: User, now: dt.datetime) -> ParentContactConsent:
    _check_followup_role(actor, pupil)
    return ParentContactConsent.objects.create(
        pupil=pupil, consents=consents, note=(note or "").strip(), recorded_by=actor, recorded_at=now,
    )
