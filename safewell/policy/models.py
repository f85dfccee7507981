"""Policy profiles, the alerts the rules raise, what people did about them, and the outbox.

Invariants live here as database constraints (style.md): one open alert per rule, pupil and
episode; a closed alert has its closing time; an action or a dismissal has its reason; a
notification is delivered once per `dedupe_key`.

Writes go through `alerts.py` (alerts, actions, notifications) and the profiles engineer's
services (profiles). Reads, scoped to who is asking, through `selectors.py`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from safewell.policy import rule_ids


# --- Policy profiles ---------------------------------------------------------------------------


class PolicyProfile(models.Model):
    """One version of an organisation's policy profile (design.md principle 3).

    Every installed version is kept, so the change history is the rows of one organisation
    ordered by `version`; at most one of them is in force (`is_active`).
    """

    organisation = models.ForeignKey(
        "schools.Organisation", on_delete=models.PROTECT, related_name="policy_profiles"
    )
    # The profile's name, e.g. "statutory", "seed-000-ap".
    name = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    # The document as written (kept verbatim: it is what the setting agreed to).
    yaml_text = models.TextField()
    # The validated document (policy/profiles.py), as JSON, so reading it needs no YAML parse.
    parsed = models.JSONField(default=dict)
    next_review_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["organisation", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"], name="policy_profile_version_unique_per_organisation"
            ),
            # One profile in force per organisation at a time.
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_active=True),
                name="policy_profile_one_active_per_organisation",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="policy_profile_version_from_1"),
            models.CheckConstraint(condition=~Q(name=""), name="policy_profile_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


# --- Alerts --------------------------------------------------------------------------------------


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


# For sorting the inbox, most severe first.
SEVERITY_RANK = {Severity.URGENT: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"
    # Closed by the engine when the condition ended (the child came back, a reason was
    # accepted): the action row says what ended it and when. A person may reopen it.
    RESOLVED = "resolved", "Resolved by itself"


# States in which someone still has to do something: the engine may update these.
LIVE_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED)
CLOSED_STATES = (AlertState.ACTIONED, AlertState.DISMISSED, AlertState.RESOLVED)
# Closed by a person: the engine leaves these episodes alone (a person decided).
CLOSED_BY_PERSON_STATES = (AlertState.ACTIONED, AlertState.DISMISSED)

# Rules whose every episode is a record of its own (one concern, one CME case, one missing
# episode, one policy review): each episode is its own concern and its own alert. Every
# other rule keeps one live alert per child: a new episode while it is live joins it.
PER_EPISODE_RULES = rule_ids.CASEWORK_RULE_IDS | {rule_ids.POLICY_REVIEW_DUE}


class Alert(models.Model):
    """A threshold of concern met: which rule, about whom, why (evidence), and who must act.

    One live alert per child and concern (the rule; for the rules in PER_EPISODE_RULES, the
    rule and the episode). An episode is one run of the condition (e.g. one spell of
    continuous absence, keyed by its first day): while the alert is live, the engine renews
    it with each new evidence and every further episode joins it (`episode_keys`); it never
    opens a second one. When no episode is met any more the engine closes it as resolved,
    saying what ended it and when (issue 11 §1).
    """

    organisation = models.ForeignKey("schools.Organisation", on_delete=models.PROTECT, related_name="alerts")
    rule_id = models.CharField(max_length=64)
    # Null for an alert about a group (co-absence: see AlertPeer) or the organisation.
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    # Null for an organisation-wide alert (e.g. the policy review is due).
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="alerts")
    # The episode that opened the alert, and every episode it has gathered since.
    episode_key = models.CharField(max_length=200)
    episode_keys = models.JSONField(default=list)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    state = models.CharField(max_length=16, choices=AlertState.choices, default=AlertState.OPEN)
    raised_at = models.DateTimeField()
    # Acknowledge by then (raised_at + the profile's acknowledge_within_hours), or it escalates.
    due_by = models.DateTimeField()
    # Why it fired: sessions, dates, lessons, peers, figures (the engine's AlertCandidate.evidence).
    evidence = models.JSONField(default=dict)
    explanation = models.TextField()
    # The regulation or guidance behind the rule, e.g. "reg 13(3)(a), 2024 Regulations".
    source = models.TextField(blank=True)
    # The role that must act: dsl (the DSL team of the site) or attendance_officer.
    routed_to_role = models.CharField(max_length=32)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # When the engine last confirmed the condition, and when it stopped finding it (the pupil
    # came back): the alert stays for a human to close, marked "condition no longer met".
    evidence_updated_at = models.DateTimeField()
    condition_cleared_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A person reopened it: the engine no longer resolves it by itself (the person closes it).
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # One live alert per child and concern: no daily duplicates. Partial indexes,
            # because NULLs are distinct in a unique index (SQLite and PostgreSQL).
            models.UniqueConstraint(
                fields=["rule_id", "pupil"],
                condition=Q(state__in=LIVE_STATES, pupil__isnull=False) & ~Q(rule_id__in=sorted(PER_EPISODE_RULES)),
                name="alert_one_live_per_rule_pupil",
            ),
            models.UniqueConstraint(
                fields=["rule_id", "pupil", "episode_key"],
                condition=Q(state__in=LIVE_STATES, pupil__isnull=False),
                name="alert_one_live_per_rule_pupil_episode",
            ),
            models.UniqueConstraint(
                fields=["organisation", "rule_id", "episode_key"],
                condition=Q(state__in=LIVE_STATES, pupil__isnull=True),
                name="alert_one_live_per_rule_group_episode",
            ),
            models.CheckConstraint(condition=Q(state__in=AlertState.values), name="alert_state_valid"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="alert_severity_valid"),
            # Closed when, and only when, actioned, dismissed or resolved.
            models.CheckConstraint(
                condition=(Q(state__in=CLOSED_STATES) & Q(closed_at__isnull=False))
                | (Q(state__in=LIVE_STATES) & Q(closed_at__isnull=True)),
                name="alert_closed_at_iff_closed",
            ),
            models.CheckConstraint(condition=~Q(rule_id=""), name="alert_rule_id_not_empty"),
            models.CheckConstraint(condition=~Q(episode_key=""), name="alert_episode_key_not_empty"),
            models.CheckConstraint(condition=~Q(routed_to_role=""), name="alert_routed_to_role_not_empty"),
        ]
        indexes = [
            # The inbox: live alerts of some sites, newest first.
            models.Index(fields=["site", "state", "raised_at"], name="alert_site_state_raised"),
            # The escalation job: open alerts past due and not yet escalated.
            models.Index(fields=["state", "due_by"], name="alert_state_due"),
            models.Index(fields=["pupil", "rule_id"], name="alert_pupil_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} #{self.pk} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES


class AlertActionKind(models.TextChoices):
    RAISE = "raise", "Raised"
    ACKNOWLEDGE = "acknowledge", "Acknowledged"
    ACTION = "action", "Actioned"
    DISMISS = "dismiss", "Dismissed"
    ESCALATE = "escalate", "Escalated"
    RESOLVE = "resolve", "Resolved by itself"
    REOPEN = "reopen", "Reopened"


class AlertAction(models.Model):
    """What happened to an alert, by whom (null: the system), when and why. Append-only."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=16, choices=AlertActionKind.choices)
    # The outcome of an action, or the reason not to act: both are records (issue 5 §3).
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["alert", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AlertActionKind.values), name="alert_action_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(action__in=[AlertActionKind.ACTION, AlertActionKind.DISMISS, AlertActionKind.RESOLVE,
                                         AlertActionKind.REOPEN]) | ~Q(reason=""),
                name="alert_action_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.alert_id} at {self.at}"


