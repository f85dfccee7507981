"""Reads of safeguarding records, scoped to who is asking. Every page, PDF and export goes
through here, and every read of a child's safeguarding record is written to the audit log
here (style.md §1), as a read of the child (`pupils.pupil`), so one "who opened this
record" page lists them all.

Who sees what (design.md principle 6; the issue's §10):

| role                                            | cases, chronology, records          | raise a concern |
|-------------------------------------------------|-------------------------------------|-----------------|
| dsl (the lead DSL: `dsl` at any site of the organisation) | every child of the organisation | yes   |
| deputy_dsl, or dsl, at the child's current site | the children of that site           | yes             |
| admin, teacher, attendance officer, pastoral    | none (403)                          | yes, for the pupils they can see |
| external                                        | none (403)                          | no              |

A DSL-team member of another site gets a 404 for a child (or a record) that is not theirs:
as far as they can tell it does not exist. Scoping follows the child's **current** site, so
when a child moves site the new site's DSL team reads the history (as a child protection
file follows the child).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from safewell.accounts.models import Membership, Role, User
from safewell.audit.services import audit_read
from safewell.policy.profile_selectors import profile_for
from safewell.pupils.models import Pupil
from safewell.safeguarding import chronology
from safewell.safeguarding.models import (
    LIVE_CASE_STATUSES,
    AgencyExport,
    Case,
    ChronologyEntry,
    CaseKind,
    Concern,
    Document,
    InterviewStatus,
    LegalHold,
    MissingEpisode,
    MissingPersonProfile,
    Referral,
    ReferralKind,
    ReferralStatus,
    ReintegrationPlan,
    ReturnHomeInterview,
    RiskAssessment,
    Task,
)

CASEWORK_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL})
# Everyone on the staff may raise a concern (seed 004 "The role of the staff"); an external
# user (a placing school, an agency) raises theirs with the DSL directly.
CONCERN_ROLES = frozenset(Role.values) - {Role.EXTERNAL}

NOT_CASEWORK = "Safeguarding records are for the DSL team. To tell them something, raise a concern."
NOT_STAFF = "Only staff of the school can raise a concern here; please contact the DSL directly."
NO_SUCH_RECORD = "No such safeguarding record."
NOT_THE_LEAD_DSL = "Only the lead designated safeguarding lead may do this."


# --- Access -------------------------------------------------------------------------------------


def _scope(user: User) -> Q | None:
    """Q over pupils (`pupil__…` paths relative to `prefix`) the user's case work covers."""
    if not user.is_authenticated or not user.is_active:
        return None
    memberships = Membership.objects.filter(user=user)
    if not memberships.filter(role__in=CASEWORK_ROLES).exists():
        return None
    return Q(organisation_id__in=memberships.filter(role=Role.DSL).values("site__organisation_id")) | Q(
        site_id__in=memberships.filter(role__in=CASEWORK_ROLES).values("site_id")
    )


def uses_casework(user: User) -> bool:
    return user.is_authenticated and Membership.objects.filter(user=user, role__in=CASEWORK_ROLES).exists()


def require_casework(user: User) -> None:
    """403 for anyone outside every DSL team (a teacher, an administrator)."""
    if not uses_casework(user):
        raise PermissionDenied(NOT_CASEWORK)


def casework_pupils(user: User) -> QuerySet[Pupil]:
    """The children whose safeguarding records `user` may read and write."""
    scope = _scope(user)
    if scope is None:
        return Pupil.objects.none()
    return Pupil.objects.filter(scope).select_related("site", "organisation")


def can_work_on(user: User, pupil: Pupil) -> bool:
    return casework_pupils(user).filter(pk=pupil.pk).exists()


def is_lead_dsl(user: User, organisation_id: int) -> bool:
    """`dsl` at any site of the organisation (policy/routing.py, "The lead DSL")."""
    return user.is_authenticated and Membership.objects.filter(
        user=user, role=Role.DSL, site__organisation_id=organisation_id
    ).exists()


def cases_visible_to(user: User) -> QuerySet[Case]:
    return Case.objects.filter(pupil__in=casework_pupils(user)).select_related("pupil", "site", "owner")


