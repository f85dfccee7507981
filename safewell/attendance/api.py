"""Attendance endpoints of the REST API (one router, added to /api/ by core/api.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError as RequestInvalid
from pydantic import ConfigDict

from safewell.attendance import codes, registers, summaries
from safewell.attendance.models import MarkSource
from safewell.pupils.models import CharacteristicKind, YearGroup
from safewell.pupils.selectors import pupil_for_user

router = Router(tags=["attendance"])


class CodeSourceOut(Schema):
    citation: str
    # [C] confirmed from the primary text, [S] secondary source, [U] unconfirmed.
    certainty: str
    checked_against_primary: bool
    evidence: list[str]
    note: str


class AttendanceCodeOut(Schema):
    code: str
    meaning: str
    category: str
    is_possible: bool
    store_byte: int
    in_force: bool
    withdrawn_on: date | None
    replaced_by: list[str]
    source: CodeSourceOut


class AttendanceCodeCatalogueOut(Schema):
    in_force_from: date
    codes: list[AttendanceCodeOut]


def _code_out(code: codes.AttendanceCode) -> AttendanceCodeOut:
    return AttendanceCodeOut(
        code=code.code,
        meaning=code.meaning,
        category=str(code.category),
        is_possible=code.is_possible,
        store_byte=code.store_byte,
        in_force=code.withdrawn_on is None,
        withdrawn_on=code.withdrawn_on,
        replaced_by=list(code.replaced_by),
        source=CodeSourceOut(
            citation=code.source.citation,
            certainty=str(code.source.certainty),
            checked_against_primary=code.source.checked_against_primary,
            evidence=list(code.source.evidence),
            note=code.source.note,
        ),
    )


@router.get(
    "/attendance-codes",
    response=AttendanceCodeCatalogueOut,
    url_name="attendance_codes",
    summary="The national attendance codes, with their sources",
)
def attendance_codes(request: HttpRequest) -> AttendanceCodeCatalogueOut:
    """Every code in force since 19 August 2024, then the withdrawn H, J and Y (marked
    `in_force: false`, for reading older marks). Open to any signed-in user or API token
    (the API's default authentication)."""
    return AttendanceCodeCatalogueOut(
        in_force_from=codes.REGULATIONS_2024_IN_FORCE,
        codes=[_code_out(code) for code in codes.ALL_CODES],
    )


# --- Summaries and marks (statutory.md §2: per enrolment, over a stated period) ----------------

# The longest period one summary request may cover.
MAX_SUMMARY_DAYS = 3 * 366
START_WITH_YEAR_TO_DATE = "A year-to-date summary starts at the start of the academic year: leave start out, or use mode=period."
START_REQUIRED = "Give the first day of the period (YYYY-MM-DD) with mode=period."
END_REQUIRED = "Give the last day of the period (YYYY-MM-DD) with mode=period."
END_BEFORE_START = "The end ({end}) is before the start ({start})."
PERIOD_TOO_LONG = "A summary covers at most {days} days; this period has {asked}."


class PeriodQuery(Schema):
    start: date | None = Field(None, description="First day (YYYY-MM-DD); with it, mode defaults to period.")
    end: date | None = Field(None, description="Last day; in year-to-date mode, the day the year to date runs to (default today).")
    mode: Literal["period", "ytd"] | None = Field(
        None,
        description="ytd: from the start of the academic year, as the DfE's Monitor your school attendance "
        "counts (admission to leaving date). Default: ytd unless start is given.",
    )


class SummariesQuery(PeriodQuery):
    site: str | None = Field(None, description="Site code; default all of your sites.")
    group: int | None = Field(None, description="Registration group id (the pupil's current group).")
    year_group: Literal[tuple(YearGroup.values)] | None = None  # type: ignore[valid-type]
    characteristic: Literal[tuple(CharacteristicKind.values)] | None = Field(  # type: ignore[valid-type]
        None, description="Only pupils holding it on the last day counted."
    )
    by: Literal[summaries.GROUP_DIMENSIONS] | None = Field(  # type: ignore[valid-type]
        None, description="Also summarise each pupil, registration group, year group, site or characteristic."
    )


class MarksQuery(Schema):
    start: date | None = Field(None, description="First day; default the start of the academic year.")
    end: date | None = Field(None, description="Last day; default today. At most 366 days from start.")


class PeriodOut(Schema):
    start: date
    end: date
    mode: str
    academic_year: str
    label: str
    # The last day counted: the end, or today when the period runs on past it.
    counted_to: date


class SessionsOut(Schema):
    possible_sessions: int
    present: int = Field(description="/ \\ and L")
    approved_educational_activity: int = Field(description="K V P W B: counts as attendance")
    attended: int
    authorised_absence: int
    unauthorised_absence: int
    overall_absence: int
    not_possible: int = Field(description="D X Q Y1-Y7: not possible sessions")
    administrative: int = Field(description="Z #: not possible sessions")
    no_mark: int = Field(description="Sessions the site held with no mark yet: counted nowhere else")
    attendance_rate: float | None = Field(description="Percent of possible sessions; null with none")
    overall_absence_rate: float | None
    authorised_absence_rate: float | None
    unauthorised_absence_rate: float | None
    persistent_absence: bool | None = Field(description=f"Overall absence >= {summaries.PERSISTENT_ABSENCE_PERCENT}%")
    severe_absence: bool | None = Field(description=f"Overall absence >= {summaries.SEVERE_ABSENCE_PERCENT}%")
    note: str = Field(description='"No possible sessions in this period" when there are none, else ""')
    by_code: dict[str, int]
    by_category: dict[str, int]


class EnrolmentSummaryOut(Schema):
    enrolment_id: int
    site: str
    site_name: str
    admission_date: date
    leaving_date: date | None
    dual_registration: str
    counted_from: date | None
    counted_to: date | None
    period: PeriodOut
    sessions: SessionsOut


class PupilSummaryOut(Schema):
    pupil_id: int
    period: PeriodOut
    enrolments: list[EnrolmentSummaryOut]


class GroupSummaryOut(Schema):
    by: str
    key: str
    label: str
    period: PeriodOut
    enrolments: int
    enrolments_with_possible_sessions: int
    persistent_absentees: int
    severe_absentees: int
    persistent_absence_rate: float | None = Field(description="Percent of enrolments with possible sessions")
    severe_absence_rate: float | None
    sessions: SessionsOut


class SummariesOut(Schema):
    period: PeriodOut
    filters: dict[str, str]
    characteristics_on: date
    total: GroupSummaryOut
    by: str | None
    groups: list[GroupSummaryOut]


class MarkOut(Schema):
    date: date
    session: str
    code: str
    category: str
    is_possible: bool
    minutes_late: int | None
    source: str
    recorded_at: datetime


class PupilMarksOut(Schema):
    pupil_id: int
    start: date
    end: date
    marks: list[MarkOut]


def _invalid(problems: Sequence[tuple[str, str]]) -> RequestInvalid:
    """A 422 naming each query parameter, like pydantic's own errors (core/api.py, which
    ends the joined sentence with its own full stop)."""
    return RequestInvalid([
        {"loc": ("query", field), "msg": message.rstrip("."), "type": "value_error"} for field, message in problems
    ])


def _period(query: PeriodQuery, *, year_to_date: Callable[[date], summaries.Period], today: date) -> summaries.Period:
    mode = query.mode or (summaries.PERIOD if query.start else summaries.YEAR_TO_DATE)
    problems: list[tuple[str, str]] = []
    if mode == summaries.YEAR_TO_DATE:
        if query.start is not None:
            raise _invalid([("start", START_WITH_YEAR_TO_DATE)])
        return year_to_date(query.end or today)
    if query.start is None:
        problems.append(("start", START_REQUIRED))
    if query.end is None:
        problems.append(("end", END_REQUIRED))
    if query.start and query.end:
        if query.end < query.start:
            problems.append(("end", END_BEFORE_START.format(start=query.start, end=query.end)))
        elif (query.end - query.start).days + 1 > MAX_SUMMARY_DAYS:
            asked = (query.end - query.start).days + 1
            problems.append(("end", PERIOD_TOO_LONG.format(days=MAX_SUMMARY_DAYS, asked=asked)))
    if problems:
        raise _invalid(problems)
    return summaries.Period(query.start, query.end)


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _period_out(period: summaries.Period, today: date) -> PeriodOut:
    return PeriodOut(
        start=period.start, end=period.end, mode=period.mode, academic_year=period.academic_year,
        label=period.label, counted_to=period.counted_to(today),
    )


def _sessions_out(sessions: summaries.SessionCounts) -> SessionsOut:
    return SessionsOut(
        possible_sessions=sessions.possible_sessions,
        present=sessions.present,
        approved_educational_activity=sessions.approved_educational_activity,
        attended=sessions.attended,
        authorised_absence=sessions.authorised_absence,
        unauthorised_absence=sessions.unauthorised_absence,
        overall_absence=sessions.overall_absence,
        not_possible=sessions.not_possible,
        administrative=sessions.administrative,
        no_mark=sessions.no_mark,
        attendance_rate=_rate(sessions.attendance_rate),
        overall_absence_rate=_rate(sessions.overall_absence_rate),
        authorised_absence_rate=_rate(sessions.authorised_absence_rate),
        unauthorised_absence_rate=_rate(sessions.unauthorised_absence_rate),
        persistent_absence=sessions.persistent_absence,
        severe_absence=sessions.severe_absence,
        note=sessions.note,
        by_code=sessions.by_code,
        by_category=sessions.by_category,
    )


def _group_out(group: summaries.GroupSummary, today: date) -> GroupSummaryOut:
    return GroupSummaryOut(
        by=group.by, key=group.key, label=group.label, period=_period_out(group.period, today),
        enrolments=group.enrolments, enrolments_with_possible_sessions=group.enrolments_with_possible_sessions,
        persistent_absentees=group.persistent_absentees, severe_absentees=group.severe_absentees,
        persistent_absence_rate=_rate(group.persistent_absence_rate),
        severe_absence_rate=_rate(group.severe_absence_rate), sessions=_sessions_out(group.sessions),
    )


@router.get(
    "/pupils/{pupil_id}/summary",
    response=PupilSummaryOut,
    url_name="pupil_summary",
    summary="A pupil's attendance figures per enrolment over a period",
)
def pupil_summary(request: HttpRequest, pupil_id: int, query: Query[PeriodQuery]) -> PupilSummaryOut:
    """Possible sessions, attendance, authorised/unauthorised/overall absence and the
    persistent (≥ 10%) and severe (≥ 50%) absence flags of each of the pupil's enrolments
    over the period (statutory.md §2). 404 for a pupil you may not see."""
    pupil, _ = pupil_for_user(request.user, pupil_id)
    today = timezone.localdate()
    period = _period(
        query, today=today,
        year_to_date=lambda as_of: summaries.year_to_date(organisation_id=pupil.organisation_id, as_of=as_of),
    )
    found = summaries.summarise_pupil(pupil.id, period=period, today=today)
    return PupilSummaryOut(
        pupil_id=pupil.id,
        period=_period_out(period, today),
        enrolments=[
            EnrolmentSummaryOut(
                enrolment_id=s.enrolment.enrolment_id, site=s.enrolment.site_code, site_name=s.enrolment.site_name,
                admission_date=s.enrolment.admission_date, leaving_date=s.enrolment.leaving_date,
                dual_registration=s.enrolment.dual_registration, counted_from=s.counted_from,
                counted_to=s.counted_to, period=_period_out(s.period, today), sessions=_sessions_out(s.sessions),
            )
            for s in found
        ],
    )


@router.get(
    "/summaries",
    response=SummariesOut,
    url_name="summaries",
    summary="Attendance figures of a site, registration group, year group or characteristic",
)
def attendance_summaries(request: HttpRequest, query: Query[SummariesQuery]) -> SummariesOut:
    """The enrolments of your sites' pupils (narrowed by site, registration group, year
    group and characteristic) over the period, in total and, with `by`, per pupil,
    registration group, year group, site or characteristic. Characteristics need a role
    that sees them at every site asked about; the safeguarding ones (CP, CIN, looked
    after…) the DSL team's, and reading them is audited."""
    today = timezone.localdate()
    try:
        sites = summaries.summary_sites_for_user(request.user, query.site or "")
        period = _period(query, today=today, year_to_date=lambda as_of: summaries.year_to_date_for_sites(sites, as_of))
        report = summaries.summary_report_for_user(
            request.user, sites=sites, period=period, today=today, registration_group_id=query.group,
            year_group=query.year_group or "", characteristic=query.characteristic or "", by=query.by or "",
        )
    except summaries.SummaryRequestInvalid as error:
        raise _invalid(list(error.problems.items())) from None
    return SummariesOut(
        period=_period_out(report.period, today),
        filters=report.filters,
        characteristics_on=report.characteristics_on,
        total=_group_out(report.total, today),
        by=report.by or None,
        groups=[_group_out(group, today) for group in report.groups],
    )


@router.get(
    "/pupils/{pupil_id}/marks",
    response=PupilMarksOut,
    url_name="pupil_marks",
    summary="A pupil's session marks over a date range",
)
def pupil_marks(request: HttpRequest, pupil_id: int, query: Query[MarksQuery]) -> PupilMarksOut:
    """Every session mark of the pupil from `start` to `end` (both included, at most 366
    days; default the academic year to date). 404 for a pupil you may not see."""
    pupil, _ = pupil_for_user(request.user, pupil_id)
    today = timezone.localdate()
    end = query.end or today
    start = query.start or summaries.year_to_date(organisation_id=pupil.organisation_id, as_of=end).start
    if end < start:
        raise _invalid([("end", END_BEFORE_START.format(start=start, end=end))])
    if (end - start).days + 1 > summaries.MAX_MARK_RANGE_DAYS:
        raise _invalid([("end", summaries.MARK_RANGE_TOO_LONG.format(days=summaries.MAX_MARK_RANGE_DAYS))])
    sources = dict(MarkSource.choices)
    return PupilMarksOut(
        pupil_id=pupil.id,
        start=start,
        end=end,
        marks=[
            MarkOut(
                date=mark.date, session=mark.session, code=mark.code,
                category=str(mark.attendance_code.category), is_possible=mark.attendance_code.is_possible,
                minutes_late=mark.minutes_late, source=str(sources.get(mark.source, mark.source)),
                recorded_at=mark.recorded_at,
            )
            for mark in summaries.marks_of_pupil(pupil.id, start, end)
        ],
    )


# --- Registers (issue 4; the register contract) -------------------------------------------------

REGISTER_BODY_NOT_JSON = "The request body is not JSON: {error}."
REGISTER_BODY_INVALID = "The submission is not valid: {count} problem(s)."
REGISTER_BODY_NOT_OBJECT = "The request body must be a JSON object with site, registration_group, date, session, idempotency_key, base_version and marks."
REGISTER_REJECTED = "Nothing was saved: {count} problem(s) in this submission."
UNKNOWN_SITE = "There is no site “{site}” among your sites."
UNKNOWN_GROUP = "There is no registration group {group} at {site}."
MAX_MARKS_PER_SUBMISSION = 500


class RegisterMarkIn(Schema):
    pupil: int
    code: str = Field(min_length=1, max_length=4)
    minutes_late: int | None = None
    arrived_at: datetime | None = Field(None, description="With code L or U: the server decides which, and the minutes late")


class RegisterSubmitIn(Schema):
    site: str = Field(min_length=1, max_length=40)
    registration_group: int
    date: date
    session: Literal["AM", "PM"]
    idempotency_key: str = Field(min_length=1, max_length=100, description="A new UUID for each submission; resend the same one after a network failure")
    base_version: int = Field(ge=0, description="The register version the marks were set against")
    reason: str = Field("", max_length=2000, description="Required to change marks after the register closed, or to override a planned absence")
    marks: list[RegisterMarkIn] = Field(max_length=MAX_MARKS_PER_SUBMISSION, description="Only the marks you set: others' changes to marks you do not send are kept")


class RegisterSubmitOut(Schema):
    # "register" would shadow pydantic's Model.register: named by alias.
    model_config = ConfigDict(populate_by_name=True)
    register_id: int = Field(alias="register")
    version: int
    applied: int
    replayed: bool


class PathError(Schema):
    path: str
    message: str


class RegisterRejectedOut(Schema):
    message: str
    errors: list[PathError]


class RegisterConflictOut(Schema):
    class Conflict(Schema):
        pupil: int
        yours: str
        theirs: str | None
        by: str
        at: str
        version: int

    message: str
    version: int
    conflicts: list[Conflict]


class RegisterRowOut(Schema):
    pupil: int
    name: str
    year_group: str
    code: str = Field(description='"" when not yet marked')
    minutes_late: int | None
    planned_code: str = Field(description="Pre-filled from a planned absence (leave, C2, B/K, D); \"\" when none")
    planned_reason: str
    flags: list[str]


class RegisterOut(Schema):
    model_config = ConfigDict(populate_by_name=True)
    register_id: int | None = Field(alias="register", description="null until the register is first taken")
    site: str
    registration_group: int
    registration_group_name: str
    date: date
    session: str
    version: int
    taken_at: datetime | None
    taken_by: str
    closed: bool
    opens_at: datetime
    closes_at: datetime
    is_school_session: bool
    can_edit: bool
    pupils: list[RegisterRowOut]


# What a register submission answers, session or lesson (_submit_answer).
SUBMIT_RESPONSES = {200: RegisterSubmitOut, 400: RegisterRejectedOut, 409: RegisterConflictOut, 422: RegisterRejectedOut}


def _json_body_documented(schema: type[Schema]) -> dict:
    """The OpenAPI request body of an endpoint that reads its JSON body itself
    (_submission_from_body, to answer with each field's path), so ninja does not know it."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema.model_json_schema()}}}}


def _pydantic_path(loc: Sequence) -> str:
    """("marks", 3, "code") → "marks[3].code"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _rejected(message: str, errors: list[dict], status: int = 422):
    from django.http import JsonResponse

    return JsonResponse({"message": message, "detail": message, "errors": errors}, status=status)


def _submission_from_body(request: HttpRequest, schema: type[Schema] | None = None):
    """(the submission as `schema`, default RegisterSubmitIn, None) or (None, a 400/422
    JSON response with each field's path)."""
    import json

    import pydantic

    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        message = REGISTER_BODY_NOT_JSON.format(error=error)
        return None, _rejected(message, [{"path": "", "message": message}], status=400)
    schema = schema or RegisterSubmitIn
    if not isinstance(data, dict):
        message = REGISTER_BODY_NOT_OBJECT if schema is RegisterSubmitIn else LESSON_BODY_NOT_OBJECT
        return None, _rejected(message, [{"path": "", "message": message}])
    try:
        return schema.model_validate(data), None
    except pydantic.ValidationError as error:
        errors = [{"path": _pydantic_path(e["loc"]), "message": e["msg"]} for e in error.errors()]
        return None, _rejected(REGISTER_BODY_INVALID.format(count=len(errors)), errors)


def _register_target(request: HttpRequest, submission: RegisterSubmitIn):
    """(site, group) the user may take registers for; Http404 / PermissionDenied otherwise."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from safewell.accounts.selectors import sites_for
    from safewell.attendance.selectors import READ_ONLY, can_take_registers, register_group_for_user

    site = sites_for(request.user).filter(code=submission.site).first()
    if site is None:
        raise Http404(UNKNOWN_SITE.format(site=submission.site))
    group, roles = register_group_for_user(request.user, submission.registration_group)
    if group.site_id != site.pk:
        raise Http404(UNKNOWN_GROUP.format(group=submission.registration_group, site=site.name))
    if not can_take_registers(roles):
        raise PermissionDenied(READ_ONLY)
    return site, group


@router.post(
    "/registers/submit",
    response=SUBMIT_RESPONSES,
    url_name="register_submit",
    by_alias=True,
    summary="Submit a session register (bulk, idempotent)",
    openapi_extra=_json_body_documented(RegisterSubmitIn),
)
def register_submit(request: HttpRequest):
    """Apply a register's marks exactly once per `idempotency_key` (a replay answers with
    the first result, `replayed: true`), all or nothing. 422 lists every problem with its
    path (`marks[3].code`); 409 lists exactly the marks someone else changed since
    `base_version` (nothing saved: reload and send again); 404 for a site or group that is
    not yours; 403 for read-only roles."""
    submission, problem = _submission_from_body(request)
    if problem is not None:
        return problem
    site, group = _register_target(request, submission)
    return _submit_answer(lambda: registers.register_submit(
        site=site, registration_group=group, date=submission.date, session=submission.session,
        marks=_mark_inputs(submission.marks), idempotency_key=submission.idempotency_key,
        base_version=submission.base_version, actor=request.user, now=timezone.now(), reason=submission.reason,
    ))


def _mark_inputs(marks: list[RegisterMarkIn]) -> list[registers.MarkInput]:
    return [registers.MarkInput(m.pupil, m.code, m.minutes_late, m.arrived_at) for m in marks]


def _submit_answer(submit: Callable[[], registers.SubmitResult]):
    """Submit (a session or a lesson register) and answer as the register contract says:
    the result, 422 with each problem's path, or 409 with the conflicting marks."""
    from django.http import JsonResponse

    try:
        result = submit()
    except registers.SubmissionRejected as error:
        return _rejected(REGISTER_REJECTED.format(count=len(error.errors)), error.errors)
    except registers.SubmissionConflict as error:
        return JsonResponse(
            {"message": str(error), "detail": str(error), "version": error.version, "conflicts": error.conflicts}, status=409
        )
    return RegisterSubmitOut(
        register_id=result.register_id, version=result.version, applied=result.applied, replayed=result.replayed
    )


