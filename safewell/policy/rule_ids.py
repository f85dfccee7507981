"""The fixed list of policy rule ids (issue 5 contract): one meaning and one source each.

Profiles (`policy/profiles/*.yaml`), the engine's `AlertCandidate.rule_id` and `Alert.rule_id`
all use these strings. A profile naming any other rule is refused. Adding a rule means adding
it here first, with its meaning and source, then to the schema in `policy/profiles.py`.

Certainty tags are those of statutory.md: [C] primary source read, [S] secondary, [U] not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class RuleId:
    id: str
    meaning: str
    source: str


CONTINUOUS_ABSENCE: Final = "continuous_absence"
CME_TEN_DAYS: Final = "cme_ten_days"
ATTENDANCE_RETURN_10_DAY: Final = "attendance_return_10_day"
SICKNESS_RETURN_15_DAY: Final = "sickness_return_15_day"
DELETION_GROUND_20_DAY: Final = "deletion_ground_20_day"
PERSISTENT_ABSENCE: Final = "persistent_absence"
SEVERE_ABSENCE: Final = "severe_absence"
PENALTY_NOTICE_THRESHOLD: Final = "penalty_notice_threshold"
PATTERN_DAY_OF_WEEK: Final = "pattern_day_of_week"
PATTERN_ADJACENT_TO_WEEKEND: Final = "pattern_adjacent_to_weekend"
PATTERN_SUBJECT: Final = "pattern_subject"
PATTERN_TEACHER: Final = "pattern_teacher"
PATTERN_PE_SWIMMING: Final = "pattern_pe_swimming"
PATTERN_LATENESS: Final = "pattern_lateness"
PATTERN_MISSING_LESSONS_ON_SITE: Final = "pattern_missing_lessons_on_site"
PATTERN_CO_ABSENCE_GROUP: Final = "pattern_co_absence_group"
PATTERN_DROP_FROM_BASELINE: Final = "pattern_drop_from_baseline"
VULNERABLE_UNEXPLAINED_ABSENCE: Final = "vulnerable_unexplained_absence"
POLICY_REVIEW_DUE: Final = "policy_review_due"
# Case work (issue 7): raised by the safeguarding app from its own records, not by the engine.
CONCERN_AWAITING_TRIAGE: Final = "concern_awaiting_triage"
CME_NOTIFICATION_DUE: Final = "cme_notification_due"
RETURN_HOME_INTERVIEW_DUE: Final = "return_home_interview_due"
REPEAT_MISSING_EPISODES: Final = "repeat_missing_episodes"
REINTEGRATION_REVIEW_OVERDUE: Final = "reintegration_review_overdue"
FIRST_DAY_CONTACT_LADDER: Final = "first_day_contact_ladder"
NO_CONTACT_SAFEGUARDING: Final = "no_contact_safeguarding"

RULES: Final[tuple[RuleId, ...]] = (
    RuleId(CONTINUOUS_ABSENCE,
           "N school days of continuous absence with whereabouts unknown: the DSL is told",
           "seed 000 §5-§7; seed 004 'Continuous missing days'"),
    RuleId(CME_TEN_DAYS,
           "10 school days of absence, whereabouts unknown: the CME step (LA told, safe-and-well check)",
           "seed 000 §7; seed 004 ('10 consecutive days'); s436A Education Act 1996 [C]"),
    RuleId(ATTENDANCE_RETURN_10_DAY,
           "10 continuous school days of G/N/O/U: the pupil goes on the LA attendance return",
           "statutory.md §3.2, 2024 Regulations via WTTISA [S]"),
    RuleId(SICKNESS_RETURN_15_DAY,
           "15 school days of illness (I), consecutive or cumulative: the LA sickness return",
           "statutory.md §3.3, CME guidance 2024 p.11 [S]"),
    RuleId(DELETION_GROUND_20_DAY,
           "20 school days of G/N/O approached: joint reasonable enquiries with the LA needed",
           "statutory.md §3.4, reg 9(1)(i) 2024 Regulations [S]"),
    RuleId(PERSISTENT_ABSENCE,
           "overall absence >= 10% of the enrolment's possible sessions over a stated period",
           "statutory.md §2, DfE methodology [S]"),
    RuleId(SEVERE_ABSENCE,
           "overall absence >= 50% of the enrolment's possible sessions over a stated period",
           "statutory.md §2 [S]"),
    RuleId(PENALTY_NOTICE_THRESHOLD,
           "10 unauthorised (G/N/O/U) sessions in a rolling 10 school weeks: consider a penalty notice",
           "statutory.md §4, WTTISA ch. 6 paras 174-200 [S]"),
    RuleId(PATTERN_DAY_OF_WEEK,
           "absences concentrated on one day of the week",
           "seed 004 'Single missing days: is there a pattern in the day missed?'"),
    RuleId(PATTERN_ADJACENT_TO_WEEKEND,
           "absences on days next to a weekend or holiday",
           "seed 004 'Is it before or after the weekend'"),
    RuleId(PATTERN_SUBJECT,
           "lessons of one subject missed more than others",
           "seed 004 'Are there patterns in the lessons that are being missed?'"),
    RuleId(PATTERN_TEACHER,
           "lessons of one teacher missed more than others",
           "seed 004 'Is this more than avoidance of a subject or a teacher?'"),
    RuleId(PATTERN_PE_SWIMMING,
           "PE or swimming lessons missed",
           "seed 004 'a lesson that would cause bruising or injuries to become visible'"),
    RuleId(PATTERN_LATENESS,
           "repeated lateness (L/U)",
           "seed 004 'Are they late because of a caring responsibility?'"),
    RuleId(PATTERN_MISSING_LESSONS_ON_SITE,
           "present at registration but missing lessons while on site",
           "seed 004 'Does the child remain on the school site?'"),
    RuleId(PATTERN_CO_ABSENCE_GROUP,
           "a group of pupils repeatedly missing the same lessons together",
           "seed 004 'Are other students routinely missing the same lessons'"),
    RuleId(PATTERN_DROP_FROM_BASELINE,
           "a sharp drop in attendance against the pupil's own baseline",
           "seed 004 (regular analysis of attendance data); issue 5"),
    RuleId(VULNERABLE_UNEXPLAINED_ABSENCE,
           "any unexplained absence of a child with a social worker, looked after, on a CP plan "
           "or with an open case: DSL that morning, social worker/virtual school the same day",
           "statutory.md §5.1 (WTTISA para 52 [S]); seed 000 §5"),
    RuleId(POLICY_REVIEW_DUE,
           "the policy profile's review is due within 30 days, or overdue",
           "seed 000 §11 (annual review); seed 004 'Review History'"),
    RuleId(CONCERN_AWAITING_TRIAGE,
           "a concern a member of staff raised that the DSL team has not yet assessed",
           "seed 000 §6 (concerns recorded and assessed by the DSL); seed 004 'The role of the staff' "
           "(report concerns to the DSL)"),
    RuleId(CME_NOTIFICATION_DUE,
           "a child missing education case whose notification to the local authority is not sent yet",
           "seed 000 §7; seed 004 'Continuous missing days' (the LA 'immediately informed'); s436A Education "
           "Act 1996 [C]; reasonable enquiries statutory.md §3.4 [S]"),
    RuleId(RETURN_HOME_INTERVIEW_DUE,
           "a child back from a missing episode whose return home interview is neither done nor declined: "
           "due within 72 hours of the return",
           "statutory.md §7.2, DfE statutory guidance on children who run away or go missing from home or "
           "care (2014) [S]"),
    RuleId(REPEAT_MISSING_EPISODES,
           "N or more missing episodes in a rolling window of days (thresholds set locally)",
           "statutory.md §7.2 [S, local]: count episodes in rolling windows; e.g. a strategy meeting at 3 "
           "episodes in 30 days (Derbyshire)"),
    RuleId(REINTEGRATION_REVIEW_OVERDUE,
           "a reintegration plan, or the part-time timetable (C2) in it, past its review date",
           "seed 000 §10 (reintegration under review); seed 004 'Returning home from care'; C2 time-limited "
           "and reviewed, reg 11(6) 2024 Regulations [C], statutory.md §1"),
    RuleId(FIRST_DAY_CONTACT_LADDER,
           "an unexplained absence with no contact made: a rung of the escalation ladder passed its "
           "time limit, the next is due",
           "seed 000 §5 (first-day calling, attempts recorded); seed 004 welfare follow-ups; "
           "WTTISA first-day calling, statutory.md §5.1 [S]"),
    RuleId(NO_CONTACT_SAFEGUARDING,
           "no contact made and a safeguarding flag, the ladder at the DSL, or the police definition "
           "of missing met: the DSL at once",
           "seed 000 §5 ('If no contact can be made and there are safeguarding concerns, the DSL will "
           "be informed immediately'); seed 004 'Parental Notification and Police Involvement'; "
           "statutory.md §7.1 [C]"),
)

RULE_IDS: Final[frozenset[str]] = frozenset(rule.id for rule in RULES)
RULES_BY_ID: Final[dict[str, RuleId]] = {rule.id: rule for rule in RULES}
# The case-work rules: the safeguarding app raises and clears them from its records
# (safeguarding/casework_alerts.py), so the engine's evaluations leave them alone.
CASEWORK_RULE_IDS: Final[frozenset[str]] = frozenset({
    CONCERN_AWAITING_TRIAGE, CME_NOTIFICATION_DUE, RETURN_HOME_INTERVIEW_DUE, REPEAT_MISSING_EPISODES,
    REINTEGRATION_REVIEW_OVERDUE,
})
