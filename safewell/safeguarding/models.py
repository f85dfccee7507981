"""Safeguarding case work for absent and missing children (issue 7): cases, one chronology
per child, concerns, risk assessments, referrals and the CME notification, reasonable
enquiries, safe-and-well checks, missing episodes with return home interviews, the
Philomena missing-person profile, reintegration plans, tasks, documents, agency exports,
legal holds and the destruction log.

Seed 000 §6 and §9: concerns are "recorded in line with safeguarding procedures, assessed by
the DSL, referred to external agencies where appropriate", and "all actions taken in response
to absence are documented". Seed 004: "all actions and decisions ... are clearly documented
... stored securely and available for review".

How the records keep their history:
- The **chronology** (`ChronologyEntry`) is append-only: a mistake is corrected by a new
  entry that points at it (`corrects`); a backdated entry sits at its `event_at` and shows
  its `recorded_at`. Every write of the services below adds its entry in the same
  transaction, so the chronology is complete by construction.
- Records that are facts once written (a safe-and-well check, an enquiry, an assessment, a
  profile version, a document, an export, a destruction) are append-only too
  (`AppendOnly`): Python refuses to change or delete them.
- Records with a lifecycle (a case, a referral, a missing episode, a return home interview,
  a plan, a task, a concern's triage) move forward through their services, each step a new
  chronology entry; the audit log keeps every field change in its hash chain.
- Nothing here is deleted, except by the retention destruction (`retention_destruction`,
  statutory.md §8: date of birth + 25 years [U], legal hold, destruction log).

Free text and categories are listed in `audit_redact`: the audit log records that they
were written and changed, not what they say, so it neither spreads the content to
everyone who reads the audit log nor keeps it after the file is destroyed.

Writes go through `services.py`; reads, scoped to the DSL team and audited, through
`selectors.py`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

APPEND_ONLY = "This safeguarding record is never changed or deleted: add a new entry that corrects it."
NEVER_DELETED = "Safeguarding records are only destroyed by the retention review (date of birth + 25 years)."

_destroying: contextvars.ContextVar[bool] = contextvars.ContextVar("safeguarding_destroying", default=False)


@contextlib.contextmanager
def retention_destruction() -> Iterator[None]:
    """The one way to delete safeguarding records: the retention service, logged in the
    destruction log (statutory.md §8 "log every destruction")."""
    token = _destroying.set(True)
    try:
        yield
    finally:
        _destroying.reset(token)


class _GuardedQuerySet(models.QuerySet):
    def delete(self):
        if not _destroying.get():
            raise ValidationError(NEVER_DELETED)
        return super().delete()


class _AppendOnlyQuerySet(_GuardedQuerySet):
    def update(self, **kwargs):
        raise ValidationError(APPEND_ONLY)


class SafeguardingRecord(models.Model):
    """A record that is closed or superseded, never deleted (but by retention)."""

    objects = _GuardedQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        if not _destroying.get():
            raise ValidationError(NEVER_DELETED)
        return super().delete(*args, **kwargs)


class AppendOnly(SafeguardingRecord):
    """Written once: a correction is a new record."""

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(APPEND_ONLY)
        super().save(*args, **kwargs)


# --- Cases ---------------------------------------------------------------------------------------


class CaseKind(models.TextChoices):
    ABSENCE_CONCERN = "absence_concern", "Absence concern"
    # glossary: `cme`; s436A Education Act 1996 [C] (statutory.md §0).
    CME = "cme", "Child missing education (CME)"
    # statutory.md §7: missing from home or care (police-led; the school supports).
    MISSING_FROM_HOME_OR_CARE = "missing_from_home_or_care", "Missing from home or care"
    # seed 004 "Returning home from care".
    RETURN_FROM_CARE = "return_from_care", "Returning home from care"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    # Acted on; watched under a plan until it can close (seed 000 §10 "ongoing monitoring").
    MONITORING = "monitoring", "Monitoring"
    CLOSED = "closed", "Closed"


LIVE_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.MONITORING)


class CaseOutcome(models.TextChoices):
    CHILD_LOCATED_SAFE = "child_located_safe", "Child located and safe"
    BACK_IN_EDUCATION = "back_in_education", "Back in education, attendance recovered"
    REFERRED_TO_SOCIAL_CARE = "referred_to_social_care", "Referred to children's social care, who lead"
    STEPPED_DOWN_TO_EARLY_HELP = "stepped_down_to_early_help", "Stepped down to Early Help"
    LEFT_THE_ROLL_LA_TOLD = "left_the_roll_la_told", "Left the roll; the local authority was told"
    NOT_SUBSTANTIATED = "not_substantiated", "No further action: concern not substantiated"
    OTHER = "other", "Other"


class Case(SafeguardingRecord):
    """One piece of case work about one child, owned by a DSL or deputy DSL at one site.

    Opened from an alert (one click; `alert_evidence` is the alert's evidence as it was
    then) or by hand. Closed with an outcome and a rationale (the issue's "closure")."""

    organisation = models.ForeignKey("schools.Organisation", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="safeguarding_cases")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="safeguarding_cases")
    kind = models.CharField(max_length=32, choices=CaseKind.choices)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    summary = models.TextField("why the case is open")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safeguarding_cases")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    alert = models.ForeignKey("policy.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    alert_rule_id = models.CharField(max_length=64, blank=True)
    alert_evidence = models.JSONField(default=dict, blank=True)
    # The LA notification's deadline for a CME case: the 10th school day of absence, from the
    # policy engine's clock (alert evidence `la_notification_due_on`), or set by hand.
    cme_due_on = models.DateField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    outcome = models.CharField(max_length=32, choices=CaseOutcome.choices, blank=True)
    closure_rationale = models.TextField(blank=True)

    audit_redact = ("summary", "closure_rationale", "alert_evidence")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CaseKind.values), name="case_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(outcome__in=[*CaseOutcome.values, ""]), name="case_outcome_valid"),
            # Closed when, and only when, it has its time, outcome and rationale.
            models.CheckConstraint(
                condition=(Q(status=CaseStatus.CLOSED) & Q(closed_at__isnull=False) & ~Q(outcome="")
                           & ~Q(closure_rationale=""))
                | (~Q(status=CaseStatus.CLOSED) & Q(closed_at__isnull=True) & Q(outcome="")),
                name="case_closed_with_outcome_and_rationale",
            ),
            models.CheckConstraint(condition=~Q(kind=CaseKind.CME) | Q(cme_due_on__isnull=False),
                                   name="case_cme_has_due_date"),
            # One case per alert: a second click opens the first case, not a duplicate.
            models.UniqueConstraint(fields=["alert"], condition=Q(alert__isnull=False), name="case_one_per_alert"),
        ]
        indexes = [
            models.Index(fields=["site", "status"], name="case_site_status"),
            models.Index(fields=["pupil", "status"], name="case_pupil_status"),
        ]

    def __str__(self) -> str:
        return f"Case {self.pk}: {self.get_kind_display()}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_CASE_STATUSES


