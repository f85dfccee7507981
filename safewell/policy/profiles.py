"""Policy profiles: a setting's rules and thresholds as a versioned YAML document (issue 5).

A profile says, for each rule of `rule_ids.py`: whether it runs, its thresholds, who is told
(`notify`), how (`channels`), how soon someone must acknowledge the alert, and its severity.
It also carries the policy's review dates, the options the seed policies ask for, and the
statutory deadlines other parts of Safewell read.

- `profile_parse(yaml_text) -> Profile` validates a document. Every problem is reported at
  once as a `ProfileError(line, field, message)`, the YAML line and the dotted field, and
  nothing is accepted unless everything is right (`ProfileInvalid`).
- Statutory minimums cannot be weakened (design.md principle 3): `STATUTORY_MINIMUMS` lists
  each one with its citation and certainty (statutory.md). A profile may be stricter (the
  CME step at 8 school days) but not weaker (12), and may not turn off a statutory rule.
- `Profile.rules` is a `dict[rule_id, RuleSettings]` holding every rule, including those the
  document leaves out. A rule left out runs at its defaults: statutory and safeguarding rules
  on, at the statutory figure; pattern rules off.
- `defaults:` fills `notify`, `channels`, `acknowledge_within_hours` and `severity` of every
  rule that does not set them, except that a rule with a fixed audience (the penalty-notice
  threshold: attendance officers; the review reminder: the DSL and the admin) keeps its own.

The document's own `version` is the author's edition number; the database numbers each
organisation's installed versions separately (`PolicyProfile.version`, profile_services.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from safewell.policy import rule_ids as R

SHIPPED_PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
SHIPPED_PROFILE_NAMES = ("statutory", "seed-000-ap", "seed-004-special")
# The fallback for an organisation that has installed none.
FALLBACK_PROFILE_NAME = "statutory"
# A profile is a page or two of YAML; anything much larger is not one (and YAML aliases can
# otherwise expand a small file into a huge document).
MAX_PROFILE_BYTES = 200_000
MAX_PROFILE_NODES = 20_000

# --- Vocabulary ---------------------------------------------------------------------------

# The same values as policy.models.Channel and policy.models.Severity (a test checks).
Channel = Literal["in_app", "email", "sms"]
Severity = Literal["low", "medium", "high", "urgent"]
# Who is told. `dsl` is the lead DSL; `deputy_dsl` the deputy DSL of the pupil's site (seed
# 004: a lead and a deputy per site). The last five are people outside the setting.
Recipient = Literal[
    "dsl", "deputy_dsl", "attendance_officer", "pastoral", "admin",
    "social_worker", "virtual_school", "placing_school", "local_authority", "youth_offending_worker",
]
# schools.models.OrganisationKind, plus "any" (a test checks they agree).
OrganisationKindName = Literal["school", "alternative_provision", "trust", "local_authority", "any"]
# Over which period PA and SA are measured (statutory.md §2: always state the period; DfE's
# Monitor your school attendance counts year to date from the admission date).
Period = Literal["year_to_date", "term_to_date"]
# statutory.md §5.3: no national deadline for an AP to tell the placing school [U]; default
# "by the end of each session" until the 2025 AP guidance is checked.
PlacingSchoolNotification = Literal["end_of_each_session", "same_day", "next_school_day"]
# pupils.models.CharacteristicKind values that mark a child as vulnerable here, plus two the
# safeguarding app will hold (an open case, a previous missing episode).
VulnerableMarker = Literal[
    "child_protection_plan", "child_in_need", "looked_after", "previously_looked_after",
    "young_carer", "youth_justice", "known_to_police", "open_case", "previous_missing_episode",
]

# --- Messages (module constants, so tests can refer to them) ----------------------------

UNKNOWN_RULE = "'{rule}' is not a rule Safewell knows{suggestion}. The rules are listed in policy/rule_ids.py."
UNKNOWN_FIELD = "'{name}' is not a setting here{suggestion}. The settings here are: {allowed}."
STATUTORY_MINIMUM_WEAKENED = (
    "{value} {unit} would weaken a statutory minimum: {what} must be {bound} {limit} {unit} "
    "({citation} [{certainty}]). A profile may be stricter, never weaker."
)
STATUTORY_RULE_DISABLED = (
    "{rule} cannot be turned off: it is a statutory rule ({citation} [{certainty}]). "
    "Change who is told or how, but keep it enabled."
)
VULNERABLE_MARKERS_MISSING = (
    "vulnerable_unexplained_absence must cover {missing}: a child with a social worker or who "
    "is looked after is told about on the day of any unexplained absence (statutory.md §5.1, "
    "WTTISA para 52 [S])."
)
PENALTY_NOTICE_NOT_FOR_DSL = (
    "The penalty-notice threshold is an attendance-officer alert, never a DSL one (issue 5; "
    "statutory.md §4: it is about enforcing attendance, not safeguarding). Remove {recipient}."
)
DUPLICATE_ITEM = "{item!r} is listed twice."
DUPLICATE_KEY = "'{key}' appears twice in this mapping (line {first} and line {second})."
SEVERE_NOT_ABOVE_PERSISTENT = "severe_absence.percent ({severe}) must be higher than persistent_absence.percent ({persistent})."
CONTINUOUS_AFTER_CME = (
    "continuous_absence.school_days ({continuous}) must not be more than cme_ten_days.school_days "
    "({cme}): the DSL hears of a continuous absence before the CME step."
)
REVIEW_BEFORE_REVIEWED = "next_review_on ({next}) must be after reviewed_on ({reviewed})."
NOT_YAML = "This is not valid YAML: {problem}."
NOT_A_MAPPING = "A profile is a YAML mapping (name: …, rules: …), not {kind}."
TOO_LARGE = "A profile is at most {limit:,} bytes; this one is {size:,}."
TOO_MANY_NODES = "This document expands to more than {limit:,} values (YAML aliases?): it is not a profile."
NOT_TEXT = "A profile must be UTF-8 text."
WRONG_ORGANISATION_KIND = (
    "This profile is for organisations of kind '{kind}'; this organisation is '{organisation_kind}'. "
    "Use a profile for '{organisation_kind}' or 'any'."
)

# --- Statutory minimums -----------------------------------------------------------------


@dataclass(frozen=True)
class StatutoryMinimum:
    """A figure a profile may make stricter but never weaker.

    `bound` is "at_most" when a lower number is stricter (fire after fewer days) and
    "at_least" when a higher one is (a longer look-back window catches more).
    """

    key: str  # dotted path in the document, e.g. "rules.cme_ten_days.school_days"
    limit: float
    bound: Literal["at_most", "at_least"]
    unit: str
    what: str
    citation: str
    certainty: Literal["C", "S", "U"]

    def allows(self, value: float) -> bool:
        return value <= self.limit if self.bound == "at_most" else value >= self.limit

    def refusal(self, value: float) -> str:
        return STATUTORY_MINIMUM_WEAKENED.format(
            value=_number(value), unit=self.unit, what=self.what,
            bound="at most" if self.bound == "at_most" else "at least",
            limit=_number(self.limit), citation=self.citation, certainty=self.certainty,
        )


STATUTORY_MINIMUMS: dict[str, StatutoryMinimum] = {m.key: m for m in (
    StatutoryMinimum(
        "rules.cme_ten_days.school_days", 10, "at_most", "school days",
        "the CME step (LA told, whereabouts unknown)",
        "seed 000 §7 and seed 004 ('10 consecutive days'); 10 continuous school days as in the "
        "LA attendance return, statutory.md §3.2; the LA's CME duty is s436A Education Act 1996", "S",
    ),
    StatutoryMinimum(
        "rules.persistent_absence.percent", 10, "at_most", "%",
        "persistent absence", "statutory.md §2, DfE guide para 3.2.2 via The Key", "S",
    ),
    StatutoryMinimum(
        "rules.severe_absence.percent", 50, "at_most", "%",
        "severe absence", "statutory.md §2, DfE methodology", "S",
    ),
    StatutoryMinimum(
        "rules.penalty_notice_threshold.unauthorised_sessions", 10, "at_most", "sessions",
        "the penalty-notice threshold", "statutory.md §4, WTTISA ch. 6 paras 174-200", "S",
    ),
    StatutoryMinimum(
        "rules.penalty_notice_threshold.school_weeks", 10, "at_least", "school weeks",
        "the penalty-notice rolling window", "statutory.md §4, WTTISA ch. 6 paras 174-200", "S",
    ),
    StatutoryMinimum(
        "rules.attendance_return_10_day.school_days", 10, "at_most", "school days",
        "the LA attendance return (continuous G/N/O/U)", "statutory.md §3.2, 2024 Regulations via WTTISA", "S",
    ),
    StatutoryMinimum(
        "rules.sickness_return_15_day.school_days", 15, "at_most", "school days",
        "the LA sickness return (code I)", "statutory.md §3.3, CME guidance 2024 p.11", "S",
    ),
    StatutoryMinimum(
        "rules.deletion_ground_20_day.warn_at_school_days", 20, "at_most", "school days",
        "the warning that the 20-day deletion ground is near",
        "statutory.md §3.4, reg 9(1)(i) 2024 Regulations via Browne Jacobson", "S",
    ),
    StatutoryMinimum(
        "deadlines.n_code_resolved_within_school_days", 5, "at_most", "school days",
        "replacing N with the right code", "statutory.md §1, reg 10(7)-(9) 2024 Regulations", "S",
    ),
    StatutoryMinimum(
        "deadlines.return_home_interview_within_hours", 72, "at_most", "hours",
        "the return home interview", "statutory.md §7.2, DfE statutory guidance on children who "
        "run away or go missing (2014)", "S",
    ),
)}

# Rules a profile may not turn off, with why.
STATUTORY_RULES: dict[str, tuple[str, str]] = {
    R.CME_TEN_DAYS: ("seed 000 §7, seed 004; s436A Education Act 1996", "S"),
    R.ATTENDANCE_RETURN_10_DAY: ("statutory.md §3.2", "S"),
    R.SICKNESS_RETURN_15_DAY: ("statutory.md §3.3", "S"),
    R.DELETION_GROUND_20_DAY: ("statutory.md §3.4, reg 9(1)(i)", "S"),
    R.PERSISTENT_ABSENCE: ("statutory.md §2", "S"),
    R.SEVERE_ABSENCE: ("statutory.md §2", "S"),
    R.PENALTY_NOTICE_THRESHOLD: ("statutory.md §4, WTTISA ch. 6", "S"),
    R.VULNERABLE_UNEXPLAINED_ABSENCE: ("statutory.md §5.1, WTTISA para 52", "S"),
    R.NO_CONTACT_SAFEGUARDING: ("seed 000 §5; WTTISA: further contact to ensure safeguarding, statutory.md §5.1", "S"),
    R.CME_NOTIFICATION_DUE: ("seed 000 §7, seed 004; s436A Education Act 1996", "S"),
    R.RETURN_HOME_INTERVIEW_DUE: ("statutory.md §7.2, DfE statutory guidance on children who run away (2014)", "S"),
}
# A child with a social worker (CIN, CP plan) or looked after (statutory.md §5.1 [S]).
REQUIRED_VULNERABLE_MARKERS = ("child_protection_plan", "child_in_need", "looked_after")
# statutory.md §3.4 [S]: the deletion ground itself is met at 20 school days of G/N/O.
DELETION_GROUND_SCHOOL_DAYS = 20


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def statutory(key: str) -> AfterValidator:
    """A field validator refusing a value weaker than the statutory minimum at `key`."""
    minimum = STATUTORY_MINIMUMS[key]

    def check(value: float) -> float:
        if not minimum.allows(value):
            raise PydanticCustomError("statutory_minimum", minimum.refusal(value))
        return value

    return AfterValidator(check)


def _no_duplicates(items: list[str]) -> list[str]:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise PydanticCustomError("duplicate_item", DUPLICATE_ITEM.format(item=item))
        seen.add(item)
    return items


# --- The schema ---------------------------------------------------------------------------

SchoolDays = Annotated[int, Field(ge=1, le=200)]
SchoolWeeks = Annotated[int, Field(ge=1, le=52)]
Share = Annotated[float, Field(gt=0, le=1)]
Count = Annotated[int, Field(ge=1, le=1000)]
Recipients = Annotated[list[Recipient], Field(min_length=1), AfterValidator(_no_duplicates)]
Channels = Annotated[list[Channel], Field(min_length=1), AfterValidator(_no_duplicates)]
AcknowledgeHours = Annotated[int, Field(ge=1, le=24 * 30)]


class _Strict(BaseModel):
    # strict: YAML `"10"` is not the number 10, `yes` is not a channel; extra="forbid": a
    # misspelt setting is an error, never silently ignored.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, populate_by_name=True)


class Defaults(_Strict):
    """What a rule that does not say gets: the profile's `defaults:` block."""

    notify: Recipients = Field(default=["dsl"], description="who is told")
    channels: Channels = Field(default=["in_app"], description="how they are told")
    acknowledge_within_hours: AcknowledgeHours = Field(default=24, description="acknowledge within (hours)")
    severity: Severity = "medium"