class AlertPeer(models.Model):
    """A pupil in a co-absence group alert (seed 004: groups missing the same lessons)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="peers")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "pupil"], name="alert_peer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} in alert {self.alert_id}"


# --- The outbox ----------------------------------------------------------------------------------


class Channel(models.TextChoices):
    IN_APP = "in_app", "In the app"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    # Gave up after the last retry: kept, and shown, so nothing is silently lost.
    FAILED = "failed", "Failed"


class NotificationKind(models.TextChoices):
    RAISED = "raised", "A new alert"
    ESCALATED = "escalated", "An alert not acknowledged in time"
    # The alerts that were not urgent, told together at the profile's digest times.
    DIGEST = "digest", "A digest of new alerts"


class Notification(models.Model):
    """One message to one recipient by one channel: a row of the outbox.

    Written in the transaction that raises (or escalates) the alert; the worker
    (policy/tasks.py) delivers it, at least once, with retries. `dedupe_key` is unique, so
    the same message can never be queued twice however often the engine runs.

    When one evaluation raises many alerts for the same person (a school's first nightly
    run), they get one message per channel (a digest, `alert_count` > 1, linked to the most
    severe alert) instead of hundreds.
    """

    audit_exempt = (
        "outbox bookkeeping: the rows themselves are the record of who was told what and when; "
        "the alerts and every action on them are audited"
    )

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices, default=NotificationKind.RAISED)
    # A staff member (in-app, or their email/phone), or only an address (a social worker).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # Email address or E.164 phone number; blank for in-app.
    address = models.CharField(max_length=254, blank=True)
    # Who the recipient is, in words for the message ("the DSL team at North site").
    recipient_label = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # How many alerts this message tells of: 1, or more for a digest.
    alert_count = models.PositiveIntegerField(default=1)
    # A digest's lines, in words: how many alerts of each category, and the worklists.
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # Also the claim: the worker moves it forward by a lease with a conditional UPDATE.
    next_attempt_at = models.DateTimeField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # In-app notifications: when the recipient opened their notifications.
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="notification_channel_valid"),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="notification_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(address=""), name="notification_has_recipient"
            ),
            models.CheckConstraint(
                condition=~Q(channel=Channel.IN_APP) | Q(recipient__isnull=False),
                name="notification_in_app_has_user",
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
            models.CheckConstraint(condition=Q(alert_count__gte=1), name="notification_alert_count_from_1"),
        ]
        indexes = [
            # The worker's query: queued and due.
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            # The in-app list and badge.
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient_id or self.address} ({self.status})"


class StaffAlertContact(models.Model):
    """How a member of staff wants to be reached about alerts beyond the app and email:
    their mobile number for text messages. A user has no phone number otherwise, and a
    personal number belongs with the person's own consent, not on the shared user record."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_contact")
    # E.164 (+447700900123); the demo uses Ofcom's drama numbers (07700 900000-900999).
    mobile_phone = models.CharField(max_length=16, blank=True)
    sms_enabled = models.BooleanField("send text messages", default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(mobile_phone="") | Q(mobile_phone__startswith="+"),
                name="staff_alert_contact_phone_e164",
            ),
        ]

    def __str__(self) -> str:
        return f"alert contact of {self.user_id}"
