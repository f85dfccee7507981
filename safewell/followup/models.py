"""First-day calling: contact attempts (an append-only ledger), messages out to families and
agencies (an outbox), replies in, parents' absence reports, and code proposals.

Seed 000 §5: "Parents/carers will be contacted on the first day of absence. Attempts to
contact will be recorded. Where appropriate, placing schools or commissioning bodies will
be informed." Seed 004: welfare follow-ups, "all attempts are recorded". WTTISA (statutory.md
§5.1 [S]): contact parents on the first day of absence where no reason was given.

Nothing here changes a statutory mark by itself: a reason becomes a `CodeProposal`, which an
attendance officer accepts (services.code_proposal_accept → attendance.registers
.register_marks_amend, with its amendment row and audit event).

Writes go through `services.py` (and `messages.py` for the outbox); reads, scoped to who is
asking, through `selectors.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

APPEND_ONLY = "A contact attempt is never changed or deleted: record a new attempt that corrects it."


class ContactChannel(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    HOME_VISIT = "home_visit", "Home visit"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"
    # A parent's report through the public absence form (services.absence_report_accept).
    ONLINE_FORM = "online_form", "Online absence report"


# Channels Safewell itself sends through the outbox (OutboundMessage).
MESSAGE_CHANNELS = (ContactChannel.SMS, ContactChannel.EMAIL)


class ContactedKind(models.TextChoices):
    CONTACT = "contact", "A family contact"
    # seed 004 "Safeguarding Over 18s": an adult student is contacted themselves.
    PUPIL = "pupil", "The pupil (18 or over)"
    AGENCY = "agency", "Another agency"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Left a voicemail"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    UNAVAILABLE = "unavailable", "Unavailable"
    REFUSED = "refused", "Refused to talk"
    # A text, email or letter went out; for those Safewell sends, the delivery status is
    # on the message (queued, sent, failed), shown beside the attempt.
    MESSAGE_SENT = "message_sent", "Message sent"


# Outcomes in which someone was spoken to (the ladder's "contact made" still needs the
# child's whereabouts: ladder.py).
SPOKE_TO_SOMEONE = frozenset({ContactOutcome.REACHED})


class ReasonCategory(models.TextChoices):
    """What the family said. reasons.py maps each to the code it proposes, if any."""

    ILLNESS = "illness", "Illness"
    MEDICAL_APPOINTMENT = "medical_appointment", "Medical or dental appointment"
    RELIGIOUS_OBSERVANCE = "religious_observance", "Religious observance"
    HOLIDAY = "holiday", "Holiday (not agreed by the school)"
    TRANSPORT = "transport", "School transport did not come"
    FAMILY_CIRCUMSTANCES = "family_circumstances", "Family circumstances or emergency"
    REFUSING_SCHOOL = "refusing_school", "Refusing or anxious about school"
    OTHER = "other", "Other"
    NONE_GIVEN = "none_given", "No reason given"


class ContactAttemptQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(APPEND_ONLY)

    def delete(self):
        raise ValidationError(APPEND_ONLY)


class ContactAttempt(models.Model):
    """One attempt to reach someone about a pupil's absence: append-only (seed 000 §5
    "attempts to contact will be recorded"; seed 004 "all attempts are recorded").

    A mistaken entry is never edited: a new attempt points at it with `corrects`. Python
    refuses updates and deletes (save, delete, and the queryset's bulk ones); the audit log
    records every creation in its hash chain, so a change made behind Python's back shows.
    """

    objects = ContactAttemptQuerySet.as_manager()

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="contact_attempts")
    # The pupil's site when the attempt was made: who may read it (selectors.py).
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="contact_attempts")
    # The school day whose absence this is about.
    absence_date = models.DateField()
    channel = models.CharField(max_length=16, choices=ContactChannel.choices)
    contacted_kind = models.CharField(max_length=16, choices=ContactedKind.choices)
    contact = models.ForeignKey(
        "pupils.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="contact_attempts"
    )
    professional = models.ForeignKey(
        "pupils.ProfessionalContact", on_delete=models.SET_NULL, null=True, blank=True, related_name="contact_attempts"
    )
    # Who, as they were at the time (a contact's name or number may change later).
    contacted_name = models.CharField(max_length=200)
    contacted_role = models.CharField(max_length=200, blank=True)
    # The number, email address or postal address used.
    address = models.CharField(max_length=254, blank=True)
    attempted_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=ContactOutcome.choices)
    reason_category = models.CharField(max_length=32, choices=ReasonCategory.choices, blank=True)
    reason_text = models.TextField(blank=True)
    # True: the person contacted knows where the child is (this stops the policy engine's
    # CME clock: followup/selectors.whereabouts_known_on). False: they do not know
    # either, which meets the police definition of "missing" (statutory.md §7.1 [C]).
    # None: not established (no one reached, or not asked).
    whereabouts_known = models.BooleanField(null=True, blank=True)
    child_seen = models.BooleanField(default=False)
    # A home visit or a meeting: was the child safe and well? None: not seen, or not judged.
    child_safe_and_well = models.BooleanField(null=True, blank=True)
    # A home visit is made by two staff (issue 6 §3; lone working).
    accompanied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    # The text or email Safewell sent for this attempt (its delivery status lives there).
    message = models.OneToOneField(
        "followup.OutboundMessage", on_delete=models.PROTECT, null=True, blank=True, related_name="attempt"
    )
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    # Null: Safewell itself (an automatic first-day message, an agency notice).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-attempted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=ContactChannel.values), name="contact_attempt_channel_valid"),
            models.CheckConstraint(
                condition=Q(contacted_kind__in=ContactedKind.values), name="contact_attempt_contacted_kind_valid"
            ),
            models.CheckConstraint(condition=Q(outcome__in=ContactOutcome.values), name="contact_attempt_outcome_valid"),
            models.CheckConstraint(
                condition=Q(reason_category__in=[*ReasonCategory.values, ""]), name="contact_attempt_reason_valid"
            ),
            models.CheckConstraint(condition=~Q(contacted_name=""), name="contact_attempt_names_who"),
            models.CheckConstraint(
                condition=~Q(channel=ContactChannel.HOME_VISIT) | Q(accompanied_by__isnull=False),
                name="contact_attempt_home_visit_by_two_staff",
            ),
            models.CheckConstraint(
                condition=Q(message__isnull=True) | Q(channel__in=MESSAGE_CHANNELS),
                name="contact_attempt_message_is_sms_or_email",
            ),
        ]
        indexes = [
            models.Index(fields=["pupil", "attempted_at"], name="contact_attempt_pupil_time"),
            models.Index(fields=["site", "absence_date"], name="contact_attempt_site_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.contacted_name}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(APPEND_ONLY)

    @property
    def made_contact(self) -> bool:
        """Someone was reached and knew where the child is, or the child was seen."""
        return self.child_seen or (self.outcome in SPOKE_TO_SOMEONE and self.whereabouts_known is True)


class MessagePurpose(models.TextChoices):
    FIRST_DAY = "first_day", "First-day absence message"
    AGENCY_NOTICE = "agency_notice", "Absence notice to an agency"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    # Handed to the provider (the SMS gateway, the mail server).
    SENT = "sent", "Sent"
    # Gave up after the last retry: kept and shown, so nothing is silently lost.
    FAILED = "failed", "Failed"


class OutboundMessage(models.Model):
    """A text or email to a family or an agency about one pupil's absence: a row of the
    follow-up outbox, written in the transaction that decides to send it and delivered by
    the worker (messages.py) at least once, with retries. `dedupe_key` (unique) means the
    same message is never queued twice, however often the job runs."""

    audit_exempt = (
        "outbox bookkeeping: each message is recorded by the contact attempt written with it, "
        "which is audited; the row only tracks delivery"
    )

    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="outbound_messages")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="outbound_messages")
    purpose = models.CharField(max_length=16, choices=MessagePurpose.choices)
    channel = models.CharField(max_length=8, choices=[(c.value, c.label) for c in MESSAGE_CHANNELS])
    # E.164 number or email address.
    address = models.CharField(max_length=254)
    recipient_name = models.CharField(max_length=200)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # Also the claim: the worker moves it forward by a lease with a conditional UPDATE.
    next_attempt_at = models.DateTimeField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=MESSAGE_CHANNELS), name="outbound_message_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="outbound_message_status_valid"),
            models.CheckConstraint(condition=Q(purpose__in=MessagePurpose.values), name="outbound_message_purpose_valid"),
            models.CheckConstraint(condition=~Q(address=""), name="outbound_message_has_address"),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False), name="outbound_message_sent_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_message_due"),
            models.Index(fields=["site", "created_at"], name="outbound_message_site_time"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient_name} ({self.status})"


class TemplateKind(models.TextChoices):
    FIRST_DAY_SMS = "first_day_sms", "First-day text message"
    FIRST_DAY_EMAIL = "first_day_email", "First-day email"
    # Parents complain most about blunt, context-blind messages (issue 6 §5): under-5s and
    # pupils with a recorded medical reason get these instead.
    GENTLE_SMS = "gentle_sms", "First-day text message, gentler (under 5, or a medical reason)"
    GENTLE_EMAIL = "gentle_email", "First-day email, gentler (under 5, or a medical reason)"
    # Issue 11 §3: a student aged 18 or over who gets the message is spoken to, not about.
    STUDENT_SMS = "student_sms", "First-day text message to a student aged 18 or over"
    STUDENT_EMAIL = "student_email", "First-day email to a student aged 18 or over"
    AGENCY_EMAIL = "agency_email", "Absence notice to an agency (email)"


class MessageTemplate(models.Model):
    """A school's own wording of one kind of message; without one, Safewell's default
    (templates.py) is used. Placeholders are checked when it is saved."""

    organisation = models.ForeignKey("schools.Organisation", on_delete=models.CASCADE, related_name="message_templates")
    kind = models.CharField(max_length=24, choices=TemplateKind.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["organisation", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="message_template_one_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=TemplateKind.values), name="message_template_kind_valid"),
            models.CheckConstraint(condition=~Q(body=""), name="message_template_has_body"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.organisation_id}"


class ReviewStatus(models.TextChoices):
    """Where a reply, a report or a proposal stands: waiting for a person, or decided."""

    PENDING = "pending", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Not accepted"
    # A newer proposal for the same pupil and day replaced it.
    SUPERSEDED = "superseded", "Replaced"


class InboundMessage(models.Model):
    """A text message a family sent back, through the provider's signed webhook. Matched to
    the pupils whose contacts have the number (`possible_pupils`: one number can belong to
    several families) and queued for a person to accept; a reply changes nothing by itself.
    A number that belongs to no contact is refused at the webhook and never stored."""

    provider_reference = models.CharField(max_length=200, unique=True)
    from_number = models.CharField(max_length=16)
    body = models.TextField()
    received_at = models.DateTimeField()
    possible_pupils = models.ManyToManyField("pupils.Pupil", related_name="+")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    # Set when a person accepts it: whose reply it was, and the attempt it became.
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    attempt = models.OneToOneField(
        ContactAttempt, on_delete=models.PROTECT, null=True, blank=True, related_name="inbound_message"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="inbound_message_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.ACCEPTED) | Q(pupil__isnull=False, attempt__isnull=False),
                name="inbound_message_accepted_names_pupil",
            ),
        ]

    def __str__(self) -> str:
        return f"reply from {self.from_number} ({self.status})"


class AbsenceReport(models.Model):
    """A parent's report of an absence through the public form (issue 6 §6): a
    pre-notification for the attendance officer to accept. It never changes a mark itself,
    and a report waiting for acceptance does not take a child off the calling list (anyone
    can fill in a public form)."""

    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="absence_reports")
    # What the parent typed.
    child_name = models.CharField(max_length=200)
    child_date_of_birth = models.DateField()
    first_day = models.DateField()
    last_day = models.DateField()
    reason_category = models.CharField(max_length=32, choices=ReasonCategory.choices)
    reason_text = models.TextField(blank=True)
    reporter_name = models.CharField(max_length=200)
    reporter_relationship = models.CharField(max_length=100)
    reporter_phone = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField()
    # The pupil it was matched to (name and date of birth at the site), or a person's choice.
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="absence_reports")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    attempt = models.OneToOneField(
        ContactAttempt, on_delete=models.PROTECT, null=True, blank=True, related_name="absence_report"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")), name="absence_report_days_in_order"),
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="absence_report_status_valid"),
            models.CheckConstraint(
                condition=Q(reason_category__in=ReasonCategory.values), name="absence_report_reason_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.ACCEPTED) | Q(pupil__isnull=False),
                name="absence_report_accepted_names_pupil",
            ),
        ]
        indexes = [models.Index(fields=["site", "status", "first_day"], name="absence_report_site_status")]

    def __str__(self) -> str:
        return f"absence report for {self.child_name} ({self.status})"

    def covers(self, day) -> bool:
        return self.first_day <= day <= self.last_day


class CodeProposal(models.Model):
    """A code for a pupil's unexplained sessions on one day, proposed from what a family
    said (reasons.py). An attendance officer accepts it, and only then is the mark changed
    (with its amendment row and audit event): a reply never silently changes a statutory
    mark (issue 6 §2)."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="code_proposals")
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="code_proposals")
    date = models.DateField()
    code = models.CharField(max_length=2)
    reason_category = models.CharField(max_length=32, choices=ReasonCategory.choices)
    reason_text = models.TextField(blank=True)
    # Where the reason came from: a contact attempt (a call, an accepted reply or report).
    attempt = models.ForeignKey(ContactAttempt, on_delete=models.PROTECT, related_name="code_proposals")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # The sessions the accepted code was written to ("AM", "PM").
    sessions_changed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["date", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReviewStatus.values), name="code_proposal_status_valid"),
            # One proposal waiting per pupil and day: a newer reason supersedes the older.
            models.UniqueConstraint(
                fields=["pupil", "date"], condition=Q(status=ReviewStatus.PENDING),
                name="code_proposal_one_pending_per_pupil_day",
            ),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.PENDING) | Q(decided_at__isnull=False),
                name="code_proposal_decided_has_time",
            ),
        ]
        indexes = [models.Index(fields=["site", "status", "date"], name="code_proposal_site_status")]

    def __str__(self) -> str:
        return f"{self.code} for {self.pupil_id} on {self.date} ({self.status})"


class ParentContactConsent(models.Model):
    """An over-18 student's decision about their parents being contacted about their
    absence (seed 004 "Safeguarding Over 18s"; issue 6 §5). The latest row is in force;
    rows are added, never changed, so the history of the decision is kept."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="parent_contact_consents")
    consents = models.BooleanField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["pupil", "-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pupil_id} {'consents' if self.consents else 'does not consent'} ({self.recorded_at:%Y-%m-%d})"
