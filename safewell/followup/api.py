"""First-day calling in the API: a pupil's contact attempts, and logging one (for a phone
system or an MIS that records calls). The same services and rules as the pages: a refused
attempt is a 422 naming each field, and nothing is written."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import ValidationError

from safewell.accounts.models import User
from safewell.audit.services import audit_read
from safewell.followup import selectors, services
from safewell.followup.models import ContactAttempt
from safewell.pupils.models import Contact, ProfessionalContact

router = Router(tags=["first-day calling"])


class ContactAttemptIn(Schema):
    pupil_id: int
    absence_date: dt.date
    channel: str
    contacted_kind: str
    outcome: str
    attempted_at: dt.datetime
    contact_id: int | None = None
    professional_id: int | None = None
    contacted_name: str = ""
    reason_category: str = ""
    reason_text: str = ""
    whereabouts_known: bool | None = None
    child_seen: bool = False
    child_safe_and_well: bool | None = None
    accompanied_by_id: int | None = None
    notes: str = ""


class ContactAttemptOut(Schema):
    id: int
    pupil_id: int
    absence_date: dt.date
    channel: str
    contacted_kind: str
    contacted_name: str
    contacted_role: str
    outcome: str
    message_status: str | None
    attempted_at: dt.datetime
    reason_category: str
    reason_text: str
    whereabouts_known: bool | None
    child_seen: bool
    child_safe_and_well: bool | None
    notes: str
    corrects_id: int | None
    recorded_by: str


def _out(attempt: ContactAttempt) -> ContactAttemptOut:
    who = attempt.recorded_by
    return ContactAttemptOut(
        id=attempt.pk, pupil_id=attempt.pupil_id, absence_date=attempt.absence_date, channel=attempt.channel,
        contacted_kind=attempt.contacted_kind, contacted_name=attempt.contacted_name,
        contacted_role=attempt.contacted_role, outcome=attempt.outcome,
        message_status=attempt.message.status if attempt.message_id else None, attempted_at=attempt.attempted_at,
        reason_category=attempt.reason_category, reason_text=attempt.reason_text,
        whereabouts_known=attempt.whereabouts_known, child_seen=attempt.child_seen,
        child_safe_and_well=attempt.child_safe_and_well, notes=attempt.notes, corrects_id=attempt.corrects_id,
        recorded_by=(who.get_full_name() or who.get_username()) if who else "Safewell",
    )


@router.get("/pupils/{pupil_id}/contact-attempts", response=list[ContactAttemptOut], url_name="pupil_contact_attempts",
            summary="A pupil's contact attempts, newest first")
def pupil_contact_attempts(request: HttpRequest, pupil_id: int) -> list[ContactAttemptOut]:
    """For the people who do first-day calling at the pupil's site; the read is audited."""
    pupil = selectors.pupil_for_followup(request.user, pupil_id)
    history = selectors.contact_history(pupil, limit=1000)
    audit_read(target=pupil, detail=f"contact history through the API: {len(history)} attempt(s)")
    return [_out(attempt) for attempt in history]


@router.post("/contact-attempts", response={201: ContactAttemptOut}, url_name="contact_attempt_log",
             summary="Log a contact attempt")
def contact_attempt_log(request: HttpRequest, body: ContactAttemptIn):
    pupil = selectors.pupil_for_followup(request.user, body.pupil_id)
    try:
        attempt = services.contact_attempt_log(
            actor=request.user, pupil=pupil, absence_date=body.absence_date, channel=body.channel,
            contacted_kind=body.contacted_kind, outcome=body.outcome, attempted_at=body.attempted_at,
            now=timezone.now(), contact=Contact.objects.filter(pk=body.contact_id).first() if body.contact_id else None,
            professional=ProfessionalContact.objects.filter(pk=body.professional_id).first()
            if body.professional_id else None,
            contacted_name=body.contacted_name, reason_category=body.reason_category, reason_text=body.reason_text,
            whereabouts_known=body.whereabouts_known, child_seen=body.child_seen,
            child_safe_and_well=body.child_safe_and_well, notes=body.notes,
            accompanied_by=User.objects.filter(pk=body.accompanied_by_id).first() if body.accompanied_by_id else None,
        )
    except DjangoValidationError as error:
        raise ValidationError([
            {"loc": ("body", field), "msg": message.rstrip("."), "type": "value_error"}
            for field, messages in error.message_dict.items() for message in messages
        ]) from None
    return Status(201, _out(attempt))