@router.get(
    "/registers/{group_id}/{day}/{session}",
    response=RegisterOut,
    url_name="register_detail",
    by_alias=True,
    summary="A session register: its version, pupils on roll, marks and planned codes",
)
def register_detail(request: HttpRequest, group_id: int, day: date, session: Literal["AM", "PM"]) -> RegisterOut:
    """The register of a registration group for one date and session, with the version to
    send back as `base_version`. Flags follow your role (a teacher sees no safeguarding
    flags). 404 for a group at a site that is not yours; 403 for an external user (a
    placing school or agency reads its own pupils' marks at /api/pupils/{id}/marks)."""
    from safewell.attendance.selectors import register_for_user

    view, can_edit = register_for_user(request.user, group_id, day, session, now=timezone.now())
    return RegisterOut(
        register_id=view.register_id, site=view.site_code, registration_group=view.group_id,
        registration_group_name=view.group_name, date=view.date, session=view.session, version=view.version,
        taken_at=view.taken_at, taken_by=view.taken_by, closed=view.closed, opens_at=view.opens_at,
        closes_at=view.closes_at, is_school_session=view.is_school_session, can_edit=can_edit,
        pupils=[
            RegisterRowOut(
                pupil=r.pupil_id, name=r.name, year_group=r.year_group, code=r.code, minutes_late=r.minutes_late,
                planned_code=r.planned_code, planned_reason=r.planned_reason, flags=list(r.flags),
            )
            for r in view.rows
        ],
    )


