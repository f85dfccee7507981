"""The numbers the rules use: the organisation's policy profile in force, as one flat
frozen object per organisation.

`thresholds_for_organisations` reads every organisation's active profile in one query
(`policy.models.PolicyProfile.parsed`; `policy.profiles.profile_from_json`) and falls back
to the shipped `statutory` profile, as `profile_selectors.profile_for` does. `STATUTORY` is
that fallback: the national minimums, each cited in policy/profiles.py and the YAML.

A few numbers no profile carries are the engine's own, marked [U: product default] below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from safewell.policy import rule_ids as R

# reg 9(1)(i): the 20-school-day deletion ground is met at 20 (statutory.md §3.4 [S]); the
# profile chooses only when to warn.
DELETION_GROUND_SCHOOL_DAYS = 20
# The review reminder (policy/profile_jobs.py) and the case-work rules (the safeguarding app)
# are raised outside the engine: its evaluations must never find them "no longer met".
ENGINE_RULES = frozenset(R.RULE_IDS - {R.POLICY_REVIEW_DUE} - R.CASEWORK_RULE_IDS)


@dataclass(frozen=True)
class Thresholds:
    continuous_absence_days: int = 3
    cme_days: int = 10
    attendance_return_days: int = 10
    sickness_return_days: int = 15
    deletion_warn_days: int = 15
    deletion_days: int = DELETION_GROUND_SCHOOL_DAYS
    persistent_percent: float = 10
    persistent_period: str = "year_to_date"
    severe_percent: float = 50
    severe_period: str = "year_to_date"
    # No PA/SA alert before this many possible sessions in the period: two school weeks
    # [U: product default; the DfE counts from the first session, but one absent morning
    # in the first week of September is not a concern to alert on].
    absence_rate_minimum_sessions: int = 20
    penalty_sessions: int = 10
    penalty_school_weeks: int = 10
    day_of_week_min_share: float = 0.5
    day_of_week_min_absences: int = 4
    day_of_week_school_weeks: int = 12
    adjacent_min_share: float = 0.6
    adjacent_min_absences: int = 4
    adjacent_school_weeks: int = 12
    subject_min_missed: int = 4
    subject_min_ratio: float = 2.0
    subject_school_weeks: int = 12
    teacher_min_missed: int = 4
    teacher_min_ratio: float = 2.0
    teacher_school_weeks: int = 12
    pe_min_missed: int = 3
    # PE/swimming missed at least twice as often as the pupil's other lessons [U: product
    # default; the profile sets only the count].
    pe_min_ratio: float = 2.0
    pe_school_weeks: int = 12
    lateness_sessions: int = 5
    lateness_school_weeks: int = 6
    on_site_min_missed: int = 2
    on_site_school_days: int = 10
    co_absence_min_group: int = 3
    co_absence_min_shared: int = 3
    co_absence_school_weeks: int = 6
    drop_points: float = 10.0
    drop_baseline_school_weeks: int = 12
    drop_recent_school_weeks: int = 4
    # A drop needs enough sessions on both sides to mean anything [U: product default].
    drop_min_baseline_sessions: int = 20
    drop_min_recent_sessions: int = 10
    vulnerable_if: tuple[str, ...] = ("child_protection_plan", "child_in_need", "looked_after", "open_case")
    # The escalation ladder of first-day calling: (step, within_hours) per rung, in order
    # (policy/profiles.py DEFAULT_LADDER; followup/ladder.py).
    ladder: tuple[tuple[str, int], ...] = (
        ("contacts_in_priority_order", 2), ("emergency_contacts", 2), ("home_visit", 24),
        ("dsl_referral", 2), ("police", 4),
    )
    enabled: frozenset[str] = ENGINE_RULES
    severity: dict[str, str] = field(default_factory=dict)

    def runs(self, rule_id: str) -> bool:
        return rule_id in self.enabled

    def severity_of(self, rule_id: str) -> str:
        return self.severity.get(rule_id, "medium")

    @property
    def lesson_school_weeks(self) -> int:
        """The longest lookback of the lesson rules (the lesson marks to read)."""
        return max(self.subject_school_weeks, self.teacher_school_weeks, self.pe_school_weeks,
                   self.co_absence_school_weeks, -(-self.on_site_school_days // 5) + 1)

    @property
    def longest_window_weeks(self) -> int:
        """The widest rolling window of school weeks any session rule looks back over."""
        return max(self.penalty_school_weeks, self.day_of_week_school_weeks, self.adjacent_school_weeks,
                   self.lateness_school_weeks, self.drop_baseline_school_weeks + self.drop_recent_school_weeks)


def thresholds_from_profile(profile) -> Thresholds:
    """The engine's view of a parsed `policy.profiles.Profile`."""
    r = profile.rules
    return Thresholds(
        continuous_absence_days=r.continuous_absence.school_days,
        cme_days=r.cme_ten_days.school_days,
        attendance_return_days=r.attendance_return_10_day.school_days,
        sickness_return_days=r.sickness_return_15_day.school_days,
        deletion_warn_days=r.deletion_ground_20_day.warn_at_school_days,
        persistent_percent=float(r.persistent_absence.percent),
        persistent_period=r.persistent_absence.period,
        severe_percent=float(r.severe_absence.percent),
        severe_period=r.severe_absence.period,
        penalty_sessions=r.penalty_notice_threshold.unauthorised_sessions,
        penalty_school_weeks=r.penalty_notice_threshold.school_weeks,
        day_of_week_min_share=r.pattern_day_of_week.min_share,
        day_of_week_min_absences=r.pattern_day_of_week.min_absences,
        day_of_week_school_weeks=r.pattern_day_of_week.lookback_school_weeks,
        adjacent_min_share=r.pattern_adjacent_to_weekend.min_share,
        adjacent_min_absences=r.pattern_adjacent_to_weekend.min_absences,
        adjacent_school_weeks=r.pattern_adjacent_to_weekend.lookback_school_weeks,
        subject_min_missed=r.pattern_subject.min_missed_lessons,
        subject_min_ratio=r.pattern_subject.min_ratio,
        subject_school_weeks=r.pattern_subject.lookback_school_weeks,
        teacher_min_missed=r.pattern_teacher.min_missed_lessons,
        teacher_min_ratio=r.pattern_teacher.min_ratio,
        teacher_school_weeks=r.pattern_teacher.lookback_school_weeks,
        pe_min_missed=r.pattern_pe_swimming.min_missed_lessons,
        pe_school_weeks=r.pattern_pe_swimming.lookback_school_weeks,
        lateness_sessions=r.pattern_lateness.late_sessions,
        lateness_school_weeks=r.pattern_lateness.lookback_school_weeks,
        on_site_min_missed=r.pattern_missing_lessons_on_site.min_missed_lessons,
        on_site_school_days=r.pattern_missing_lessons_on_site.lookback_school_days,
        co_absence_min_group=r.pattern_co_absence_group.min_group_size,
        co_absence_min_shared=r.pattern_co_absence_group.min_shared_lessons,
        co_absence_school_weeks=r.pattern_co_absence_group.lookback_school_weeks,
        drop_points=float(r.pattern_drop_from_baseline.drop_points),
        drop_baseline_school_weeks=r.pattern_drop_from_baseline.baseline_school_weeks,
        drop_recent_school_weeks=r.pattern_drop_from_baseline.recent_school_weeks,
        vulnerable_if=tuple(r.vulnerable_unexplained_absence.vulnerable_if),
        ladder=tuple((rung.step, rung.within_hours) for rung in profile.escalation_ladder.rungs),
        enabled=frozenset(rule for rule in ENGINE_RULES if getattr(r, rule).enabled),
        severity={rule: getattr(r, rule).severity for rule in ENGINE_RULES},
    )