def pupil_for_casework(user: User, pupil_id: int) -> Pupil:
    """The child, for writing (not audited: a write is audited by what it writes). 403 for
    someone outside every DSL team, 404 for a child of another DSL team."""
    require_casework(user)
    pupil = casework_pupils(user).filter(pk=pupil_id).first()
    if pupil is None:
        raise Http404(NO_SUCH_RECORD)
    return pupil


def _visible(user: User, queryset: QuerySet, pk: int, *, pupil_path: str = "pupil"):
    require_casework(user)
    found = queryset.filter(**{f"{pupil_path}__in": casework_pupils(user)}, pk=pk).first()
    if found is None:
        raise Http404(NO_SUCH_RECORD)
    return found


def case_for_user(user: User, case_id: int) -> Case:
    """A case to act on (a write; not audited here)."""
    return _visible(user, Case.objects.select_related("pupil", "site", "owner", "organisation"), case_id)


def referral_for_user(user: User, referral_id: int) -> Referral:
    return _visible(user, Referral.objects.select_related("case", "pupil", "case__site"), referral_id)


def episode_for_user(user: User, episode_id: int) -> MissingEpisode:
    return _visible(user, MissingEpisode.objects.select_related("case", "pupil", "pupil__site"), episode_id)


def plan_for_user(user: User, plan_id: int) -> ReintegrationPlan:
    return _visible(user, ReintegrationPlan.objects.select_related("case", "pupil", "part_time_timetable"), plan_id)


def task_for_user(user: User, task_id: int) -> Task:
    return _visible(user, Task.objects.select_related("case"), task_id, pupil_path="case__pupil")


def concern_for_user(user: User, concern_id: int) -> Concern:
    return _visible(user, Concern.objects.select_related("pupil", "raised_by", "case"), concern_id)


def entry_for_user(user: User, entry_id: int) -> ChronologyEntry:
    return _visible(user, ChronologyEntry.objects.select_related("pupil", "case"), entry_id)


def _read(pupil: Pupil, what: str) -> None:
    audit_read(target=pupil, detail=f"safeguarding: {what}")


# --- Reads of records (audited) -----------------------------------------------------------------


def assessment_detail_for_user(user: User, assessment_id: int) -> RiskAssessment:
    assessment = _visible(user, RiskAssessment.objects.select_related("case", "pupil", "assessed_by"), assessment_id)
    _read(assessment.pupil, f"risk assessment {assessment.pk}")
    return assessment


def referral_detail_for_user(user: User, referral_id: int) -> Referral:
    referral = referral_for_user(user, referral_id)
    _read(referral.pupil, f"referral {referral.pk} ({referral.get_kind_display()})")
    return referral


def episode_detail_for_user(user: User, episode_id: int) -> MissingEpisode:
    episode = episode_for_user(user, episode_id)
    _read(episode.pupil, f"missing episode {episode.pk}")
    return episode


def plan_detail_for_user(user: User, plan_id: int) -> ReintegrationPlan:
    plan = plan_for_user(user, plan_id)
    _read(plan.pupil, f"reintegration plan {plan.pk}")
    return plan


def concern_detail_for_user(user: User, concern_id: int) -> Concern:
    concern = concern_for_user(user, concern_id)
    _read(concern.pupil, f"concern {concern.pk}")
    return concern


def document_for_user(user: User, document_id: int) -> Document:
    document = _visible(user, Document.objects.select_related("pupil"), document_id)
    _read(document.pupil, f"document {document.pk}")
    return document


def missing_person_profile_for_user(user: User, pupil_id: int) -> tuple[Pupil, MissingPersonProfile | None]:
    pupil = pupil_for_casework(user, pupil_id)
    _read(pupil, "missing-person profile")
    return pupil, latest_missing_person_profile(pupil)


def latest_missing_person_profile(pupil: Pupil) -> MissingPersonProfile | None:
    return MissingPersonProfile.objects.filter(pupil=pupil).select_related("photo", "created_by").first()


@dataclass
class CaseDetail:
    case: Case
    tasks: list[Task]
    referrals: list[Referral]
    notification: Referral | None
    enquiries: list
    enquiry_kinds_done: set[str]
    checks: list
    assessments: list[RiskAssessment]
    episodes: list[MissingEpisode]
    plans: list[ReintegrationPlan]
    documents: list[Document]
    concerns: list[Concern]
    items: list[chronology.Item]