# --- Lesson registers -----------------------------------------------------------------------------

LESSON_BODY_NOT_OBJECT = "The request body must be a JSON object with lesson, date, idempotency_key, base_version and marks."


class LessonRegisterSubmitIn(Schema):
    lesson: int = Field(description="The timetabled lesson (a class's weekly slot)")
    date: date
    idempotency_key: str = Field(min_length=1, max_length=100, description="A new UUID for each submission; resend the same one after a network failure")
    base_version: int = Field(ge=0, description="The lesson register version the marks were set against")
    marks: list[RegisterMarkIn] = Field(max_length=MAX_MARKS_PER_SUBMISSION, description="Only the marks you set; an arrival time gives L with the minutes from the lesson's start")


class LessonRegisterRowOut(Schema):
    pupil: int
    name: str
    year_group: str
    registration_group: str
    code: str = Field(description='The lesson mark; "" when not yet marked')
    minutes_late: int | None
    session_code: str = Field(description='The pupil\'s session register mark for the lesson\'s session; "" when none yet')
    missing_on_site: bool = Field(description="Present at registration (/ \\ L) and absent from this lesson")
    flags: list[str]


class LessonRegisterOut(Schema):
    model_config = ConfigDict(populate_by_name=True)
    register_id: int | None = Field(alias="register", description="null until the lesson register is first taken")
    site: str
    lesson: int
    teaching_class: str
    subject: str
    period: str
    date: date
    session: str = Field(description="The register session the lesson falls in")
    version: int
    taken_at: datetime | None
    taken_by: str
    starts_at: datetime = Field(description="Minutes late count from the lesson's start")
    ends_at: datetime
    is_held: bool
    can_edit: bool
    pupils: list[LessonRegisterRowOut]


