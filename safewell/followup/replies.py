"""Replies from families by text (issue 6 §5): checked, matched to the pupils whose
contacts have the number, and queued for a person. Nothing here changes a contact, a mark
or an attempt: a person accepts the reply (services.inbound_message_accept).

A reply from a number that belongs to no contact is refused, never stored: Safewell does
not keep texts from strangers, and never creates a contact from one.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q

from safewell.followup.models import InboundMessage
from safewell.pupils import phones
from safewell.pupils.models import Contact

MAX_BODY = 1600  # ten SMS segments
NOT_A_MAPPING = "The payload must be a JSON object with id, from and body."
FIELD_REQUIRED = "This field is required and must be text."
FIELD_TOO_LONG = "At most {limit} characters."
NOT_A_TIME = "An ISO 8601 time with its offset, like 2026-11-20T09:41:00+00:00."
UNKNOWN_NUMBER = "The number belongs to no contact: the reply is not kept."


class ReplyRefused(ValueError):
    def __init__(self, status: int, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors or {}


def _text(payload: dict, field: str, limit: int, errors: dict) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or not value.strip():
        errors[field] = FIELD_REQUIRED
        return ""
    if len(value) > limit:
        errors[field] = FIELD_TOO_LONG.format(limit=limit)
    return value.strip()


def _received_at(payload: dict, now: dt.datetime, errors: dict) -> dt.datetime:
    value = payload.get("received_at")
    if value is None:
        return now
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors["received_at"] = NOT_A_TIME
        return now
    return moment


def inbound_sms_receive(*, payload: object, now: dt.datetime) -> InboundMessage:
    """Check and queue one reply. Idempotent on the provider's id: a retried delivery
    returns the reply already stored."""
    if not isinstance(payload, dict):
        raise ReplyRefused(400, NOT_A_MAPPING)
    errors: dict[str, str] = {}
    reference = _text(payload, "id", 200, errors)
    sender = _text(payload, "from", 32, errors)
    body = _text(payload, "body", MAX_BODY, errors)
    received_at = _received_at(payload, now, errors)
    number = ""
    if sender and "from" not in errors:
        try:
            number = phones.to_e164(sender)
        except phones.InvalidPhone as error:
            errors["from"] = str(error)
    if errors:
        raise ReplyRefused(400, "The payload is not valid.", errors)
    existing = InboundMessage.objects.filter(provider_reference=reference).first()
    if existing is not None:
        return existing
    pupil_ids = sorted(set(Contact.objects.filter(
        Q(mobile_phone=number) | Q(home_phone=number) | Q(work_phone=number)
    ).values_list("pupil_id", flat=True)))
    if not pupil_ids:
        raise ReplyRefused(422, UNKNOWN_NUMBER)
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                provider_reference=reference, from_number=number, body=body, received_at=received_at,
            )
            message.possible_pupils.set(pupil_ids)
    except IntegrityError:  # the same delivery, racing: it is stored once
        return InboundMessage.objects.get(provider_reference=reference)
    return message