def case_detail_for_user(user: User, case_id: int, *, what: str = "") -> CaseDetail:
    case = case_for_user(user, case_id)
    _read(case.pupil, what or f"case {case.pk} ({case.get_kind_display()})")
    referrals = list(case.referrals.select_related("sent_by").order_by("created_at", "pk"))
    enquiries = list(case.enquiries.select_related("recorded_by"))
    return CaseDetail(
        case=case,
        tasks=list(case.tasks.select_related("owner", "plan", "completed_by")),
        referrals=referrals,
        notification=next((r for r in referrals if r.kind == ReferralKind.CME_NOTIFICATION), None),
        enquiries=enquiries,
        enquiry_kinds_done={e.kind for e in enquiries},
        checks=list(case.checks.select_related("recorded_by")),
        assessments=list(case.assessments.select_related("assessed_by")),
        episodes=list(case.missing_episodes.select_related("return_home_interview")),
        plans=list(case.reintegration_plans.all()),
        documents=list(case.documents.defer("content")),
        concerns=list(case.concerns.select_related("raised_by")),
        items=chronology.build(case.pupil, chronology.ChronologyFilter(case_id=case.pk)),
    )


def cme_notification_for_user(user: User, referral_id: int) -> CaseDetail:
    """What the CME notification letter holds: its case, read (and audited) as a whole."""
    referral = referral_for_user(user, referral_id)
    if referral.kind != ReferralKind.CME_NOTIFICATION:
        raise Http404(NO_SUCH_RECORD)
    return case_detail_for_user(user, referral.case_id, what=f"CME notification {referral.pk} (PDF)")


@dataclass(frozen=True)
class PolicePack:
    episode: MissingEpisode
    profile: MissingPersonProfile | None
    previous_episodes: list[MissingEpisode]
    contacts: list
    professionals: list


def police_pack_for_user(user: User, episode_id: int, *, today: dt.date) -> PolicePack:
    """The Philomena pack (statutory.md §7.3 [C]): the profile kept in advance (part 1), this
    episode (part 2), earlier episodes, the people around the child. Audited."""
    from safewell.pupils.selectors import professionals_on

    episode = episode_for_user(user, episode_id)
    pupil = episode.pupil
    _read(pupil, f"police pack for missing episode {episode.pk}")
    return PolicePack(
        episode=episode, profile=latest_missing_person_profile(pupil),
        previous_episodes=list(pupil.missing_episodes.exclude(pk=episode.pk).order_by("-last_seen_at")),
        contacts=list(pupil.contacts.all()), professionals=professionals_on(pupil, today),
    )


# --- The child's record ---------------------------------------------------------------------------


@dataclass
class PupilFile:
    pupil: Pupil
    cases: list[Case]
    items: list[chronology.Item]
    filters: chronology.ChronologyFilter
    profile: MissingPersonProfile | None
    episode_counts: dict[str, int]
    hold: LegalHold | None
    exports: list[AgencyExport]


def chronology_for_user(user: User, pupil_id: int, filters: chronology.ChronologyFilter, *,
                        today: dt.date, purpose: str = "chronology") -> PupilFile:
    """The child's safeguarding file: cases and the filtered chronology. Audited."""
    pupil = pupil_for_casework(user, pupil_id)
    _read(pupil, purpose)
    return PupilFile(
        pupil=pupil,
        cases=list(Case.objects.filter(pupil=pupil).select_related("owner").order_by("-opened_at")),
        items=chronology.build(pupil, filters),
        filters=filters,
        profile=latest_missing_person_profile(pupil),
        episode_counts=episode_counts(pupil, today=today),
        hold=LegalHold.objects.filter(pupil=pupil, lifted_at__isnull=True).first(),
        exports=list(AgencyExport.objects.filter(pupil=pupil).select_related("exported_by")[:20]),
    )


# statutory.md §7.2 [S]: "count episodes in rolling windows, with thresholds set locally".
EPISODE_WINDOWS_DAYS = (30, 90, 365)