# --- The chronology ----------------------------------------------------------------------------


class EntryKind(models.TextChoices):
    # Written by hand.
    NOTE = "note", "Note"
    MEETING = "meeting", "Meeting"
    DECISION = "decision", "Decision"
    CORRECTION = "correction", "Correction"
    # Written by the services, with the record they describe.
    CASE = "case", "Case"
    CONCERN = "concern", "Concern"
    ASSESSMENT = "assessment", "Risk assessment"
    REFERRAL = "referral", "Referral or notification"
    ENQUIRY = "enquiry", "Reasonable enquiry"
    CHECK = "check", "Safe-and-well check"
    MISSING_EPISODE = "missing_episode", "Missing episode"
    RETURN_HOME_INTERVIEW = "return_home_interview", "Return home interview"
    PROFILE = "profile", "Missing-person profile"
    REINTEGRATION = "reintegration", "Reintegration plan"
    TASK = "task", "Task"
    DOCUMENT = "document", "Document"
    SHARING = "sharing", "Information shared"


HAND_WRITTEN_KINDS = (EntryKind.NOTE, EntryKind.MEETING, EntryKind.DECISION)


class ChronologyEntry(AppendOnly):
    """One event in a child's chronology, append-only.

    `event_at` is when it happened; `recorded_at` when it was written (a backdated entry
    takes its place by event date and shows both). `record_type`/`record_id` name the
    structured record it describes (e.g. "safeguarding.referral", "12")."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="chronology")
    # The pupil's site when written: whose DSL team reads it.
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    kind = models.CharField(max_length=32, choices=EntryKind.choices)
    event_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # A meeting's attendees (names and roles, as given).
    attendees = models.TextField(blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    record_type = models.CharField(max_length=64, blank=True)
    record_id = models.CharField(max_length=32, blank=True)

    audit_redact = ("title", "body", "attendees")

    class Meta:
        ordering = ["event_at", "id"]
        verbose_name_plural = "chronology entries"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="chronology_entry_kind_valid"),
            # A correction always says what it corrects, and only a correction does.
            models.CheckConstraint(
                condition=(Q(kind=EntryKind.CORRECTION) & Q(corrects__isnull=False))
                | (~Q(kind=EntryKind.CORRECTION) & Q(corrects__isnull=True)),
                name="chronology_entry_correction_points_back",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="chronology_entry_has_title"),
        ]
        indexes = [models.Index(fields=["pupil", "event_at"], name="chronology_pupil_event")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_at:%Y-%m-%d}: {self.title}"

    @property
    def is_backdated(self) -> bool:
        """Written more than a day after the event (shown as "written later")."""
        return self.recorded_at - self.event_at > dt.timedelta(days=1)


# --- Concerns ----------------------------------------------------------------------------------


class ConcernCategory(models.TextChoices):
    """The harms the seeds name as reasons behind absence (seed 000 §6; seed 004 "Children
    Absent/Missing from Education", its pull factors and its online harms)."""

    ABUSE = "abuse", "Abuse (physical, emotional or sexual)"
    NEGLECT = "neglect", "Neglect"
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Child sexual exploitation (CSE)"
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Child criminal exploitation (CCE) and county lines"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    RADICALISATION = "radicalisation", "Radicalisation, including online radicalisation"
    FGM = "fgm", "Female genital mutilation (FGM)"
    HONOUR_BASED_ABUSE = "honour_based_abuse", "So-called 'honour'-based abuse"
    FORCED_MARRIAGE = "forced_marriage", "Forced marriage"
    TRAVEL_TO_CONFLICT_ZONES = "travel_to_conflict_zones", "Travel to conflict zones"
    ONLINE_GROOMING = "online_grooming", "Online grooming or coercion"
    BULLYING = "bullying", "Bullying"
    OTHER = "other", "Other"


class ConcernTriage(models.TextChoices):
    ADDED_TO_CASE = "added_to_case", "Added to an open case"
    CASE_OPENED = "case_opened", "A case was opened"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Concern(SafeguardingRecord):
    """A concern any member of staff raises about a child (the layered access schools know
    from MyConcern: raising one gives no sight of existing cases). The DSL team triages it."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="safeguarding_concerns")
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(default=list)
    description = models.TextField("what you saw or heard")
    action_taken = models.TextField("what you have done about it", blank=True)
    observed_at = models.DateTimeField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    triage = models.CharField(max_length=32, choices=ConcernTriage.choices, blank=True)
    triage_rationale = models.TextField(blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="concerns")

    audit_redact = ("categories", "description", "action_taken", "triage_rationale")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(triage__in=[*ConcernTriage.values, ""]), name="concern_triage_valid"),
            models.CheckConstraint(
                condition=(Q(triage="") & Q(triaged_at__isnull=True))
                | (~Q(triage="") & Q(triaged_at__isnull=False) & ~Q(triage_rationale="")),
                name="concern_triaged_with_rationale",
            ),
            models.CheckConstraint(
                condition=Q(triage=ConcernTriage.NO_FURTHER_ACTION) | Q(triage="") | Q(case__isnull=False),
                name="concern_triaged_to_a_case_names_it",
            ),
        ]
        indexes = [models.Index(fields=["site", "triage"], name="concern_site_triage")]

    def __str__(self) -> str:
        return f"Concern {self.pk} about {self.pupil_id}"

    @property
    def is_triaged(self) -> bool:
        return bool(self.triage)


# --- Risk assessment -----------------------------------------------------------------------------


class Judgement(models.TextChoices):
    """The DSL's judgement of the level of concern (seed 000 §6 "assessed by the DSL")."""

    LOW = "low", "Low: monitor through attendance and pastoral care"
    MEDIUM = "medium", "Medium: a plan, closer monitoring, consider Early Help"
    HIGH = "high", "High: risk of significant harm, refer now"


class RiskAssessment(AppendOnly):
    """A structured assessment: seed 004's questions (questions.py), push and pull
    factors, contextual and online factors, the register's evidence as it was, and the
    DSL's judgement, rationale and review date. A reassessment is a new row (`supersedes`)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # {question key: {"answer": "yes" | "no" | "unknown", "notes": "…"}}
    answers = models.JSONField(default=dict)
    push_factors = models.JSONField(default=list)
    pull_factors = models.JSONField(default=list)
    contextual_factors = models.JSONField(default=list)
    other_factors = models.TextField(blank=True)
    # seed 004: "consideration of digital footprints, including social media activity, online
    # gaming interactions, and use of encrypted messaging apps"; "DSLs liaise with online
    # safety leads".
    online_considerations = models.TextField(blank=True)
    online_safety_lead_consulted = models.BooleanField(default=False)
    online_safety_lead_name = models.CharField(max_length=200, blank=True)
    # The register's evidence when assessed (selectors.attendance_evidence).
    attendance_evidence = models.JSONField(default=dict)
    judgement = models.CharField(max_length=16, choices=Judgement.choices)
    rationale = models.TextField()
    review_on = models.DateField()
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by")

    audit_redact = ("answers", "push_factors", "pull_factors", "contextual_factors", "other_factors",
                    "online_considerations", "rationale")

    class Meta:
        ordering = ["-assessed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(judgement__in=Judgement.values), name="risk_assessment_judgement_valid"),
            models.CheckConstraint(condition=~Q(rationale=""), name="risk_assessment_has_rationale"),
            models.CheckConstraint(
                condition=Q(online_safety_lead_consulted=False) | ~Q(online_safety_lead_name=""),
                name="risk_assessment_names_online_safety_lead",
            ),
        ]


# --- Referrals and the CME notification --------------------------------------------------------


class ReferralKind(models.TextChoices):
    EARLY_HELP = "early_help", "Early Help"
    CHILD_IN_NEED = "child_in_need", "Child in need (s17 Children Act 1989)"
    CHILD_PROTECTION = "child_protection", "Child protection (s47 Children Act 1989)"
    # s436A Education Act 1996 [C]; seed 000 §7 "report the child as missing education to the LA".
    CME_NOTIFICATION = "cme_notification", "Local authority: child missing education notification"
    POLICE_MISSING = "police_missing", "Police: missing person report"
    PREVENT = "prevent", "Prevent"
    CAMHS = "camhs", "CAMHS (child and adolescent mental health services)"
    OTHER = "other", "Other agency"


class LawfulBasis(models.TextChoices):
    """What makes sharing lawful. statutory.md does not cover data protection law: these are
    the UK GDPR article 6 bases and the Data Protection Act 2018 safeguarding condition as
    commonly applied by schools [U: background knowledge, not in statutory.md; check
    against the ICO's data sharing code and KCSIE before relying on the wording]."""

    CONSENT = "consent", "Consent of the parent or young person"
    LEGAL_OBLIGATION = "legal_obligation", "Legal obligation (e.g. telling the LA of a child missing education)"
    PUBLIC_TASK = "public_task", "Public task: the school's safeguarding duty"
    VITAL_INTERESTS = "vital_interests", "Vital interests: a risk to the child's life or safety"
    SAFEGUARDING_CONDITION = "safeguarding_condition", "Safeguarding of children (DPA 2018 Sch. 1 para. 18)"


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Being prepared"
    SENT = "sent", "Sent"


class ReferralOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted: the agency is acting"
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion or s47 enquiry"
    STEPPED_DOWN = "stepped_down", "Stepped down to Early Help"
    SIGNPOSTED = "signposted", "Signposted to other support"
    NO_FURTHER_ACTION = "no_further_action", "No further action by the agency"
    CHILD_LOCATED = "child_located", "Child located"
    OTHER = "other", "Other"


class Referral(SafeguardingRecord):
    """A referral or notification to an agency: its date, reference, the lawful basis or
    consent for sharing (or a DSL's recorded override), and the outcome.

    The CME notification to the LA is a referral of kind `cme_notification`: its due date is
    the case's (`Case.cme_due_on`), its reasonable enquiries are the case's
    (`ReasonableEnquiry`), and its letter is a PDF (pdf.py)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=ReferralKind.choices)
    agency = models.CharField("agency or team", max_length=200)
    status = models.CharField(max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    reason = models.TextField("what is shared, and why")
    due_on = models.DateField(null=True, blank=True)
    lawful_basis = models.CharField(max_length=32, choices=LawfulBasis.choices, blank=True)
    consent_details = models.TextField(blank=True)
    # Sent without a recorded lawful basis: only with a DSL's override and its reason.
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    sent_on = models.DateField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    reference = models.CharField("the agency's reference", max_length=100, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=32, choices=ReferralOutcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    audit_redact = ("reason", "consent_details", "override_reason", "outcome_notes")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReferralKind.values), name="referral_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"),
            models.CheckConstraint(condition=Q(lawful_basis__in=[*LawfulBasis.values, ""]),
                                   name="referral_lawful_basis_valid"),
            models.CheckConstraint(condition=Q(outcome__in=[*ReferralOutcome.values, ""]), name="referral_outcome_valid"),
            # Sent: when and by whom, and on a lawful basis or a DSL's recorded override.
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.SENT)
                | (Q(sent_on__isnull=False) & Q(sent_by__isnull=False)
                   & (~Q(lawful_basis="") | (~Q(override_reason="") & Q(override_by__isnull=False)))),
                name="referral_sent_on_a_lawful_basis",
            ),
            models.CheckConstraint(condition=~Q(lawful_basis=LawfulBasis.CONSENT) | ~Q(consent_details=""),
                                   name="referral_consent_says_whose"),
            models.CheckConstraint(condition=~Q(kind=ReferralKind.CME_NOTIFICATION) | Q(due_on__isnull=False),
                                   name="referral_cme_notification_has_due_date"),
            models.CheckConstraint(condition=Q(acknowledged_on__isnull=True) | Q(sent_on__isnull=False),
                                   name="referral_acknowledged_after_sending"),
            models.CheckConstraint(condition=Q(outcome="") | Q(outcome_on__isnull=False),
                                   name="referral_outcome_has_date"),
            # One LA notification per CME case.
            models.UniqueConstraint(fields=["case"], condition=Q(kind="cme_notification"),
                                    name="referral_one_cme_notification_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"

    @property
    def sent_on_time(self) -> bool | None:
        """For a notification with a due date: sent by it? None while unsent or undated."""
        if self.due_on is None or self.sent_on is None:
            return None
        return self.sent_on <= self.due_on


class EnquiryKind(models.TextChoices):
    """Reasonable enquiries before and with the CME notification (statutory.md §3.4 [S]:
    relatives, neighbours and friends, siblings' schools, health visitors, GPs and housing,
    home visits; the 2024 CME guidance's own list was not found [U])."""

    RELATIVES = "relatives", "Relatives and family friends"
    SIBLINGS_SCHOOLS = "siblings_schools", "Siblings' schools"
    NEIGHBOURS = "neighbours", "Neighbours"
    GP = "gp", "The GP or health visitor"
    HOUSING = "housing", "Housing (landlord or council housing team)"
    HOME_VISIT = "home_visit", "A home visit"
    OTHER_AGENCIES = "other_agencies", "Other agencies (social care, police, youth justice)"


class ReasonableEnquiry(AppendOnly):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="enquiries")
    kind = models.CharField(max_length=32, choices=EnquiryKind.choices)
    made_on = models.DateField()
    who = models.CharField("who was asked", max_length=200)
    outcome = models.TextField("what they said")
    whereabouts_found = models.BooleanField("this found where the child is", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    audit_redact = ("who", "outcome")

    class Meta:
        ordering = ["made_on", "id"]
        verbose_name_plural = "reasonable enquiries"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EnquiryKind.values), name="enquiry_kind_valid"),
            models.CheckConstraint(condition=~Q(outcome=""), name="enquiry_has_outcome"),
        ]