@router.post(
    "/lesson-registers/submit",
    response=SUBMIT_RESPONSES,
    url_name="lesson_register_submit",
    by_alias=True,
    summary="Submit a lesson register (bulk, idempotent)",
    openapi_extra=_json_body_documented(LessonRegisterSubmitIn),
)
def lesson_register_submit(request: HttpRequest):
    """Apply a lesson register's marks exactly once per `idempotency_key`, all or nothing,
    as the session register does (422 with paths, 409 naming the conflicting marks). Lesson
    marks never change the session register. 404 for a lesson at a site that is not yours;
    403 for an external user."""
    from safewell.attendance.selectors import lesson_for_user

    submission, problem = _submission_from_body(request, LessonRegisterSubmitIn)
    if problem is not None:
        return problem
    lesson, _ = lesson_for_user(request.user, submission.lesson)
    return _submit_answer(lambda: registers.lesson_register_submit(
        lesson=lesson, date=submission.date, marks=_mark_inputs(submission.marks),
        idempotency_key=submission.idempotency_key, base_version=submission.base_version,
        actor=request.user, now=timezone.now(),
    ))


@router.get(
    "/lesson-registers/{lesson_id}/{day}",
    response=LessonRegisterOut,
    url_name="lesson_register_detail",
    by_alias=True,
    summary="A lesson register: its version, the class that day, lesson marks and session marks",
)
def lesson_register_detail(request: HttpRequest, lesson_id: int, day: date) -> LessonRegisterOut:
    """The register of a timetabled lesson on one date, with the version to send back as
    `base_version`, and each pupil's session mark beside their lesson mark (present at
    registration, missing now). 404 for a lesson at a site that is not yours; 403 for an
    external user."""
    from safewell.attendance.selectors import lesson_register_for_user

    view, can_edit = lesson_register_for_user(request.user, lesson_id, day)
    return LessonRegisterOut(
        register_id=view.register_id, site=view.site_code, lesson=view.lesson_id, teaching_class=view.class_name,
        subject=view.subject, period=view.period_name, date=view.date, session=view.session, version=view.version,
        taken_at=view.taken_at, taken_by=view.taken_by, starts_at=view.starts_at, ends_at=view.ends_at,
        is_held=view.is_held, can_edit=can_edit,
        pupils=[
            LessonRegisterRowOut(
                pupil=r.pupil_id, name=r.name, year_group=r.year_group, registration_group=r.registration_group,
                code=r.code, minutes_late=r.minutes_late, session_code=r.session_code,
                missing_on_site=r.missing_on_site, flags=list(r.flags),
            )
            for r in view.rows
        ],
    )