COMMON_FIELDS = frozenset({"enabled", "notify", "channels", "acknowledge_within_hours", "severity", "citation"})


class RuleSettings(_Strict):
    """What every rule has. Subclasses add the rule's thresholds (with units in their names)."""

    rule_id: ClassVar[str] = ""
    # Whether a rule left out of the document runs.
    ENABLED_BY_DEFAULT: ClassVar[bool] = True
    # A fixed audience, kept even when `defaults:` names others (see module docstring).
    DEFAULT_NOTIFY: ClassVar[tuple[str, ...] | None] = None

    enabled: bool = True
    notify: Recipients
    channels: Channels
    acknowledge_within_hours: AcknowledgeHours
    severity: Severity
    # Where this setting comes from: the seed paragraph or the statute. Shown on the admin page.
    citation: str = ""

    @field_validator("enabled")
    @classmethod
    def _statutory_rule_stays_on(cls, enabled: bool) -> bool:
        if not enabled and cls.rule_id in STATUTORY_RULES:
            citation, certainty = STATUTORY_RULES[cls.rule_id]
            raise PydanticCustomError(
                "statutory_rule_disabled",
                STATUTORY_RULE_DISABLED.format(rule=cls.rule_id, citation=citation, certainty=certainty),
            )
        return enabled

    def thresholds(self) -> dict[str, Any]:
        """The rule's own settings (not the common ones), in declaration order."""
        return {name: getattr(self, name) for name in type(self).model_fields if name not in COMMON_FIELDS}