# --- Safe-and-well checks --------------------------------------------------------------------------


class CheckedBy(models.TextChoices):
    SCHOOL = "school", "The school"
    POLICE = "police", "The police"
    LOCAL_AUTHORITY = "local_authority", "The local authority"


class CheckOutcome(models.TextChoices):
    SAFE_AND_WELL = "safe_and_well", "Seen: safe and well"
    CONCERNS = "concerns", "Seen: concerns remain"
    NOT_SEEN = "not_seen", "Not seen"


class SafeAndWellCheck(AppendOnly):
    """seed 004: at 10 consecutive days "a formal 'Safe and Well' check is undertaken"; the
    school "cooperates fully with the local authority or police when they step in"."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="checks")
    checked_by = models.CharField(max_length=16, choices=CheckedBy.choices)
    checked_by_name = models.CharField("name and role of who checked", max_length=200)
    checked_at = models.DateTimeField()
    child_seen = models.BooleanField()
    outcome = models.CharField(max_length=16, choices=CheckOutcome.choices)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    audit_redact = ("notes",)

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(checked_by__in=CheckedBy.values), name="check_by_valid"),
            models.CheckConstraint(condition=Q(outcome__in=CheckOutcome.values), name="check_outcome_valid"),
            # Nobody can be judged safe and well without being seen.
            models.CheckConstraint(
                condition=(Q(child_seen=True) & ~Q(outcome=CheckOutcome.NOT_SEEN))
                | (Q(child_seen=False) & Q(outcome=CheckOutcome.NOT_SEEN)),
                name="check_outcome_matches_seen",
            ),
        ]


# --- Missing from home or care ---------------------------------------------------------------------


class MissingFrom(models.TextChoices):
    HOME = "home", "Home"
    CARE_PLACEMENT = "care_placement", "Care placement (looked after)"
    SCHOOL = "school", "School, during the day"


class PoliceRiskGrade(models.TextChoices):
    """The police's grade, recorded and never assigned by Safewell (statutory.md §7.1: "the
    product should record the police risk grade, not assign one"). Four grades [S]
    (Derbyshire); the exact APP wording is unconfirmed [U]."""

    NO_APPARENT_RISK = "no_apparent_risk", "No apparent risk"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ReturnHow(models.TextChoices):
    RETURNED = "returned", "Came back themselves"
    FOUND_BY_POLICE = "found_by_police", "Found by the police"
    FOUND_BY_CARERS = "found_by_carers", "Found by family or carers"
    FOUND_BY_OTHER = "found_by_other", "Found by someone else"


class MissingEpisode(SafeguardingRecord):
    """A child missing from home or care (statutory.md §7.1 [C]: "anyone whose whereabouts
    cannot be established ... until located, and their well-being or otherwise confirmed").

    Part 2 of the Philomena Protocol is here: when and where last seen, and what they were
    wearing (statutory.md §7.3 [C])."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="missing_episodes")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="missing_episodes")
    missing_from = models.CharField(max_length=16, choices=MissingFrom.choices)
    last_seen_at = models.DateTimeField()
    last_seen_place = models.CharField(max_length=300)
    last_seen_with = models.CharField("last seen with", max_length=300, blank=True)
    clothing = models.TextField("what they were wearing")
    circumstances = models.TextField(blank=True)
    reported_to_police_at = models.DateTimeField(null=True, blank=True)
    police_reference = models.CharField(max_length=100, blank=True)
    police_risk_grade = models.CharField(max_length=16, choices=PoliceRiskGrade.choices, blank=True)
    returned_at = models.DateTimeField("found or returned at", null=True, blank=True)
    return_how = models.CharField(max_length=16, choices=ReturnHow.choices, blank=True)
    return_notes = models.TextField("where found, and how they were", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    audit_redact = ("last_seen_place", "last_seen_with", "clothing", "circumstances", "return_notes")

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(missing_from__in=MissingFrom.values), name="missing_episode_from_valid"),
            models.CheckConstraint(condition=Q(police_risk_grade__in=[*PoliceRiskGrade.values, ""]),
                                   name="missing_episode_risk_grade_valid"),
            models.CheckConstraint(condition=Q(return_how__in=[*ReturnHow.values, ""]),
                                   name="missing_episode_return_how_valid"),
            # An episode cannot end before it starts.
            models.CheckConstraint(condition=Q(returned_at__isnull=True) | Q(returned_at__gt=F("last_seen_at")),
                                   name="missing_episode_ends_after_it_starts"),
            models.CheckConstraint(
                condition=Q(reported_to_police_at__isnull=True) | Q(reported_to_police_at__gte=F("last_seen_at")),
                name="missing_episode_reported_after_last_seen",
            ),
            models.CheckConstraint(condition=Q(returned_at__isnull=True) | ~Q(return_how=""),
                                   name="missing_episode_return_says_how"),
        ]
        indexes = [models.Index(fields=["pupil", "last_seen_at"], name="missing_episode_pupil_seen")]

    def __str__(self) -> str:
        return f"Missing episode {self.pk} from {self.last_seen_at:%Y-%m-%d %H:%M}"

    @property
    def is_ongoing(self) -> bool:
        return self.returned_at is None


class InterviewStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"


class ReturnHomeInterview(SafeguardingRecord):
    """The independent return home interview after an episode: offered to every child,
    within 72 hours of the return; the child may decline (statutory.md §7.2 [S])."""

    episode = models.OneToOneField(MissingEpisode, on_delete=models.PROTECT, related_name="return_home_interview")
    status = models.CharField(max_length=16, choices=InterviewStatus.choices)
    offered_at = models.DateTimeField()
    offered_by = models.CharField("offered by (name and organisation)", max_length=200)
    responded_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    conducted_by = models.CharField("conducted by (name and organisation)", max_length=200, blank=True)
    push_factors = models.JSONField(default=list, blank=True)
    pull_factors = models.JSONField(default=list, blank=True)
    findings = models.TextField(blank=True)
    declined_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    audit_redact = ("push_factors", "pull_factors", "findings", "declined_reason")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InterviewStatus.values), name="rhi_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=InterviewStatus.COMPLETED) | (Q(completed_at__isnull=False) & ~Q(conducted_by="")),
                name="rhi_completed_says_when_and_by_whom",
            ),
            models.CheckConstraint(condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("offered_at")),
                                   name="rhi_completed_after_offered"),
            models.CheckConstraint(condition=Q(responded_at__isnull=True) | Q(responded_at__gte=F("offered_at")),
                                   name="rhi_responded_after_offered"),
        ]