# Thresholds of stored profile versions, by (PolicyProfile id, created_at): a version is never
# edited (profile_services: a change is a new version), so its thresholds never change; the
# creation time guards against an id reused after a rolled-back install.
_BY_PROFILE_ID: dict[tuple, Thresholds] = {}


@lru_cache(maxsize=1)
def statutory() -> Thresholds:
    """The thresholds of the shipped fallback profile (`statutory.yaml`)."""
    from safewell.policy.profiles import FALLBACK_PROFILE_NAME, shipped_profile

    return thresholds_from_profile(shipped_profile(FALLBACK_PROFILE_NAME))


def thresholds_for_organisations(organisation_ids: Iterable[int]) -> dict[int, Thresholds]:
    """{organisation id: Thresholds} from each organisation's active profile, or the
    statutory profile's where none is installed. One small query; a version's document is
    read and parsed only the first time it is met."""
    from safewell.policy.models import PolicyProfile
    from safewell.policy.profiles import profile_from_json

    ids = sorted(set(int(i) for i in organisation_ids))
    found = {organisation_id: statutory() for organisation_id in ids}
    active = {
        organisation_id: (profile_id, created_at)
        for organisation_id, profile_id, created_at in PolicyProfile.objects.filter(
            organisation_id__in=ids, is_active=True).values_list("organisation_id", "id", "created_at")
    }
    unseen = {key[0]: key for key in set(active.values()) - set(_BY_PROFILE_ID)}
    for profile_id, parsed in PolicyProfile.objects.filter(id__in=list(unseen)).values_list("id", "parsed"):
        _BY_PROFILE_ID[unseen[profile_id]] = thresholds_from_profile(profile_from_json(parsed))
    for organisation_id, key in active.items():
        found[organisation_id] = _BY_PROFILE_ID[key]
    return found