class ContinuousAbsence(RuleSettings):
    rule_id: ClassVar[str] = R.CONTINUOUS_ABSENCE
    school_days: SchoolDays = Field(3, description="school days of continuous absence, whereabouts unknown")


class CmeTenDays(RuleSettings):
    rule_id: ClassVar[str] = R.CME_TEN_DAYS
    school_days: Annotated[SchoolDays, statutory("rules.cme_ten_days.school_days")] = Field(
        10, description="school days of absence with whereabouts unknown before the CME step"
    )


class AttendanceReturn10Day(RuleSettings):
    rule_id: ClassVar[str] = R.ATTENDANCE_RETURN_10_DAY
    school_days: Annotated[SchoolDays, statutory("rules.attendance_return_10_day.school_days")] = Field(
        10, description="continuous school days of G/N/O/U"
    )


class SicknessReturn15Day(RuleSettings):
    rule_id: ClassVar[str] = R.SICKNESS_RETURN_15_DAY
    school_days: Annotated[SchoolDays, statutory("rules.sickness_return_15_day.school_days")] = Field(
        15, description="school days of illness (I), consecutive or cumulative, in the school year"
    )


class DeletionGround20Day(RuleSettings):
    rule_id: ClassVar[str] = R.DELETION_GROUND_20_DAY
    # The ground is met at DELETION_GROUND_SCHOOL_DAYS; warn early enough for joint enquiries.
    warn_at_school_days: Annotated[SchoolDays, statutory("rules.deletion_ground_20_day.warn_at_school_days")] = Field(
        15, description="school days of continuous G/N/O at which the DSL is warned (the ground is met at 20)"
    )


class PersistentAbsence(RuleSettings):
    rule_id: ClassVar[str] = R.PERSISTENT_ABSENCE
    percent: Annotated[float, Field(gt=0), statutory("rules.persistent_absence.percent")] = Field(
        10, description="% of possible sessions missed"
    )
    period: Period = Field("year_to_date", description="measured over")


class SevereAbsence(RuleSettings):
    rule_id: ClassVar[str] = R.SEVERE_ABSENCE
    percent: Annotated[float, Field(gt=0), statutory("rules.severe_absence.percent")] = Field(
        50, description="% of possible sessions missed"
    )
    period: Period = Field("year_to_date", description="measured over")


class PenaltyNoticeThreshold(RuleSettings):
    rule_id: ClassVar[str] = R.PENALTY_NOTICE_THRESHOLD
    DEFAULT_NOTIFY: ClassVar[tuple[str, ...]] = ("attendance_officer",)
    unauthorised_sessions: Annotated[Count, statutory("rules.penalty_notice_threshold.unauthorised_sessions")] = Field(
        10, description="unauthorised sessions (G/N/O/U)"
    )
    school_weeks: Annotated[SchoolWeeks, statutory("rules.penalty_notice_threshold.school_weeks")] = Field(
        10, description="in a rolling window of school weeks"
    )

    @field_validator("notify")
    @classmethod
    def _never_the_dsl(cls, notify: list[str]) -> list[str]:
        for recipient in notify:
            if recipient in ("dsl", "deputy_dsl"):
                raise PydanticCustomError("penalty_notice_not_for_dsl", PENALTY_NOTICE_NOT_FOR_DSL.format(recipient=recipient))
        return notify