class MissingPersonProfile(AppendOnly):
    """Part 1 of the Philomena Protocol (statutory.md §7.3 [C]): kept up to date in advance
    for a child at risk of going missing, given to the police only when they are reported
    missing. Each save is a new version (the history of what was known when)."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="missing_person_profiles")
    version = models.PositiveIntegerField()
    physical_description = models.TextField("physical description (height, build, hair, eyes, marks)")
    photo = models.ForeignKey("Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    friends_and_associates = models.TextField(blank=True)
    places_frequented = models.TextField("addresses and places they go", blank=True)
    phones_and_social_media = models.TextField("phone numbers and social media", blank=True)
    vulnerabilities = models.TextField(blank=True)
    medical_information = models.TextField("medical information and medication", blank=True)
    financial_information = models.TextField("bank cards and money", blank=True)
    transport = models.TextField("transport they use", blank=True)
    next_review_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    audit_redact = ("physical_description", "friends_and_associates", "places_frequented",
                    "phones_and_social_media", "vulnerabilities", "medical_information",
                    "financial_information", "transport")

    class Meta:
        ordering = ["pupil", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "version"], name="missing_person_profile_version_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="missing_person_profile_version_from_1"),
            models.CheckConstraint(condition=~Q(physical_description=""), name="missing_person_profile_describes"),
        ]


# --- Reintegration --------------------------------------------------------------------------------


class ReintegrationPlan(SafeguardingRecord):
    """Support for a child returning after absence or from care (seed 000 §10; seed 004
    "Returning home from care": reasons, risks, feeling safe, attendance monitored closely,
    pastoral and mental health support, digital safety checks).

    The attendance target is checked against the register (selectors.plan_progress): the
    sessions attended out of the sessions the child was expected at, over the monitoring
    period. A part-time timetable (C2) in the plan must be time-limited and reviewed
    (reg 11(6) 2024 Regulations [C]; attendance.PlannedAbsence requires its end and review
    dates), so the plan's own reviews may not fall after the timetable's review date."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reintegration_plans")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    monitoring_ends_on = models.DateField()
    attendance_target_percent = models.PositiveSmallIntegerField()
    support = models.TextField("support in place")
    digital_safety_checks = models.TextField(blank=True)
    part_time_timetable = models.ForeignKey("attendance.PlannedAbsence", on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    next_review_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    audit_redact = ("support", "digital_safety_checks", "end_reason")

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(monitoring_ends_on__gt=F("starts_on")),
                                   name="reintegration_plan_monitoring_after_start"),
            models.CheckConstraint(
                condition=Q(attendance_target_percent__gte=1, attendance_target_percent__lte=100),
                name="reintegration_plan_target_is_a_percentage",
            ),
            models.CheckConstraint(condition=Q(next_review_on__gte=F("starts_on")),
                                   name="reintegration_plan_review_after_start"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | ~Q(end_reason=""),
                                   name="reintegration_plan_ended_with_reason"),
        ]

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class ReintegrationReview(AppendOnly):
    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The register's figure at the review (selectors.plan_progress), kept as it was.
    attendance_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    notes = models.TextField()
    # Null when the review ends the plan.
    next_review_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField()

    audit_redact = ("notes",)

    class Meta:
        ordering = ["plan", "reviewed_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(next_review_on__isnull=True) | Q(next_review_on__gt=F("reviewed_on")),
                                   name="reintegration_review_next_after_this"),
        ]