def episode_counts(pupil: Pupil, *, today: dt.date) -> dict[str, int]:
    """Missing episodes that started in the last 30, 90 and 365 days (and ever)."""
    starts = [timezone_date(e) for e in MissingEpisode.objects.filter(pupil=pupil).values_list("last_seen_at", flat=True)]
    counts = {f"{days} days": sum(1 for d in starts if today - dt.timedelta(days=days) < d <= today)
              for days in EPISODE_WINDOWS_DAYS}
    counts["ever"] = len(starts)
    return counts


def timezone_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(chronology.LONDON).date()


# --- The register's evidence -----------------------------------------------------------------------


def attendance_evidence(pupil: Pupil, *, today: dt.date) -> dict:
    """What the register says, for a risk assessment (seed 004: "patterns in the lessons
    that are being missed", "a pattern in the day missed"): the year-to-date figures, the
    absences by weekday, the lessons missed by subject in the last six weeks. Plain JSON,
    kept with the assessment as it was."""
    from safewell.attendance.models import LessonMark, Mark
    from safewell.attendance.summaries import summarise_pupil, year_to_date

    period = year_to_date(organisation_id=pupil.organisation_id, as_of=today)
    summaries = summarise_pupil(pupil.pk, period=period, today=today)
    sessions = summaries[-1].sessions if summaries else None
    by_weekday: Counter[str] = Counter()
    for day in Mark.objects.filter(pupil=pupil, date__gte=period.start, date__lte=today,
                                   code__in=sorted(chronology.ABSENT_CODES)).values_list("date", flat=True):
        by_weekday[day.strftime("%A")] += 1
    since = today - dt.timedelta(weeks=6)
    lessons: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for subject, code in LessonMark.objects.filter(
        pupil=pupil, lesson_register__date__gt=since, lesson_register__date__lte=today,
    ).values_list("lesson_register__lesson__teaching_class__subject__name", "code"):
        lessons[subject][1] += 1
        if code in chronology.ABSENT_CODES:
            lessons[subject][0] += 1
    return {
        "as_of": today.isoformat(),
        "period": period.label,
        "possible_sessions": sessions.possible_sessions if sessions else 0,
        "attendance_percent": _one_place(sessions.attendance_rate) if sessions else None,
        "absent_sessions": sessions.overall_absence if sessions else 0,
        "unauthorised_sessions": sessions.unauthorised_absence if sessions else 0,
        "by_code": sessions.by_code if sessions else {},
        "absences_by_weekday": {d: by_weekday[d] for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")},
        "lessons_missed_since": since.isoformat(),
        "lessons_missed_by_subject": [
            {"subject": subject, "missed": missed, "of": held}
            for subject, (missed, held) in sorted(lessons.items(), key=lambda kv: (-kv[1][0], kv[0])) if missed
        ],
    }


def _one_place(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class PlanProgress:
    """A reintegration plan's attendance target against the register, over the monitoring
    period so far: sessions attended out of the sessions the child was expected at (the
    possible sessions less the agreed part-time timetable's C2 ones: a child on a reduced
    timetable is measured against that timetable)."""

    counted_from: dt.date
    counted_to: dt.date
    expected_sessions: int
    attended_sessions: int
    part_time_sessions: int
    target_percent: int
    dfe_attendance_percent: float | None

    @property
    def percent(self) -> float | None:
        if self.expected_sessions == 0:
            return None
        return round(100 * self.attended_sessions / self.expected_sessions, 1)

    @property
    def on_track(self) -> bool | None:
        """Meeting the target so far; None before any session was expected."""
        if self.percent is None:
            return None
        # Whole numbers, no rounding: 90% of 10 sessions is met by 9.
        return 100 * self.attended_sessions >= self.target_percent * self.expected_sessions


def plan_progress(plan: ReintegrationPlan, *, today: dt.date) -> PlanProgress:
    from safewell.attendance.summaries import Period, summarise_pupil

    end = min(plan.monitoring_ends_on, plan.ended_on or plan.monitoring_ends_on, today)
    start = plan.starts_on
    if end < start:
        return PlanProgress(start, start, 0, 0, 0, plan.attendance_target_percent, None)
    summaries = summarise_pupil(plan.pupil_id, period=Period(start, end), today=today)
    total = sum((s.sessions for s in summaries[1:]), summaries[0].sessions) if summaries else None
    if total is None:
        return PlanProgress(start, end, 0, 0, 0, plan.attendance_target_percent, None)
    part_time = total.by_code.get("C2", 0) if plan.part_time_timetable_id else 0
    return PlanProgress(
        counted_from=start, counted_to=end, expected_sessions=total.possible_sessions - part_time,
        attended_sessions=total.attended, part_time_sessions=part_time,
        target_percent=plan.attendance_target_percent, dfe_attendance_percent=_one_place(total.attendance_rate),
    )


def plan_progress_percent(plan: ReintegrationPlan, *, today: dt.date) -> Decimal | None:
    percent = plan_progress(plan, today=today).percent
    return None if percent is None else Decimal(str(percent))


# --- The return home interview clock ------------------------------------------------------------


@dataclass(frozen=True)
class InterviewClock:
    """statutory.md §7.2 [S]: the return home interview within 72 hours of the return
    (`deadlines.return_home_interview_within_hours` of the profile in force)."""

    returned_at: dt.datetime
    due_by: dt.datetime
    status: str  # "running", "overdue", "done_in_time", "done_late", "declined"
    hours_left: float

    @property
    def label(self) -> str:
        return {
            "running": f"{int(self.hours_left)} hours left",
            "overdue": f"Overdue by {int(-self.hours_left)} hours",
            "done_in_time": "Completed within the time",
            "done_late": "Completed, but after the time",
            "declined": "Declined by the child",
        }[self.status]


def rhi_hours(organisation_id: int) -> int:
    return profile_for(organisation_id).deadlines.return_home_interview_within_hours


def interview_due_by(returned_at: dt.datetime, hours: int) -> dt.datetime:
    """`hours` elapsed hours after the return. Counted in UTC: adding hours to a London time
    adds wall-clock hours, one too many or too few across a clock change."""
    return returned_at.astimezone(dt.UTC) + dt.timedelta(hours=hours)


def interview_clock(episode: MissingEpisode, *, now: dt.datetime, hours: int | None = None) -> InterviewClock | None:
    """None while the child is still missing (the clock starts at the return)."""
    if episode.returned_at is None:
        return None
    hours = hours if hours is not None else rhi_hours(episode.pupil.organisation_id)
    due_by = interview_due_by(episode.returned_at, hours)
    interview = interview_of(episode)
    hours_left = (due_by - now).total_seconds() / 3600
    if interview is not None and interview.status == InterviewStatus.DECLINED:
        status = "declined"
    elif interview is not None and interview.status == InterviewStatus.COMPLETED:
        status = "done_in_time" if interview.completed_at <= due_by else "done_late"
    else:
        status = "running" if hours_left > 0 else "overdue"
    return InterviewClock(episode.returned_at, due_by, status, hours_left)


def interview_of(episode: MissingEpisode) -> ReturnHomeInterview | None:
    try:
        return episode.return_home_interview
    except ReturnHomeInterview.DoesNotExist:
        return None


# --- The DSL dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """Something due on a case, overdue or coming up."""

    what: str
    case: Case
    due: dt.datetime | dt.date
    overdue: bool
    url: str


@dataclass
class Dashboard:
    open_cases: list[Case]
    overdue_tasks: list[Task]
    upcoming_tasks: list[Task]
    deadlines: list[Deadline]
    new_concerns: list[Concern]
    sites: list[tuple[str, str]] = field(default_factory=list)
    # The LA notification of each CME case, by case id: one click to the letter.
    notifications: dict[int, Referral] = field(default_factory=dict)


DASHBOARD_AHEAD_DAYS = 7


def dashboard_for_user(user: User, *, now: dt.datetime, site_code: str = "") -> Dashboard:
    """What is overdue and due soon across the user's cases (the issue's §9), and the concerns
    waiting for the DSL team. Lists names and dates only: not an audited read of a record."""
    from django.urls import reverse

    require_casework(user)
    today = timezone_date(now)
    pupils = casework_pupils(user)
    if site_code:
        pupils = pupils.filter(site__code=site_code)
    cases = list(Case.objects.filter(pupil__in=pupils, status__in=LIVE_CASE_STATUSES)
                 .select_related("pupil", "site", "owner").order_by("pupil__legal_surname", "opened_at"))
    tasks = list(Task.objects.filter(case__in=cases, completed_at__isnull=True).select_related("case", "case__pupil", "owner"))
    deadlines: list[Deadline] = []
    for referral in Referral.objects.filter(case__in=cases, kind=ReferralKind.CME_NOTIFICATION,
                                            status=ReferralStatus.DRAFT).select_related("case", "case__pupil"):
        if referral.due_on <= today + dt.timedelta(days=DASHBOARD_AHEAD_DAYS):
            deadlines.append(Deadline("CME notification to the local authority", referral.case, referral.due_on,
                                      referral.due_on < today,
                                      reverse("safeguarding:referral_detail", kwargs={"referral_id": referral.pk})))
    hours_by_org: dict[int, int] = {}
    for episode in MissingEpisode.objects.filter(case__in=cases).select_related("case", "case__pupil", "pupil"):
        hours = hours_by_org.setdefault(episode.pupil.organisation_id, rhi_hours(episode.pupil.organisation_id))
        clock = interview_clock(episode, now=now, hours=hours)
        url = reverse("safeguarding:episode_detail", kwargs={"episode_id": episode.pk})
        if episode.is_ongoing:
            deadlines.append(Deadline("Child still missing", episode.case, episode.last_seen_at, True, url))
        elif clock is not None and clock.status in ("running", "overdue"):
            deadlines.append(Deadline("Return home interview", episode.case, clock.due_by, clock.status == "overdue", url))
    for plan in ReintegrationPlan.objects.filter(case__in=cases, ended_on__isnull=True).select_related("case", "case__pupil"):
        if plan.next_review_on <= today + dt.timedelta(days=DASHBOARD_AHEAD_DAYS):
            deadlines.append(Deadline("Reintegration plan review", plan.case, plan.next_review_on,
                                      plan.next_review_on < today,
                                      reverse("safeguarding:plan_detail", kwargs={"plan_id": plan.pk})))
    deadlines.sort(key=lambda d: (not d.overdue, _as_datetime(d.due)))
    ahead = today + dt.timedelta(days=DASHBOARD_AHEAD_DAYS)
    return Dashboard(
        open_cases=cases,
        overdue_tasks=[t for t in tasks if t.is_overdue(today)],
        upcoming_tasks=[t for t in tasks if not t.is_overdue(today) and t.due_on <= ahead],
        deadlines=deadlines,
        new_concerns=list(Concern.objects.filter(pupil__in=pupils, triage="").select_related("pupil", "raised_by")
                          .order_by("raised_at")),
        sites=sorted(set(casework_pupils(user).values_list("site__code", "site__name")), key=lambda s: s[1]),
        notifications={r.case_id: r for r in Referral.objects.filter(case__in=cases,
                                                                     kind=ReferralKind.CME_NOTIFICATION)},
    )


def _as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time(0), tzinfo=chronology.LONDON)


# --- Actions a person was given ----------------------------------------------------------------


def tasks_owned_by(user: User) -> list[Task]:
    """The open tasks `user` owns, soonest due first: the plan actions a DSL gives to a key
    adult (a tutor, pastoral staff) who has no access to the case itself. Their home page
    shows the action, the child's name and the date; not an audited read of the record."""
    if not user.is_authenticated:
        return []
    return list(Task.objects.filter(owner=user, completed_at__isnull=True)
                .select_related("case__pupil").order_by("due_on", "id"))


# --- Concerns for the person who raised them --------------------------------------------------------


def can_raise_concerns(user: User) -> bool:
    return user.is_authenticated and Membership.objects.filter(user=user, role__in=CONCERN_ROLES).exists()


def pupils_for_concerns(user: User) -> QuerySet[Pupil]:
    """The pupils a member of staff may raise a concern about: those of the sites where they
    hold a staff role (pupils.selectors.pupils_visible_to, less the external role)."""
    if not can_raise_concerns(user):
        raise PermissionDenied(NOT_STAFF)
    sites = Membership.objects.filter(user=user, role__in=CONCERN_ROLES).values("site_id")
    return Pupil.objects.filter(site_id__in=sites).select_related("site")


def concerns_raised_by(user: User) -> QuerySet[Concern]:
    """The concerns this person raised, to confirm they arrived: whether the DSL team has
    seen them, never what was decided (that is the DSL team's record)."""
    return Concern.objects.filter(raised_by=user).select_related("pupil").order_by("-raised_at")


# --- The CME compliance report --------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceRow:
    case: Case
    notification: Referral | None
    due_on: dt.date
    sent_on: dt.date | None
    on_time: bool | None  # None: not sent yet and not yet due
    days_late: int
    acknowledged_on: dt.date | None
    enquiries: int


def cme_compliance_for_user(user: User, *, today: dt.date) -> list[ComplianceRow]:
    """Every CME case the user may see: was the LA told on time? (design.md "compliance (was
    the LA told on time?)"; s436A Education Act 1996 [C]). Audited as one read."""
    require_casework(user)
    cases = list(cases_visible_to(user).filter(kind=CaseKind.CME).prefetch_related("referrals", "enquiries")
                 .order_by("cme_due_on", "pk"))
    rows = []
    for case in cases:
        notification = next((r for r in case.referrals.all() if r.kind == ReferralKind.CME_NOTIFICATION), None)
        sent_on = notification.sent_on if notification else None
        due_on = case.cme_due_on
        if sent_on is not None:
            on_time, late = sent_on <= due_on, max(0, (sent_on - due_on).days)
        elif today > due_on:
            on_time, late = False, (today - due_on).days
        else:
            on_time, late = None, 0
        rows.append(ComplianceRow(case, notification, due_on, sent_on, on_time, late,
                                  notification.acknowledged_on if notification else None, len(case.enquiries.all())))
    if rows:
        from safewell.audit.models import Action
        from safewell.audit.services import audit_log

        audit_log(action=Action.READ, target_type="safeguarding.case", target_id=",".join(str(r.case.pk) for r in rows),
                  detail="safeguarding: CME compliance report")
    return rows


# --- Retention --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionRow:
    pupil: Pupil
    due_on: dt.date
    hold: LegalHold | None
    records: int


def retention_due_on(pupil: Pupil) -> dt.date:
    """The date of birth + N years (statutory.md §8 [U]: IRMS toolkit, from memory; DOB + 25
    is common practice [S]). N is settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS."""
    from django.conf import settings

    return _add_years(pupil.date_of_birth, settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the birthday is taken as 1 March in a common year
        return dt.date(day.year + years, 3, 1)


def retention_review_for_user(user: User, *, today: dt.date) -> list[RetentionRow]:
    """The children whose safeguarding file has reached its retention date, for the lead
    DSL's review: held files are listed with their hold, not destroyed."""
    from django.conf import settings

    require_casework(user)
    # Every file begins with a chronology entry (the services write one with every record).
    with_files = ChronologyEntry.objects.values("pupil_id")
    born_by = _add_years(today, -settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS) + dt.timedelta(days=1)
    pupils = list(casework_pupils(user).filter(pk__in=with_files, date_of_birth__lt=born_by)
                  .annotate(cases=Count("safeguarding_cases")))
    holds = {h.pupil_id: h for h in LegalHold.objects.filter(pupil__in=pupils, lifted_at__isnull=True)}
    rows = [RetentionRow(p, retention_due_on(p), holds.get(p.pk), p.cases) for p in pupils]
    return sorted((r for r in rows if r.due_on <= today), key=lambda r: (r.due_on, r.pupil.pk))


# --- The CME notification letter ----------------------------------------------------------------------


@dataclass(frozen=True)
class LetterPerson:
    """A parent or carer as the LA's CME officer reads them (reg 13(4)(c)-(d) [C]: name,
    address, an emergency telephone number)."""

    name: str
    relationship: str
    parental_responsibility: bool
    lives_with: bool
    address_lines: list[str]
    phones: list[tuple[str, str]]
    email: str


@dataclass(frozen=True)
class CmeLetter:
    """What the CME notification letter says, in words (issue 11 §7): the child and where
    they live, the parents or carers, when last seen and where they may be, the absence in
    dates and sessions, the reasonable enquiries, and whom to contact at the school."""

    address_lines: list[str]
    placing_school: str
    people: list[LetterPerson]
    professionals: list
    first_day: dt.date | None
    last_day: dt.date | None
    school_days: int
    absence_dates: str
    sessions_by_code: list[str]
    last_seen: str
    whereabouts: str
    dsl_name: str
    dsl_email: str


def cme_letter(detail: CaseDetail, *, today: dt.date) -> CmeLetter:
    """The letter's facts, from the case, the alert's evidence as it was, the register, the
    pupil's contacts and the enquiries (read within `cme_notification_for_user`'s audit)."""
    from safewell.attendance import codes
    from safewell.attendance.models import Mark
    from safewell.policy import evidence_text
    from safewell.pupils.selectors import professionals_on

    case, pupil = detail.case, detail.case.pupil
    dates = _absence_dates(case, today=today)
    marks = list(Mark.objects.filter(pupil=pupil, date__in=dates).values_list("code", flat=True)) if dates else []
    by_code = Counter(code for code in marks if code in chronology.ABSENT_CODES)
    before = (Mark.objects.filter(pupil=pupil, date__lt=dates[0], code__in=sorted(codes.ATTENDING))
              .order_by("-date", "-session").first()) if dates else None
    enrolment = pupil.enrolments.filter(placing_school__isnull=False).select_related("placing_school").first()
    return CmeLetter(
        address_lines=pupil.address_lines(),
        placing_school=enrolment.placing_school.name if enrolment else "",
        people=[LetterPerson(c.name, c.get_relationship_display(), c.parental_responsibility, c.lives_with,
                             c.address_lines(), c.phones, c.email)
                for c in pupil.contacts.all() if c.relationship != "self"],
        professionals=professionals_on(pupil, today),
        first_day=dates[0] if dates else None, last_day=dates[-1] if dates else None, school_days=len(dates),
        absence_dates=evidence_text.date_ranges(dates) if dates else "",
        sessions_by_code=[f"{n} session{'s' if n != 1 else ''} of {evidence_text.code_words(code)}"
                          for code, n in by_code.most_common()],
        last_seen=(f"At school on {evidence_text.long_date(before.date)}, "
                   f"{'morning' if before.session == 'AM' else 'afternoon'} session (the last session attended)"
                   if before else "Not recorded at this school"),
        whereabouts=_whereabouts(detail, pupil),
        dsl_name=case.owner.get_full_name() or case.owner.get_username(), dsl_email=case.owner.email,
    )


def _absence_dates(case: Case, *, today: dt.date) -> list[dt.date]:
    """The run of absence behind the case: the alert's dates as it was when the case opened,
    else the school days absent from the register, back from the notification's due date to
    the last day the child attended."""
    from safewell.attendance import codes
    from safewell.attendance.models import Mark

    evidence = case.alert_evidence or {}
    if isinstance(evidence.get("dates"), list) and evidence["dates"]:
        return sorted(dt.date.fromisoformat(d) for d in evidence["dates"])
    until = min(case.cme_due_on or today, today)
    last_present = (Mark.objects.filter(pupil=case.pupil, date__lte=until, code__in=sorted(codes.ATTENDING))
                    .order_by("-date").values_list("date", flat=True).first())
    absent = Mark.objects.filter(pupil=case.pupil, date__lte=until, code__in=sorted(chronology.ABSENT_CODES))
    if last_present is not None:
        absent = absent.filter(date__gt=last_present)
    return sorted(set(absent.values_list("date", flat=True)))


def _whereabouts(detail: CaseDetail, pupil: Pupil) -> str:
    """Where the child may be: an enquiry that found them, else not known, with the last
    known address and what the latest enquiry found."""
    from safewell.policy import evidence_text

    found = [e for e in detail.enquiries if e.whereabouts_found]
    if found:
        e = found[-1]
        return f"{e.outcome} ({e.get_kind_display().lower()}, {e.who}, {evidence_text.long_date(e.made_on)})"
    address = ", ".join(pupil.address_lines()) or "no address recorded"
    words = f"Not known. Last known address: {address}."
    if detail.enquiries:
        e = detail.enquiries[-1]
        words += f" Latest enquiry ({e.get_kind_display().lower()}, {evidence_text.long_date(e.made_on)}): {e.outcome}"
    return words