class _Pattern(RuleSettings):
    # Patterns are the "DSL and staff considerations" of seed 004: off unless a profile asks.
    ENABLED_BY_DEFAULT: ClassVar[bool] = False


class PatternDayOfWeek(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_DAY_OF_WEEK
    min_share: Share = Field(0.5, description="share of absences falling on one weekday")
    min_absences: Count = Field(4, description="at least this many absent sessions")
    lookback_school_weeks: SchoolWeeks = Field(12, description="looking back (school weeks)")


class PatternAdjacentToWeekend(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_ADJACENT_TO_WEEKEND
    min_share: Share = Field(0.6, description="share of absences on a day next to a weekend or holiday")
    min_absences: Count = Field(4, description="at least this many absent sessions")
    lookback_school_weeks: SchoolWeeks = Field(12, description="looking back (school weeks)")


class PatternSubject(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_SUBJECT
    min_missed_lessons: Count = Field(4, description="lessons of one subject missed")
    min_ratio: Annotated[float, Field(ge=1, le=100)] = Field(
        2.0, description="times the pupil's absence rate in their other lessons"
    )
    lookback_school_weeks: SchoolWeeks = Field(12, description="looking back (school weeks)")


class PatternTeacher(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_TEACHER
    min_missed_lessons: Count = Field(4, description="lessons of one teacher missed")
    min_ratio: Annotated[float, Field(ge=1, le=100)] = Field(
        2.0, description="times the pupil's absence rate in their other lessons"
    )
    lookback_school_weeks: SchoolWeeks = Field(12, description="looking back (school weeks)")


class PatternPeSwimming(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_PE_SWIMMING
    min_missed_lessons: Count = Field(3, description="PE or swimming lessons missed")
    lookback_school_weeks: SchoolWeeks = Field(12, description="looking back (school weeks)")


class PatternLateness(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_LATENESS
    late_sessions: Count = Field(5, description="late sessions (L or U)")
    lookback_school_weeks: SchoolWeeks = Field(6, description="looking back (school weeks)")


class PatternMissingLessonsOnSite(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_MISSING_LESSONS_ON_SITE
    min_missed_lessons: Count = Field(2, description="lessons missed while marked present for the session")
    lookback_school_days: SchoolDays = Field(10, description="looking back (school days)")


class PatternCoAbsenceGroup(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_CO_ABSENCE_GROUP
    min_group_size: Annotated[int, Field(ge=2, le=100)] = Field(3, description="pupils missing the same lessons")
    min_shared_lessons: Count = Field(3, description="lessons they all missed together")
    lookback_school_weeks: SchoolWeeks = Field(6, description="looking back (school weeks)")


class PatternDropFromBaseline(_Pattern):
    rule_id: ClassVar[str] = R.PATTERN_DROP_FROM_BASELINE
    drop_points: Annotated[float, Field(gt=0, le=100)] = Field(
        10.0, description="drop in attendance (percentage points) from the pupil's own baseline"
    )
    baseline_school_weeks: SchoolWeeks = Field(12, description="baseline over (school weeks)")
    recent_school_weeks: SchoolWeeks = Field(4, description="compared with the last (school weeks)")


class VulnerableUnexplainedAbsence(RuleSettings):
    rule_id: ClassVar[str] = R.VULNERABLE_UNEXPLAINED_ABSENCE
    vulnerable_if: Annotated[list[VulnerableMarker], Field(min_length=1), AfterValidator(_no_duplicates)] = Field(
        default=["child_protection_plan", "child_in_need", "looked_after", "open_case"],
        description="a child counts as vulnerable when they have any of",
    )

    @field_validator("vulnerable_if")
    @classmethod
    def _covers_children_with_a_social_worker(cls, markers: list[str]) -> list[str]:
        missing = [marker for marker in REQUIRED_VULNERABLE_MARKERS if marker not in markers]
        if missing:
            raise PydanticCustomError(
                "statutory_minimum", VULNERABLE_MARKERS_MISSING.format(missing=", ".join(missing))
            )
        return markers


class PolicyReviewDue(RuleSettings):
    rule_id: ClassVar[str] = R.POLICY_REVIEW_DUE
    DEFAULT_NOTIFY: ClassVar[tuple[str, ...]] = ("dsl", "admin")
    remind_days_before: Annotated[int, Field(ge=1, le=365)] = Field(
        30, description="days before next_review_on the reminder starts (issue 5)"
    )


class FirstDayContactLadder(RuleSettings):
    """The ladder itself is the profile's `escalation_ladder`; this says who hears when a
    rung's time passes. The attendance officers make the calls and visits (issue 6 §7)."""

    rule_id: ClassVar[str] = R.FIRST_DAY_CONTACT_LADDER
    DEFAULT_NOTIFY: ClassVar[tuple[str, ...]] = ("attendance_officer",)


class NoContactSafeguarding(RuleSettings):
    """No contact and a safeguarding flag (the vulnerable_unexplained_absence rule's
    `vulnerable_if`), the ladder at its dsl_referral rung, or a parent reached who does not
    know where the child is: the DSL team at once."""

    rule_id: ClassVar[str] = R.NO_CONTACT_SAFEGUARDING


# --- Case-work rules (issue 7: the safeguarding app raises them from its own records) -----


class ConcernAwaitingTriage(RuleSettings):
    rule_id: ClassVar[str] = R.CONCERN_AWAITING_TRIAGE


class CmeNotificationDue(RuleSettings):
    # The deadline is the CME step's own (cme_ten_days.school_days), carried on the case.
    rule_id: ClassVar[str] = R.CME_NOTIFICATION_DUE


class ReturnHomeInterviewDue(RuleSettings):
    # The deadline is deadlines.return_home_interview_within_hours (72, statutory.md §7.2 [S]).
    rule_id: ClassVar[str] = R.RETURN_HOME_INTERVIEW_DUE


class RepeatMissingEpisodes(RuleSettings):
    rule_id: ClassVar[str] = R.REPEAT_MISSING_EPISODES
    # statutory.md §7.2 [S, local]: "3 or more times in 30 days" (Derbyshire); set locally.
    episodes: Annotated[int, Field(ge=2, le=50)] = Field(3, description="missing episodes")
    window_days: Annotated[int, Field(ge=1, le=365)] = Field(30, description="in a rolling window of days")


class ReintegrationReviewOverdue(RuleSettings):
    rule_id: ClassVar[str] = R.REINTEGRATION_REVIEW_OVERDUE


RULE_SETTINGS: dict[str, type[RuleSettings]] = {cls.rule_id: cls for cls in (
    ContinuousAbsence, CmeTenDays, AttendanceReturn10Day, SicknessReturn15Day, DeletionGround20Day,
    PersistentAbsence, SevereAbsence, PenaltyNoticeThreshold, PatternDayOfWeek,
    PatternAdjacentToWeekend, PatternSubject, PatternTeacher, PatternPeSwimming, PatternLateness,
    PatternMissingLessonsOnSite, PatternCoAbsenceGroup, PatternDropFromBaseline,
    VulnerableUnexplainedAbsence, PolicyReviewDue, FirstDayContactLadder, NoContactSafeguarding,
    ConcernAwaitingTriage, CmeNotificationDue, ReturnHomeInterviewDue, RepeatMissingEpisodes,
    ReintegrationReviewOverdue,
)}
assert set(RULE_SETTINGS) == R.RULE_IDS, "every rule id needs its settings class, and only those"


class RuleSet(_Strict):
    """`rules:` of the document: one optional entry per rule id (so an unknown id is refused)."""

    continuous_absence: ContinuousAbsence
    cme_ten_days: CmeTenDays
    attendance_return_10_day: AttendanceReturn10Day
    sickness_return_15_day: SicknessReturn15Day
    deletion_ground_20_day: DeletionGround20Day
    persistent_absence: PersistentAbsence
    severe_absence: SevereAbsence
    penalty_notice_threshold: PenaltyNoticeThreshold
    pattern_day_of_week: PatternDayOfWeek
    pattern_adjacent_to_weekend: PatternAdjacentToWeekend
    pattern_subject: PatternSubject
    pattern_teacher: PatternTeacher
    pattern_pe_swimming: PatternPeSwimming
    pattern_lateness: PatternLateness
    pattern_missing_lessons_on_site: PatternMissingLessonsOnSite
    pattern_co_absence_group: PatternCoAbsenceGroup
    pattern_drop_from_baseline: PatternDropFromBaseline
    vulnerable_unexplained_absence: VulnerableUnexplainedAbsence
    policy_review_due: PolicyReviewDue
    first_day_contact_ladder: FirstDayContactLadder
    no_contact_safeguarding: NoContactSafeguarding
    concern_awaiting_triage: ConcernAwaitingTriage
    cme_notification_due: CmeNotificationDue
    return_home_interview_due: ReturnHomeInterviewDue
    repeat_missing_episodes: RepeatMissingEpisodes
    reintegration_review_overdue: ReintegrationReviewOverdue


assert set(RuleSet.model_fields) == R.RULE_IDS


class Options(_Strict):
    """Choices the seed policies make that are not thresholds."""

    # seed 004 "Parental Notification": parents are told of absence only for under-18s.
    over_18_parent_notification: bool = True
    placing_school_notification: PlacingSchoolNotification = "end_of_each_session"
    # seed 004: at 10 consecutive days "a formal 'Safe and Well' check is undertaken".
    cme_requires_safe_and_well_check: bool = False
    # seed 004: continuous absence includes "consideration of digital footprints".
    continuous_absence_online_review: bool = False


class Deadlines(_Strict):
    """Statutory deadlines other parts of Safewell read from the profile in force."""

    n_code_resolved_within_school_days: Annotated[int, Field(ge=1), statutory("deadlines.n_code_resolved_within_school_days")] = 5
    return_home_interview_within_hours: Annotated[int, Field(ge=1), statutory("deadlines.return_home_interview_within_hours")] = 72


# The escalation ladder of first-day calling (issue 6 §3; followup/ladder.py says how the
# rungs run): contacts in priority order, emergency contacts, a second-day home visit, the
# DSL, the police. Each rung has a time limit in hours; when it passes with no contact made,
# the next rung is due and the policy engine raises an alert.
LadderStep = Literal["contacts_in_priority_order", "emergency_contacts", "home_visit", "dsl_referral", "police"]
LADDER_MUST_START_WITH_CONTACTS = (
    "The ladder starts with contacts_in_priority_order: the family is called first (seed 000 §5; "
    "WTTISA, statutory.md §5.1 [S])."
)
LADDER_NEEDS_DSL = (
    "The ladder must include dsl_referral: when no contact can be made the DSL is told (seed 000 §5)."
)


class EscalationRung(_Strict):
    step: LadderStep
    within_hours: Annotated[int, Field(ge=1, le=24 * 14)]


def _steps_once(rungs: list[EscalationRung]) -> list[EscalationRung]:
    _no_duplicates([rung.step for rung in rungs])
    if rungs[0].step != "contacts_in_priority_order":
        raise PydanticCustomError("ladder_order", LADDER_MUST_START_WITH_CONTACTS)
    if not any(rung.step == "dsl_referral" for rung in rungs):
        raise PydanticCustomError("ladder_dsl", LADDER_NEEDS_DSL)
    return rungs


class EscalationLadder(_Strict):
    rungs: Annotated[list[EscalationRung], Field(min_length=1), AfterValidator(_steps_once)]


# Without a ladder in the profile [U: product default, after seed 000 §5 and the issue's
# "second-day home visit"]: the parents for 2 hours, the other contacts for 2 more, a home
# visit within the next day, then the DSL and the police.
DEFAULT_LADDER = EscalationLadder(rungs=[
    EscalationRung(step="contacts_in_priority_order", within_hours=2),
    EscalationRung(step="emergency_contacts", within_hours=2),
    EscalationRung(step="home_visit", within_hours=24),
    EscalationRung(step="dsl_referral", within_hours=2),
    EscalationRung(step="police", within_hours=4),
])
MessageChannel = Literal["sms", "email"]
# "HH:MM", quoted in YAML: unquoted, YAML 1.1 reads 10:00 as the number 600.
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


FAMILY_HOURS_BACKWARDS = "Messages to families must start before they end: {start} is not before {end}."
SEND_TIME_OUTSIDE_HOURS = (
    "send_messages_at ({at}) must fall within the hours for messages to families ({start} to {end})."
)


class FirstDayCalling(_Strict):
    """First-day messages to families (issue 6 §5; WTTISA: contact parents on the first day
    of absence where no reason was given, statutory.md §5.1 [S])."""

    # Sent automatically at this time (Europe/London) to the families of pupils still on the
    # calling list with no contact made, within the hour after it (a job that ran late); once
    # that hour has passed, a text waits for a person to send it (issue 11 §3).
    send_messages_at: ClockTime = "10:00"
    send_messages_automatically: bool = True
    message_channels: Annotated[list[MessageChannel], Field(min_length=1), AfterValidator(_no_duplicates)] = ["sms"]
    # Nothing goes to a family outside these hours (Europe/London), by hand or automatically;
    # a message still undelivered when they end is not sent the next day [U: product default].
    message_families_from: ClockTime = "08:00"
    message_families_until: ClockTime = "18:00"

    def send_time(self) -> dt.time:
        return dt.time.fromisoformat(self.send_messages_at)

    def family_hours(self) -> tuple[dt.time, dt.time]:
        return dt.time.fromisoformat(self.message_families_from), dt.time.fromisoformat(self.message_families_until)

    @model_validator(mode="after")
    def _send_time_within_family_hours(self) -> FirstDayCalling:
        start, end = self.family_hours()
        if start >= end:
            raise PydanticCustomError("family_hours", FAMILY_HOURS_BACKWARDS.format(start=self.message_families_from,
                                                                                    end=self.message_families_until))
        if not start <= self.send_time() < end:
            raise PydanticCustomError("send_time", SEND_TIME_OUTSIDE_HOURS.format(
                at=self.send_messages_at, start=self.message_families_from, end=self.message_families_until))
        return self


class Alerting(_Strict):
    """When the people an alert is routed to can see it, and when they hear of what is not
    urgent (issue 11 §1 and §3; docs/alerts.md). Times are Europe/London, on weekdays."""

    # An alert raised out of these hours is first seen when they start: its acknowledgement
    # deadline counts from then, and never falls out of them (an alert raised at 02:30 is
    # not overdue at 03:30).
    working_hours_start: ClockTime = "08:00"
    working_hours_end: ClockTime = "17:30"
    # A role that sees alerts at every hour (someone on call): with one named, deadlines
    # count from the moment the alert is raised.
    out_of_hours_contact: Literal["dsl", "deputy_dsl"] | None = None
    # Alerts that are not urgent are told in one digest at each of these times.
    digest_times: Annotated[list[ClockTime], Field(min_length=1), AfterValidator(_no_duplicates)] = ["08:00", "13:00"]

    def hours(self) -> tuple[dt.time, dt.time]:
        return dt.time.fromisoformat(self.working_hours_start), dt.time.fromisoformat(self.working_hours_end)

    def digest_clock(self) -> list[dt.time]:
        return sorted(dt.time.fromisoformat(t) for t in self.digest_times)

    @model_validator(mode="after")
    def _hours_in_order(self) -> Alerting:
        if self.working_hours_start >= self.working_hours_end:
            raise PydanticCustomError("working_hours_order", WORKING_HOURS_ORDER.format(
                start=self.working_hours_start, end=self.working_hours_end))
        return self


WORKING_HOURS_ORDER = "The working day must start before it ends: {start} is not before {end}."


class RulesById(dict[str, RuleSettings]):
    """A `dict[rule_id, RuleSettings]` that also reads by attribute (`rules.cme_ten_days`)."""

    def __getattr__(self, name: str) -> RuleSettings:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Profile(_Strict):
    """A validated policy profile. Build one with `profile_parse` (YAML) or `profile_from_json`."""

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: Annotated[str, Field(max_length=200)] = ""
    version: Annotated[int, Field(ge=1)]
    organisation_kind: OrganisationKindName
    reviewed_on: dt.date
    next_review_on: dt.date
    # Which policy this profile models, e.g. "seed 000 (an AP's Children Missing Education policy)".
    source: Annotated[str, Field(min_length=1, max_length=500)]
    defaults: Defaults = Defaults()
    rule_set: RuleSet = Field(alias="rules")
    options: Options = Options()
    deadlines: Deadlines = Deadlines()
    escalation_ladder: EscalationLadder = DEFAULT_LADDER
    first_day_calling: FirstDayCalling = FirstDayCalling()
    alerting: Alerting = Alerting()

    @model_validator(mode="before")
    @classmethod
    def _fill_rules(cls, data: Any) -> Any:
        """Give every rule its fields from `defaults:` and add the rules the document leaves out."""
        if not isinstance(data, dict):
            return data
        rules = data.get("rules", {})
        if not isinstance(rules, dict):
            return data
        defaults = data.get("defaults", {})
        defaults = defaults if isinstance(defaults, dict) else {}
        filled = dict(rules)
        for rule_id, settings_class in RULE_SETTINGS.items():
            given = rules.get(rule_id, {"enabled": settings_class.ENABLED_BY_DEFAULT})
            if given is None:
                given = {}  # `pattern_subject:` alone: on, at its default thresholds
            if isinstance(given, dict):
                filled[rule_id] = _rule_with_defaults(settings_class, given, defaults)
        return {**data, "rules": filled}

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        problems: list[InitErrorDetails] = []
        rules = self.rule_set
        if rules.severe_absence.percent <= rules.persistent_absence.percent:
            problems.append(_problem(
                ("rules", "severe_absence", "percent"), rules.severe_absence.percent,
                SEVERE_NOT_ABOVE_PERSISTENT.format(
                    severe=_number(rules.severe_absence.percent), persistent=_number(rules.persistent_absence.percent)
                ),
            ))
        if rules.continuous_absence.school_days > rules.cme_ten_days.school_days:
            problems.append(_problem(
                ("rules", "continuous_absence", "school_days"), rules.continuous_absence.school_days,
                CONTINUOUS_AFTER_CME.format(
                    continuous=rules.continuous_absence.school_days, cme=rules.cme_ten_days.school_days
                ),
            ))
        if self.next_review_on <= self.reviewed_on:
            problems.append(_problem(
                ("next_review_on",), str(self.next_review_on),
                REVIEW_BEFORE_REVIEWED.format(next=self.next_review_on, reviewed=self.reviewed_on),
            ))
        if problems:
            raise ValidationError.from_exception_data("Profile", problems)
        return self

    @cached_property
    def rules(self) -> RulesById:
        """Every rule's settings by rule id (the contract's `Profile.rules`):
        `profile.rules["cme_ten_days"]` or `profile.rules.cme_ten_days`."""
        return RulesById({rule_id: getattr(self.rule_set, rule_id) for rule_id in RuleSet.model_fields})

    def enabled_rules(self) -> dict[str, RuleSettings]:
        return {rule_id: settings for rule_id, settings in self.rules.items() if settings.enabled}

    def review_reminder_starts_on(self) -> dt.date:
        return self.next_review_on - dt.timedelta(days=self.rule_set.policy_review_due.remind_days_before)

    def review_is_overdue(self, *, today: dt.date) -> bool:
        return today > self.next_review_on

    def review_is_due(self, *, today: dt.date) -> bool:
        """Within the reminder window before `next_review_on`, or past it."""
        return today >= self.review_reminder_starts_on()

    def to_json(self) -> dict:
        """What `PolicyProfile.parsed` stores: every rule, with defaults filled in."""
        return self.model_dump(mode="json", by_alias=True)


def _rule_with_defaults(settings_class: type[RuleSettings], given: dict, defaults: dict) -> dict:
    filled = dict(given)
    if settings_class.DEFAULT_NOTIFY is not None:
        filled.setdefault("notify", list(settings_class.DEFAULT_NOTIFY))
    for name, field in Defaults.model_fields.items():
        if name not in filled:
            filled[name] = defaults[name] if name in defaults else field.get_default(call_default_factory=True)
    return filled


def _problem(loc: tuple, value: Any, message: str) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("inconsistent", message), loc=loc, input=value)


# --- Reading YAML with line numbers ------------------------------------------------------


@dataclass(frozen=True)
class ProfileError:
    """One problem: the YAML line (None when it has none) and the dotted field."""

    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "the document"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ProfileInvalid(ValueError):
    """The document is refused, whole. `errors` lists every problem, in line order."""

    def __init__(self, errors: list[ProfileError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


# Where a value sits in the document: ("rules", "cme_ten_days", "school_days"); list items by index.
YamlPath = tuple[str | int, ...]


class _LineTracker:
    """Builds plain Python from a composed YAML node tree, noting the line of every path.

    For a mapping entry the line is that of its key; for a list item, of the item. PyYAML's
    own constructor drops the marks, so we walk the nodes ourselves; scalars are still
    resolved by the SafeLoader (ints, booleans, dates), and merge keys (`<<`) are flattened.
    """

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.lines: dict[YamlPath, int] = {}
        self.errors: list[ProfileError] = []
        self.nodes = 0

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self.nodes += 1
        if self.nodes > MAX_PROFILE_NODES:
            raise _TooManyNodes
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict:
        self.loader.flatten_mapping(node)
        result: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                self.errors.append(ProfileError(line, _dotted((*path, key)), DUPLICATE_KEY.format(
                    key=key, first=first_line[key], second=line)))
                continue
            first_line[key] = line
            self.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key))
        return result


class _TooManyNodes(Exception):
    pass


def _dotted(path: YamlPath) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _load_yaml(text: str) -> tuple[Any, dict[YamlPath, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ProfileInvalid([ProfileError(1, "", NOT_A_MAPPING.format(kind="an empty document"))])
        tracker = _LineTracker(loader)
        data = tracker.build(node, ())
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "unreadable"
        raise ProfileInvalid([ProfileError(mark.line + 1 if mark else None, "", NOT_YAML.format(problem=problem))]) from None
    except yaml.YAMLError as error:
        raise ProfileInvalid([ProfileError(None, "", NOT_YAML.format(problem=error))]) from None
    except _TooManyNodes:
        raise ProfileInvalid([ProfileError(None, "", TOO_MANY_NODES.format(limit=MAX_PROFILE_NODES))]) from None
    finally:
        loader.dispose()
    if tracker.errors:
        raise ProfileInvalid(tracker.errors)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the value {data!r}"
        raise ProfileInvalid([ProfileError(1, "", NOT_A_MAPPING.format(kind=kind))])
    return data, tracker.lines


def profile_parse(yaml_text: str | bytes, *, organisation_kind: str | None = None) -> Profile:
    """Validate a profile document; raise `ProfileInvalid` listing every problem with its line.

    With `organisation_kind`, the profile must also be meant for that kind of organisation
    (or for "any")."""
    if isinstance(yaml_text, bytes):
        try:
            yaml_text = yaml_text.decode("utf-8")
        except UnicodeDecodeError:
            raise ProfileInvalid([ProfileError(None, "", NOT_TEXT)]) from None
    size = len(yaml_text.encode("utf-8"))
    if size > MAX_PROFILE_BYTES:
        raise ProfileInvalid([ProfileError(None, "", TOO_LARGE.format(limit=MAX_PROFILE_BYTES, size=size))])
    data, lines = _load_yaml(yaml_text)
    problems = _kind_problems(data, lines, organisation_kind)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as error:
        problems = sorted(problems + _profile_errors(error, lines), key=lambda p: (p.line or 0, p.field))
        raise ProfileInvalid(problems) from None
    if problems:
        raise ProfileInvalid(problems)
    return profile


def _kind_problems(data: dict, lines: dict[YamlPath, int], organisation_kind: str | None) -> list[ProfileError]:
    kind = data.get("organisation_kind")
    if organisation_kind is None or not isinstance(kind, str) or kind in ("any", organisation_kind):
        return []
    if kind not in get_args(OrganisationKindName):
        return []  # the schema reports an unknown kind itself
    message = WRONG_ORGANISATION_KIND.format(kind=kind, organisation_kind=organisation_kind)
    return [ProfileError(lines.get(("organisation_kind",)), "organisation_kind", message)]


def profile_from_json(parsed: dict) -> Profile:
    """A stored profile (`PolicyProfile.parsed`) back as a `Profile`. JSON has no dates, so the
    two ISO dates are turned back into dates first; everything else validates as written."""
    data = dict(parsed)
    for name in ("reviewed_on", "next_review_on"):
        if isinstance(data.get(name), str):
            data[name] = dt.date.fromisoformat(data[name])
    return Profile.model_validate(data)


def shipped_profile_text(name: str) -> str:
    if name not in SHIPPED_PROFILE_NAMES:
        raise KeyError(name)
    return (SHIPPED_PROFILES_DIR / f"{name}.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=len(SHIPPED_PROFILE_NAMES))
def shipped_profile(name: str) -> Profile:
    """A shipped profile, parsed once per process (Profiles are immutable)."""
    return profile_parse(shipped_profile_text(name))


# --- Pydantic errors as lines and fields -------------------------------------------------

_TYPE_WORDS = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "text", "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)", "date_from_datetime_inexact": "a date (YYYY-MM-DD) without a time",
    "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
}


def _profile_errors(error: ValidationError, lines: dict[YamlPath, int]) -> list[ProfileError]:
    found: list[ProfileError] = []
    seen: set[tuple] = set()
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        loc, line = _located(loc, lines)
        problem = ProfileError(line, _dotted(loc), _message(detail, loc))
        key = (problem.line, problem.field, problem.message)
        if key not in seen:
            seen.add(key)
            found.append(problem)
    return sorted(found, key=lambda p: (p.line or 0, p.field))


def _located(loc: YamlPath, lines: dict[YamlPath, int]) -> tuple[YamlPath, int | None]:
    """The path to report and its line. A rule field the document does not set came from
    `defaults:` (or the rule was left out), so report it where it was written, if anywhere."""
    if loc in lines:
        return loc, lines[loc]
    if len(loc) >= 3 and loc[0] == "rules" and loc[2] in Defaults.model_fields:
        inherited = ("defaults", *loc[2:])
        if inherited in lines:
            return inherited, lines[inherited]
    for end in range(len(loc) - 1, -1, -1):
        if loc[:end] in lines:
            return loc, lines[loc[:end]]
    return loc, None


def _message(detail: dict, loc: YamlPath) -> str:
    kind = detail["type"]
    value = detail.get("input")
    context = detail.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_name_message(loc)
    if kind == "missing":
        return "This setting is required."
    if kind == "literal_error":
        return f"{value!r} is not allowed here: use {context.get('expected', 'one of the listed values')}."
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        words = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt"),
                 "less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}[kind]
        return f"{value!r} is out of range: it must be {words[0]} {context.get(words[1])}."
    if kind in ("too_short", "too_long"):
        if isinstance(value, list):
            return f"List at least {context.get('min_length')} item(s)." if kind == "too_short" else f"List at most {context.get('max_length')} items."
        return detail["msg"] + "."
    if kind == "string_pattern_mismatch":
        return f"{value!r} must be lower-case letters, digits and hyphens."
    if kind in _TYPE_WORDS:
        return f"This must be {_TYPE_WORDS[kind]}, not {value!r}."
    return detail["msg"]


def _unknown_name_message(loc: YamlPath) -> str:
    name = str(loc[-1])
    if loc[:-1] == ("rules",):
        return UNKNOWN_RULE.format(rule=name, suggestion=_suggestion(name, sorted(R.RULE_IDS)))
    allowed = _allowed_names(loc[:-1])
    return UNKNOWN_FIELD.format(name=name, suggestion=_suggestion(name, allowed), allowed=", ".join(allowed))


def _suggestion(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _allowed_names(parent: YamlPath) -> list[str]:
    model = _model_at(parent)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_at(path: YamlPath) -> type[BaseModel] | None:
    if path == ():
        return Profile
    if path[0] == "rules" and len(path) == 2:
        return RULE_SETTINGS.get(str(path[1]))
    simple: dict[YamlPath, type[BaseModel]] = {
        ("defaults",): Defaults, ("options",): Options, ("deadlines",): Deadlines,
        ("escalation_ladder",): EscalationLadder, ("first_day_calling",): FirstDayCalling,
        ("alerting",): Alerting,
    }
    if len(path) == 3 and path[0] == "escalation_ladder":
        return EscalationRung
    return simple.get(path)


# --- Reading a profile for people ---------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    name: str
    label: str
    value: Any
    statutory: StatutoryMinimum | None


def rule_thresholds(rule_id: str, settings: RuleSettings) -> list[Threshold]:
    """A rule's thresholds with their descriptions and any statutory minimum (admin page)."""
    fields = type(settings).model_fields
    return [
        Threshold(name, fields[name].description or name.replace("_", " "), value,
                  STATUTORY_MINIMUMS.get(f"rules.{rule_id}.{name}"))
        for name, value in settings.thresholds().items()
    ]


def rules_in_order(profile: Profile) -> Iterator[tuple[str, RuleSettings]]:
    """Rules in the order of rule_ids.RULES (statutory first, then patterns)."""
    for rule in R.RULES:
        yield rule.id, profile.rules[rule.id]