# --- Tasks --------------------------------------------------------------------------------------------


class TaskDoneWhen(models.TextChoices):
    """What record completes a task (issue 11 §6: "a task that asks for something is done
    when that thing is recorded"). Blank: someone marks it done."""

    MARKED = "", "When someone marks it done"
    CME_NOTIFICATION_SENT = "cme_notification_sent", "When the CME notification is recorded as sent"
    SAFE_AND_WELL_CHECK = "safe_and_well_check", "When a safe-and-well check is recorded"
    RETURN_HOME_INTERVIEW = "return_home_interview", "When a return home interview is recorded as held or declined"
    PLAN_REVIEWED = "plan_reviewed", "When the reintegration plan is reviewed"


class Task(SafeguardingRecord):
    """An action with an owner and a due date (the issue's §9), on a case or in a plan.

    A task whose `done_when` names a record is done by that record, in the same transaction
    (services.tasks_fulfil), and cannot be ticked by hand: the case never says "sent on
    time" beside a task "send the notification" that is overdue."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    plan = models.ForeignKey(ReintegrationPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks")
    title = models.CharField(max_length=300)
    done_when = models.CharField(max_length=32, choices=TaskDoneWhen.choices, blank=True, default="")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safeguarding_tasks")
    due_on = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    completion_note = models.TextField(blank=True)

    audit_redact = ("title", "completion_note")

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="task_has_title"),
            models.CheckConstraint(condition=Q(done_when__in=TaskDoneWhen.values), name="task_done_when_valid"),
            models.CheckConstraint(
                condition=(Q(completed_at__isnull=True) & Q(completed_by__isnull=True))
                | (Q(completed_at__isnull=False) & Q(completed_by__isnull=False)),
                name="task_completed_says_when_and_by_whom",
            ),
        ]
        indexes = [models.Index(fields=["completed_at", "due_on"], name="task_open_due")]

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, today: dt.date) -> bool:
        return not self.is_done and self.due_on < today

    @property
    def done_when_text(self) -> str:
        """"when the CME notification is recorded as sent" (the choice's label, mid-sentence)."""
        label = self.get_done_when_display()
        return label[:1].lower() + label[1:]


# --- Documents ----------------------------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    PHOTO = "photo", "Photograph"
    REPORT = "report", "Report"
    LETTER = "letter", "Letter or email"
    MINUTES = "minutes", "Meeting minutes"
    OTHER = "other", "Other"


class Document(AppendOnly):
    """An uploaded file: an image or a PDF, checked by its content (documents.py), kept in
    the database so it is backed up, access-checked and destroyed with the rest of the file."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    audit_redact = ("title", "content")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"),
            models.CheckConstraint(condition=Q(content_type__in=["image/png", "image/jpeg", "application/pdf"]),
                                   name="document_content_type_allowed"),
        ]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# --- Sharing with agencies -------------------------------------------------------------------------


class ExportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    JSON = "json", "JSON"


class AgencyExport(AppendOnly):
    """A part of a child's chronology shared with an agency, and the sharing decision:
    to whom, why, on what lawful basis, which entries, and a hash of what left."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recipient = models.CharField("agency and person", max_length=200)
    purpose = models.TextField("why it is shared")
    lawful_basis = models.CharField(max_length=32, choices=LawfulBasis.choices)
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    # What was chosen: {"kinds": [...], "from": "2026-09-01", "to": "...", "case": 12}
    selection = models.JSONField(default=dict)
    entry_count = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField()

    audit_redact = ("purpose",)

    class Meta:
        ordering = ["-exported_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(lawful_basis__in=LawfulBasis.values), name="agency_export_lawful_basis"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="agency_export_format_valid"),
        ]


# --- Retention ------------------------------------------------------------------------------------------


class LegalHold(SafeguardingRecord):
    """Stops the destruction of a child's safeguarding file (statutory.md §8 "allow a legal
    hold": an inquiry such as IICSA's moratorium [U], litigation, a review)."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lifted_at__isnull=True) & Q(lifted_by__isnull=True))
                | (Q(lifted_at__isnull=False) & Q(lifted_by__isnull=False) & ~Q(lift_reason="")),
                name="legal_hold_lifted_with_reason",
            ),
            models.UniqueConstraint(fields=["pupil"], condition=Q(lifted_at__isnull=True),
                                    name="legal_hold_one_in_force_per_pupil"),
        ]


class DestructionRecord(models.Model):
    """The destruction log (statutory.md §8 "log every destruction"): what was destroyed,
    under which rule, when and by whom. It names the pupil by id and UPN only, and counts
    the records; it keeps none of their content. Never deleted."""

    organisation = models.ForeignKey("schools.Organisation", on_delete=models.PROTECT, related_name="+")
    pupil_id_destroyed = models.PositiveBigIntegerField()
    upn = models.CharField(max_length=13)
    retention_rule = models.CharField(max_length=200)
    due_on = models.DateField()
    record_counts = models.JSONField(default=dict)
    destroyed_at = models.DateTimeField()
    destroyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-destroyed_at", "-id"]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(APPEND_ONLY)
