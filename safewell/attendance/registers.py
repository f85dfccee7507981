"""Taking a session register: one submission, validated all-or-nothing, applied exactly once.

`register_submit` is the one way a register's marks are written (the register page, the
API, the late book and the jobs all come here or to `register_marks_amend`). What it
promises (the register contract, tests/registers):

- **All or nothing.** Every mark is checked before anything is written, and every problem
  is reported at once with its path (`marks[3].code`): an unknown code, a code withdrawn in
  2024 (codes.validate_code), a pupil not on roll in the group that day (enrolment dates),
  a duplicate pupil, a date that is not a session of the site's calendar, a future date, a
  stale or impossible base version. `SubmissionRejected` means nothing was applied.
- **Exactly once.** Each submission carries a client-made idempotency key. A
  `SubmissionReceipt` with that key (unique in the database) is written in the same
  transaction as the marks, so a replay returns the first result (`replayed=True`) and two
  racing requests with one key apply once: the second waits on the register's row lock
  and then finds the receipt, or (a different register, same key) fails the unique
  constraint, rolls back whole, and returns the receipt.
- **No silent overwrite.** The client sends the register version it started from
  (`base_version`). A mark **conflicts** when all three hold:
    1. someone changed that pupil's mark through this register after `base_version`
       (`SessionRegister.changed_in[pupil][0] > base_version`);
    2. the submission includes that pupil (a mark you send is a mark you set; the page
       sends only marks the teacher set since it loaded the register);
    3. the value sent differs from the server's current value (code or minutes late).
  Marks the other person changed that this submission does not include are kept and are
  no conflict, and a submission whose sent marks agree with the server is applied even
  from an old base version. Any conflict → `SubmissionConflict` listing exactly those
  marks (yours, theirs, by whom, when), nothing applied; the client reloads and resends.
- **Register close** (issue 4 §4): once the site's close time has passed (local wall
  clock, Europe/London) or the close job has closed it, changing an existing mark needs
  a reason (`SubmissionRejected` at path "reason" otherwise), and each change keeps the
  old value in a `MarkAmendment` with `out_of_window=True`. Our decision: a first mark on
  a session that had none (a register taken late, or a resend after the network dropped)
  overwrites nothing, so it needs no reason, but it is still recorded as an out-of-window
  amendment (old code "") so the report shows registers taken after the close.
- **Planned absences** (leave, C2, B/K, D) pre-fill the register; sending a different
  code for such a session needs a reason, like any override.
- **One audit event per submission**, listing each changed mark as [old, new] ("the
  marks"), in the same transaction: the register path is hot, so no event per mark.

Queries per submission are constant, whatever the class size: bulk reads of the pupils,
their enrolments, planned absences and marks, one calendar load, one register row lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from safewell.attendance import codes, lateness, store
from safewell.attendance.models import (
    CODES_WITH_MINUTES_LATE,
    EVERY_SESSION_OF_THE_WEEK,
    PLANNED_CODES,
    LessonMark,
    LessonRegister,
    Mark,
    MarkAmendment,
    MarkSource,
    PlannedAbsence,
    Session,
    SessionRegister,
    SubmissionReceipt,
)
from safewell.attendance.register_times import LONDON, local_moment, register_closes_at, register_is_closed
from safewell.schools.calendar import OutsideCalendar, SchoolCalendar

MAX_IDEMPOTENCY_KEY_LENGTH = 100
MAX_MINUTES_LATE = 24 * 60

# --- Messages (tests refer to these) ---------------------------------------------------------

BAD_SESSION = "“{session}” is not a session: use AM or PM."
GROUP_AT_ANOTHER_SITE = "Registration group {group} is at {group_site}, not at {site}."
NOT_A_SCHOOL_SESSION = "{site} has no {session} session on {date:%A %-d %B %Y}: it is not a school day."
DATE_OUTSIDE_CALENDAR = "{date:%-d %B %Y} is not in any academic year of {site}: add its term dates first."
FUTURE_DATE = "The register for {date:%-d %B %Y} cannot be taken before that day."
KEY_REQUIRED = "Send an idempotency key (a new UUID for each submission)."
KEY_TOO_LONG = f"The idempotency key is longer than {MAX_IDEMPOTENCY_KEY_LENGTH} characters."
BASE_VERSION_NEGATIVE = "The base version cannot be negative."
BASE_VERSION_AHEAD = "This register is at version {version}; there is no version {base} yet. Reload the register."
DUPLICATE_PUPIL = "Pupil {pupil_id} is already marked in this submission (mark {first})."
NOT_ON_ROLL = "Pupil {pupil_id} is not on roll in {group} on {date:%-d %B %Y}."
MINUTES_LATE_NOT_LATE = "Minutes late go only with code L or U, not {code}."
MINUTES_LATE_OUT_OF_RANGE = f"Minutes late must be between 0 and {MAX_MINUTES_LATE}."
ARRIVED_WITH_CODE = "An arrival time goes only with code L or U (the clock decides which), not {code}."
REASON_REQUIRED_AFTER_CLOSE = (
    "The register closed at {closes:%H:%M}: give a reason to change {count} mark(s) already recorded "
    "(pupils {pupils})."
)
REASON_REQUIRED_FOR_PLANNED = (
    "Pupil {pupil_id} has planned {planned} ({why}) for this session: give a reason to record {code} instead."
)
NO_REGISTRATION_GROUP = "Pupil {pupil_id} is in no registration group."
CONFLICT = "Someone else changed {count} of these marks since you loaded version {base}: check them and send again."


# Sent inside the transaction that changed marks, with `pupil_ids` (whose marks changed),
# `now` and `lessons` (True for lesson marks). The policy engine listens and re-evaluates
# those pupils' rules in the same transaction (policy/engine/hooks.py); attendance does not
# import policy (design.md: dependencies point down).
marks_changed = Signal()


# --- The contract's types --------------------------------------------------------------------


@dataclass(frozen=True)
class MarkInput:
    """One pupil's mark in a submission. With `arrived_at` (an aware datetime) the server
    decides L or U and the minutes late from the site's register times (lateness.py)."""

    pupil_id: int
    code: str
    minutes_late: int | None = None
    arrived_at: dt.datetime | None = None


@dataclass(frozen=True)
class SubmitResult:
    register_id: int
    version: int
    applied: int  # marks created or changed
    replayed: bool = False

    def as_json(self) -> dict:
        return {"register": self.register_id, "version": self.version, "applied": self.applied}

    @classmethod
    def from_receipt(cls, receipt: SubmissionReceipt) -> SubmitResult:
        data = receipt.result
        return cls(register_id=data["register"], version=data["version"], applied=data["applied"], replayed=True)


class SubmissionRejected(ValueError):
    """Nothing was applied. `errors` is [{"path": "marks[3].code", "message": ...}, …]."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['path']}: {e['message']}" for e in errors))
        self.errors = errors


class SubmissionConflict(ValueError):
    """Nothing was applied: these marks were changed by someone else since `base_version`.
    `conflicts` is [{"pupil": id, "yours": code, "theirs": code, "by": name, "at": iso}]."""

    def __init__(self, version: int, conflicts: list[dict], base_version: int = 0) -> None:
        super().__init__(CONFLICT.format(count=len(conflicts), base=base_version))
        self.version = version
        self.conflicts = conflicts


def actor_name(actor) -> str:
    if actor is None:
        return "Safewell"
    return actor.get_full_name() or actor.get_username()


# --- Submitting ------------------------------------------------------------------------------


@dataclass
class _Problems:
    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.errors.append({"path": path, "message": message})

    def raise_if_any(self) -> None:
        if self.errors:
            raise SubmissionRejected(self.errors)


@dataclass(frozen=True)
class _Mark:
    """A checked mark: canonical code, minutes late."""

    index: int
    pupil_id: int
    code: str
    minutes_late: int | None


# A submission goes to a session register or a lesson register; the marks it finds there
# are {pupil id: (code, minutes late)}.
_Register = SessionRegister | LessonRegister
_Existing = dict[int, tuple[str, int | None]]


def register_submit(
    *,
    site,
    registration_group,
    date: dt.date,
    session: str,
    marks: Sequence[MarkInput],
    idempotency_key: str,
    base_version: int,
    actor,
    now: dt.datetime,
    reason: str = "",
) -> SubmitResult:
    """Apply one register submission exactly once, or nothing (see the module docstring)."""
    replay = _receipt(idempotency_key)
    if replay is not None:
        return replay
    reason = (reason or "").strip()
    problems = _Problems()
    _check_request(problems, site, registration_group, date, session, idempotency_key, base_version, now)
    problems.raise_if_any()
    _calendar_checked(problems, site, date, session)
    checked = _checked_marks(problems, date, marks, late_by=_late_by_the_register(site, date, session))
    _check_on_roll(problems, site, registration_group, date, checked)
    problems.raise_if_any()

    def write(register: SessionRegister, changes: list[_Mark], existing: _Existing) -> None:
        closed = register_is_closed(register, site, date, session, now)
        _check_reasons(site, date, session, existing, changes, closed, reason)
        _apply(
            register=register, changes=changes, existing=existing, actor=actor, now=now,
            reason=reason, out_of_window=closed, detail="", audit=False,
        )

    return _submission_apply(
        checked=checked, idempotency_key=idempotency_key, base_version=base_version, actor=actor, now=now,
        register_locked=lambda: _register_locked(site, registration_group, date, session),
        existing_marks=lambda register: _existing_marks(date, session, [m.pupil_id for m in checked]),
        write=write,
        audit=lambda register, changes, existing: _audit_submission(
            register, changes, existing, f"register submission (key {idempotency_key})", reason
        ),
    )


def _submission_apply(
    *,
    checked: list[_Mark],
    idempotency_key: str,
    base_version: int,
    actor,
    now: dt.datetime,
    register_locked: Callable[[], _Register],
    existing_marks: Callable[[_Register], _Existing],
    write: Callable[[_Register, list[_Mark], _Existing], None],
    audit: Callable[[_Register, list[_Mark], _Existing], None],
) -> SubmitResult:
    """The steps of a valid submission, the same for a session and a lesson register, in
    one transaction: lock the register (`register_locked`), answer a key already used with
    its first result, refuse a base version the register has not reached and any conflict,
    `write` the marks that change (and the register's new version), keep the receipt, and
    `audit` the changes last."""
    try:
        with transaction.atomic():
            register = register_locked()
            replay = _receipt(idempotency_key)
            if replay is not None:
                return replay
            if base_version > register.version:
                raise SubmissionRejected(
                    [{"path": "base_version", "message": BASE_VERSION_AHEAD.format(version=register.version, base=base_version)}]
                )
            existing = existing_marks(register)
            _raise_conflicts(register, checked, existing, base_version)
            changes = [m for m in checked if existing.get(m.pupil_id) != (m.code, m.minutes_late)]
            write(register, changes, existing)
            result = SubmitResult(register_id=register.pk, version=register.version, applied=len(changes))
            receipt_of = "lesson_register" if isinstance(register, LessonRegister) else "session_register"
            SubmissionReceipt.objects.create(
                idempotency_key=idempotency_key, actor_id=_actor_id(actor), result=result.as_json(), created_at=now,
                **{receipt_of: register},
            )
            if changes:
                # Last: the audit chain's lock is held from here to the commit, and every
                # writer in the system waits for it, so take it as late as possible.
                audit(register, changes, existing)
            return result
    except IntegrityError:
        # The same key committed by a racing request (on another register, or between our
        # check and our insert): everything above rolled back; answer with its result.
        replay = _receipt(idempotency_key)
        if replay is None:
            raise
        return replay


def _receipt(key: str) -> SubmitResult | None:
    if not key:
        return None
    receipt = SubmissionReceipt.objects.filter(idempotency_key=key).first()
    return SubmitResult.from_receipt(receipt) if receipt is not None else None


def _check_request(problems: _Problems, site, group, date, session, key, base_version, now) -> None:
    if session not in Session.values:
        problems.add("session", BAD_SESSION.format(session=session))
    if group.site_id != site.pk:
        problems.add(
            "registration_group",
            GROUP_AT_ANOTHER_SITE.format(group=group.name, group_site=group.site.name, site=site.name),
        )
    _check_submission(problems, date, key, base_version, now)


def _check_submission(problems: _Problems, date: dt.date, key: str, base_version: int, now: dt.datetime) -> None:
    """What every submission must get right, to a session or a lesson register."""
    if date > timezone.localtime(now, LONDON).date():
        problems.add("date", FUTURE_DATE.format(date=date))
    if not key:
        problems.add("idempotency_key", KEY_REQUIRED)
    elif len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        problems.add("idempotency_key", KEY_TOO_LONG)
    if base_version < 0:
        problems.add("base_version", BASE_VERSION_NEGATIVE)


# The calendar of (site, date) is loaded with three queries on every submission; registers
# of one site and day arrive by the hundred within minutes, so each process keeps it for
# CALENDAR_CACHE_SECONDS. A closure added meanwhile is enforced at most that much later.
CALENDAR_CACHE_SECONDS = 30
_calendars: dict[tuple[int, dt.date], tuple[float, SchoolCalendar]] = {}


def _site_day_calendar(site, date: dt.date) -> SchoolCalendar:
    import time

    key = (site.pk, date)
    cached = _calendars.get(key)
    if cached is not None and time.monotonic() - cached[0] < CALENDAR_CACHE_SECONDS:
        return cached[1]
    calendar = SchoolCalendar.for_site(site, date, date)
    if len(_calendars) > 1000:
        _calendars.clear()
    _calendars[key] = (time.monotonic(), calendar)
    return calendar


def calendar_cache_clear() -> None:
    """Forget the cached calendars (tests that change a calendar mid-test call this)."""
    _calendars.clear()


def _calendar_checked(problems: _Problems, site, date: dt.date, session: str) -> None:
    try:
        calendar = _site_day_calendar(site, date)
        if not calendar.years:
            raise OutsideCalendar(str(date))
        if session not in calendar.scheduled_sessions(date):
            problems.add("date", NOT_A_SCHOOL_SESSION.format(site=site.name, session=session, date=date))
    except OutsideCalendar:
        problems.add("date", DATE_OUTSIDE_CALENDAR.format(date=date, site=site.name))


# How an arrival time becomes a late code and minutes: by the session register's times, or
# by a lesson's start. lateness.NotLate when the arrival makes no late mark.
LateBy = Callable[[dt.datetime], tuple[str, int]]


def _late_by_the_register(site, date: dt.date, session: str) -> LateBy:
    """L or U by the register's close, minutes from its opening (lateness.py)."""

    def late_by(arrived_at: dt.datetime) -> tuple[str, int]:
        late = lateness.late_code(site=site, date=date, session=session, arrived_at=arrived_at)
        return late.code, late.minutes_late

    return late_by


def _late_by_the_lesson(lesson, date: dt.date) -> LateBy:
    """A lesson has no register close: late to a lesson is L, minutes from its start."""
    starts = local_moment(date, lesson.period.starts_at)
    return lambda arrived_at: ("L", max(0, int((arrived_at - starts).total_seconds() // 60)))


def _checked_marks(problems: _Problems, date: dt.date, marks: Sequence[MarkInput], *, late_by: LateBy) -> list[_Mark]:
    """Each mark with its code checked and its lateness decided (`late_by` for an arrival
    time), for a session or a lesson register; the problems with their paths."""
    checked: list[_Mark] = []
    first_index: dict[int, int] = {}
    for index, mark in enumerate(marks):
        path = f"marks[{index}]"
        if mark.pupil_id in first_index:
            problems.add(f"{path}.pupil", DUPLICATE_PUPIL.format(pupil_id=mark.pupil_id, first=first_index[mark.pupil_id]))
            continue
        first_index[mark.pupil_id] = index
        try:
            code = codes.validate_code(mark.code, date).code
        except codes.InvalidCode as error:
            problems.add(f"{path}.code", str(error))
            continue
        minutes = mark.minutes_late
        if mark.arrived_at is not None:
            if code not in CODES_WITH_MINUTES_LATE:
                problems.add(f"{path}.arrived_at", ARRIVED_WITH_CODE.format(code=code))
                continue
            try:
                code, minutes = late_by(mark.arrived_at)
            except lateness.NotLate as error:
                problems.add(f"{path}.arrived_at", str(error))
                continue
        elif minutes is not None:
            if code not in CODES_WITH_MINUTES_LATE:
                problems.add(f"{path}.minutes_late", MINUTES_LATE_NOT_LATE.format(code=code))
                continue
            if not 0 <= minutes <= MAX_MINUTES_LATE:
                problems.add(f"{path}.minutes_late", MINUTES_LATE_OUT_OF_RANGE)
                continue
        checked.append(_Mark(index, mark.pupil_id, code, minutes))
    return checked


def pupils_on_roll_in_group(site, group, date: dt.date, pupil_ids: Sequence[int] | None = None) -> set[int]:
    """The pupils of `group` on roll at `site` on `date` (admission ≤ date ≤ leaving), in
    one query. A pupil's group is their current one (pupils keep no group history)."""
    from safewell.pupils.models import Enrolment

    enrolments = Enrolment.objects.filter(
        Q(leaving_date__isnull=True) | Q(leaving_date__gte=date),
        site=site, admission_date__lte=date, pupil__registration_group=group,
    )
    if pupil_ids is not None:
        enrolments = enrolments.filter(pupil_id__in=list(pupil_ids))
    return set(enrolments.order_by().values_list("pupil_id", flat=True))


def _check_on_roll(problems: _Problems, site, group, date: dt.date, checked: list[_Mark]) -> None:
    if not checked:
        return
    on_roll = pupils_on_roll_in_group(site, group, date, [m.pupil_id for m in checked])
    for mark in checked:
        if mark.pupil_id not in on_roll:
            problems.add(
                f"marks[{mark.index}].pupil",
                NOT_ON_ROLL.format(pupil_id=mark.pupil_id, group=group.name, date=date),
            )


def _register_locked(site, group, date: dt.date, session: str) -> SessionRegister:
    """The register row, created if need be, locked until the transaction ends (PostgreSQL;
    SQLite's IMMEDIATE transactions already let one writer in at a time)."""
    SessionRegister.objects.bulk_create(
        [SessionRegister(site=site, registration_group=group, date=date, session=session)], ignore_conflicts=True
    )
    return SessionRegister.objects.select_for_update().get(registration_group=group, date=date, session=session)


def _existing_marks(date: dt.date, session: str, pupil_ids: Sequence[int]) -> _Existing:
    if not pupil_ids:
        return {}
    rows = Mark.objects.filter(pupil_id__in=list(pupil_ids), date=date, session=session).values_list(
        "pupil_id", "code", "minutes_late"
    )
    return {pupil_id: (code, minutes) for pupil_id, code, minutes in rows}


def _raise_conflicts(register: _Register, checked: list[_Mark], existing: _Existing, base_version: int) -> None:
    if base_version >= register.version:
        return
    conflicts = []
    for mark in checked:
        changed = register.changed_in.get(str(mark.pupil_id))
        if not changed or changed[0] <= base_version:
            continue
        theirs = existing.get(mark.pupil_id)
        if theirs == (mark.code, mark.minutes_late):
            continue
        conflicts.append({
            "pupil": mark.pupil_id,
            "yours": mark.code,
            "yours_minutes_late": mark.minutes_late,
            "theirs": theirs[0] if theirs else None,
            "theirs_minutes_late": theirs[1] if theirs else None,
            "by": changed[1],
            "at": changed[2],
            "version": changed[0],
        })
    if conflicts:
        raise SubmissionConflict(register.version, conflicts, base_version)


def _check_reasons(site, date, session, existing, changes, closed, reason) -> None:
    if reason:
        return
    errors: list[dict[str, str]] = []
    if closed:
        overwritten = [m for m in changes if m.pupil_id in existing]
        if overwritten:
            errors.append({
                "path": "reason",
                "message": REASON_REQUIRED_AFTER_CLOSE.format(
                    closes=register_closes_at(site, date, session).astimezone(LONDON), count=len(overwritten),
                    pupils=", ".join(str(m.pupil_id) for m in overwritten),
                ),
            })
    planned = planned_codes(pupil_ids=[m.pupil_id for m in changes], date=date, session=session)
    for mark in changes:
        plan = planned.get(mark.pupil_id)
        if plan is not None and plan.code != mark.code:
            errors.append({
                "path": f"marks[{mark.index}].code",
                "message": REASON_REQUIRED_FOR_PLANNED.format(
                    pupil_id=mark.pupil_id, planned=plan.code, why=plan.reason or "planned absence", code=mark.code
                ),
            })
    if errors:
        raise SubmissionRejected(errors)


def planned_codes(*, pupil_ids: Sequence[int], date: dt.date, session: str) -> dict[int, PlannedAbsence]:
    """The planned absence covering each pupil's session, in one query (the latest recorded
    wins when two overlap)."""
    if not pupil_ids:
        return {}
    found: dict[int, PlannedAbsence] = {}
    rows = PlannedAbsence.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=date), pupil_id__in=list(pupil_ids), starts_on__lte=date
    ).order_by("recorded_at", "id")
    for plan in rows:
        if plan.covers(date, session):
            found[plan.pupil_id] = plan
    return found


def _apply(
    *,
    register: SessionRegister,
    changes: list[_Mark],
    existing: dict[int, tuple[str, int | None]],
    actor,
    now: dt.datetime,
    reason: str,
    out_of_window: bool,
    detail: str,
    source: int = MarkSource.REGISTER,
    audit: bool = True,
) -> int:
    """Write the changed marks (store.mark_write), amendments, the register's new version
    and (unless the caller does it later) one audit event, inside the caller's transaction.
    Returns the marks applied."""
    actor_id = _actor_id(actor)
    if changes:
        try:
            store.mark_write(
                marks=[store.MarkInput(m.pupil_id, register.date, register.session, m.code, m.minutes_late) for m in changes],
                source=source, recorded_by_id=actor_id, recorded_at=now, check_calendar=False, audit=False,
            )
        except store.MarksRejected as error:
            raise SubmissionRejected([
                {"path": f"marks[{changes[p.index].index}].{p.field}", "message": p.message} for p in error.problems
            ]) from None
        _amendments_record(register, changes, existing, actor_id, now, reason, out_of_window)
        marks_changed.send(sender=SessionRegister, pupil_ids=[m.pupil_id for m in changes], now=now, lessons=False)
        _version_move(register, changes, actor, now)
        if audit:
            _audit_submission(register, changes, existing, detail, reason)
    _register_save(register, changed=bool(changes), actor_id=actor_id, now=now)
    return len(changes)


def _version_move(register: _Register, changes: list[_Mark], actor, now: dt.datetime) -> None:
    """The register's next version, and beside each changed pupil that version, who and
    when (`changed_in`, what later submissions' conflicts are found from)."""
    stamp = [register.version + 1, actor_name(actor), now.astimezone(dt.UTC).isoformat()]
    register.changed_in = {**register.changed_in, **{str(m.pupil_id): stamp for m in changes}}
    register.version += 1


def _register_save(register: _Register, *, changed: bool, actor_id: int | None, now: dt.datetime) -> None:
    """Save the register's version, and who took it first and when; nothing to save when
    no mark changed and it was taken before."""
    fields = ["version", "changed_in"]
    if register.taken_at is None:
        register.taken_at, register.taken_by_id = now, actor_id
        fields += ["taken_at", "taken_by"]
    if changed or len(fields) > 2:
        register.save(update_fields=fields)


def _actor_id(actor) -> int | None:
    """The user to record as having done it; None for Safewell itself or an unsaved user."""
    return actor.pk if actor is not None and actor.pk else None


def _amendments_record(register, changes, existing, actor_id, now, reason, out_of_window) -> None:
    """A MarkAmendment for every changed existing mark, and (after the close) for every
    first mark too, so the out-of-window report shows registers taken late."""
    rows = []
    for mark in changes:
        old = existing.get(mark.pupil_id)
        if old is None and not out_of_window:
            continue
        rows.append(MarkAmendment(
            site_id=register.site_id, pupil_id=mark.pupil_id, date=register.date, session=register.session,
            old_code=old[0] if old else "", new_code=mark.code, old_minutes_late=old[1] if old else None,
            new_minutes_late=mark.minutes_late, reason=reason, amended_by_id=actor_id, amended_at=now,
            out_of_window=out_of_window,
        ))
    if rows:
        MarkAmendment.objects.bulk_create(rows)


def _audit_submission(register, changes, existing, detail: str, reason: str) -> None:
    """One event for the whole submission: each mark as [old, new] under its mark id
    ("pupil/date/session", as store.mark_audit_id), minutes late beside L and U."""
    from safewell.audit.services import audit_log

    marks: dict[str, list] = {}
    for mark in changes:
        mark_id = store.mark_audit_id(mark.pupil_id, register.date, register.session)
        old = existing.get(mark.pupil_id)
        marks[mark_id] = [old[0] if old else None, mark.code]
        if mark.minutes_late is not None or (old and old[1] is not None):
            marks[f"{mark_id} minutes_late"] = [old[1] if old else None, mark.minutes_late]
    if reason:
        detail = f"{detail}; reason: {reason}"
    audit_log(
        action="update",
        target_type="attendance.sessionregister",
        target_id=str(register.pk),
        changes={"version": [register.version - 1, register.version], **marks},
        detail=detail,
    )


# --- Signing a late pupil in (the late book) ------------------------------------------------------

LATE_REASON = "Late arrival signed in at {arrived:%H:%M}"


@dataclass(frozen=True)
class LateArrival:
    date: dt.date
    session: str
    code: str
    minutes_late: int
    result: SubmitResult


def late_arrival_record(*, pupil, arrived_at: dt.datetime, actor, now: dt.datetime, idempotency_key: str = "") -> LateArrival:
    """Sign a late pupil in (the register or the reception late book): L or U by the clock,
    with the minutes late, written through `register_submit` on the pupil's group's register
    (so it is validated, versioned, audited and, after the close, kept as an amendment whose
    reason is the arrival time). NotLate when the arrival makes no late mark; the register's
    errors as SubmissionRejected."""
    site = pupil.site
    date, session = lateness.session_of_arrival(site, arrived_at)
    late = lateness.late_code(site=site, date=date, session=session, arrived_at=arrived_at)
    group = pupil.registration_group
    if group is None:
        raise SubmissionRejected([{"path": "pupil", "message": NO_REGISTRATION_GROUP.format(pupil_id=pupil.pk)}])
    key = idempotency_key or f"late:{pupil.pk}:{arrived_at.astimezone(dt.UTC).isoformat()}"
    reason = LATE_REASON.format(arrived=timezone.localtime(arrived_at, LONDON))
    for _attempt in range(3):
        # The late book writes one mark on the register as it is now; if someone saves the
        # register between our read and our write, read again (the conflict is ours alone).
        version = (
            SessionRegister.objects.filter(registration_group=group, date=date, session=session)
            .values_list("version", flat=True).first()
        ) or 0
        try:
            result = register_submit(
                site=site, registration_group=group, date=date, session=session,
                marks=[MarkInput(pupil.pk, late.code, late.minutes_late)],
                idempotency_key=key, base_version=version, actor=actor, now=now, reason=reason,
            )
            break
        except SubmissionConflict:
            continue
    else:
        raise SubmissionConflict(version, [], version)
    return LateArrival(date=date, session=session, code=late.code, minutes_late=late.minutes_late, result=result)


# --- Writing outside a submission (the N → O job) -----------------------------------------------


@dataclass(frozen=True)
class Amendment:
    pupil_id: int
    date: dt.date
    session: str
    new_code: str
    minutes_late: int | None = None


def register_marks_amend(*, amendments: Sequence[Amendment], reason: str, actor, now: dt.datetime, detail: str) -> int:
    """Change existing marks outside a register submission (the N → O job), register by
    register: each register's version moves on and its `changed_in` records the change, so
    an open page that still shows the old mark gets a conflict, not an overwrite. Marks of
    a session with no register row are written alone. Returns the marks changed."""
    from safewell.pupils.models import Pupil

    if not amendments:
        return 0
    by_key: dict[tuple[int | None, dt.date, str], list[Amendment]] = {}
    groups = dict(Pupil.objects.filter(id__in={a.pupil_id for a in amendments}).values_list("id", "registration_group_id"))
    for amendment in amendments:
        by_key.setdefault((groups.get(amendment.pupil_id), amendment.date, amendment.session), []).append(amendment)
    applied = 0
    with transaction.atomic():
        for (group_id, date, session), items in sorted(by_key.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0] or 0)):
            register = (
                SessionRegister.objects.select_for_update().filter(registration_group_id=group_id, date=date, session=session).first()
                if group_id is not None else None
            )
            pupil_sites = dict(Pupil.objects.filter(id__in=[a.pupil_id for a in items]).values_list("id", "site_id"))
            existing = _existing_marks(date, session, [a.pupil_id for a in items])
            changes = [
                _Mark(i, a.pupil_id, a.new_code, a.minutes_late)
                for i, a in enumerate(items)
                if existing.get(a.pupil_id) != (a.new_code, a.minutes_late)
            ]
            if not changes:
                continue
            if register is None:
                register = SessionRegister(
                    site_id=pupil_sites[changes[0].pupil_id], registration_group_id=group_id, date=date, session=session,
                )
                _write_without_register(register, changes, existing, actor, now, reason, detail)
            else:
                _apply(register=register, changes=changes, existing=existing, actor=actor, now=now,
                       reason=reason, out_of_window=True, detail=detail, source=MarkSource.AMENDMENT)
            applied += len(changes)
    return applied


def _write_without_register(register, changes, existing, actor, now, reason, detail) -> None:
    """Marks imported or generated with no register row: the marks, amendments and one
    audit event, with no version to move on."""
    from safewell.audit.services import audit_log

    actor_id = _actor_id(actor)
    store.mark_write(
        marks=[store.MarkInput(m.pupil_id, register.date, register.session, m.code, m.minutes_late) for m in changes],
        source=MarkSource.AMENDMENT, recorded_by_id=actor_id, recorded_at=now, check_calendar=False, audit=False,
    )
    _amendments_record(register, changes, existing, actor_id, now, reason, True)
    marks_changed.send(sender=SessionRegister, pupil_ids=[m.pupil_id for m in changes], now=now, lessons=False)
    audit_log(
        action="update",
        target_type="attendance.mark",
        target_id=store.mark_audit_id(changes[0].pupil_id, register.date, register.session),
        changes={
            store.mark_audit_id(m.pupil_id, register.date, register.session): [
                existing.get(m.pupil_id, (None,))[0], m.code
            ]
            for m in changes
        },
        detail=f"{detail}; reason: {reason}",
    )


# --- Planned absences ------------------------------------------------------------------------

PLANNED_CODE_NOT_PLANNABLE = "{code} cannot be planned ahead: use one of {codes}."
PLANNED_ENDS_BEFORE_START = "The end date {ends:%-d %B %Y} is before the start date {starts:%-d %B %Y}."
PLANNED_C2_NEEDS_END_AND_REVIEW = (
    "A part-time timetable (C2) must be temporary: give its end date and its review date (reg 11(6), 2024 Regulations)."
)
PLANNED_NO_SESSIONS = "Choose at least one session of the week."
PLANNED_D_NEEDS_DUAL_REGISTRATION = "D is only for a dual-registered pupil: choose their dual-registration enrolment."
PLANNED_ENROLMENT_OF_ANOTHER_PUPIL = "That enrolment belongs to another pupil."
PLANNED_REASON_REQUIRED = "Say why (who granted the leave, or what the arrangement is)."


def planned_absence_record(
    *,
    pupil,
    code: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    sessions: int | None = None,
    review_on: dt.date | None = None,
    reason: str = "",
    enrolment=None,
    recorded_by=None,
    now: dt.datetime,
) -> PlannedAbsence:
    """Record a planned absence (leave granted, a part-time timetable, off-site provision,
    or the weekly sessions a dual-registered pupil spends at the other school), validated
    all at once (django ValidationError keyed by field). It pre-fills the registers of the
    sessions it covers (selectors.register_for_user)."""
    from django.core.exceptions import ValidationError

    errors: dict[str, list[str]] = {}
    code = (code or "").strip().upper()
    sessions = EVERY_SESSION_OF_THE_WEEK if sessions is None else sessions
    if code not in PLANNED_CODES:
        errors.setdefault("code", []).append(PLANNED_CODE_NOT_PLANNABLE.format(code=code or "“”", codes=", ".join(PLANNED_CODES)))
    if ends_on is not None and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(PLANNED_ENDS_BEFORE_START.format(ends=ends_on, starts=starts_on))
    if code == "C2" and (ends_on is None or review_on is None):
        errors.setdefault("review_on", []).append(PLANNED_C2_NEEDS_END_AND_REVIEW)
    if not 1 <= sessions <= EVERY_SESSION_OF_THE_WEEK:
        errors.setdefault("sessions", []).append(PLANNED_NO_SESSIONS)
    if enrolment is not None and enrolment.pupil_id != pupil.pk:
        errors.setdefault("enrolment", []).append(PLANNED_ENROLMENT_OF_ANOTHER_PUPIL)
    elif code == "D" and (enrolment is None or not enrolment.dual_registration):
        errors.setdefault("enrolment", []).append(PLANNED_D_NEEDS_DUAL_REGISTRATION)
    if not (reason or "").strip() and code != "D":
        errors.setdefault("reason", []).append(PLANNED_REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)
    # A normal save: the audit log's signal capture records it.
    return PlannedAbsence.objects.create(
        pupil=pupil, enrolment=enrolment, code=code, starts_on=starts_on, ends_on=ends_on, sessions=sessions,
        review_on=review_on, reason=(reason or "").strip(), recorded_by=recorded_by, recorded_at=now,
    )


# --- Lesson registers ------------------------------------------------------------------------

LESSON_NOT_HELD = "{lesson} is not held on {date:%A %-d %B %Y} (not its weekday, or its session is not held)."
NOT_IN_CLASS = "Pupil {pupil_id} is not in {teaching_class} on {date:%-d %B %Y}."


def lesson_register_submit(
    *,
    lesson,
    date: dt.date,
    marks: Sequence[MarkInput],
    idempotency_key: str,
    base_version: int,
    actor,
    now: dt.datetime,
) -> SubmitResult:
    """Take a lesson register (pupils.Lesson on `date`) with the same promises as
    `register_submit`: all or nothing with paths, exactly once per key, per-mark conflicts
    against `base_version`, one audit event. Lesson marks are not session marks: they are
    kept in LessonMark and never touch the statutory register (an arrival time gives L
    with the minutes from the period's start)."""
    replay = _receipt(idempotency_key)
    if replay is not None:
        return replay
    problems = _Problems()
    _check_submission(problems, date, idempotency_key, base_version, now)
    if not _lesson_is_held(lesson, date):
        problems.add("date", LESSON_NOT_HELD.format(lesson=lesson, date=date))
    checked = _checked_marks(problems, date, marks, late_by=_late_by_the_lesson(lesson, date))
    _check_in_class(problems, lesson, date, checked)
    problems.raise_if_any()
    return _submission_apply(
        checked=checked, idempotency_key=idempotency_key, base_version=base_version, actor=actor, now=now,
        register_locked=lambda: _lesson_register_locked(lesson, date),
        existing_marks=lambda register: _existing_lesson_marks(register, [m.pupil_id for m in checked]),
        write=lambda register, changes, existing: _lesson_marks_write(register, changes, actor, now),
        audit=lambda register, changes, existing: _audit_lesson_submission(register, changes, existing, idempotency_key),
    )


def _lesson_is_held(lesson, date: dt.date) -> bool:
    site = lesson.teaching_class.site
    try:
        return date.weekday() == lesson.weekday and lesson.period.session in _site_day_calendar(site, date).sessions(date)
    except OutsideCalendar:
        return False


def _check_in_class(problems: _Problems, lesson, date: dt.date, checked: list[_Mark]) -> None:
    from safewell.pupils.models import ClassMembership

    members = set(
        ClassMembership.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=date), teaching_class_id=lesson.teaching_class_id,
            starts_on__lte=date, pupil_id__in=[m.pupil_id for m in checked],
        ).order_by().values_list("pupil_id", flat=True)
    )
    for mark in checked:
        if mark.pupil_id not in members:
            problems.add(f"marks[{mark.index}].pupil", NOT_IN_CLASS.format(
                pupil_id=mark.pupil_id, teaching_class=lesson.teaching_class.name, date=date))


def _lesson_register_locked(lesson, date: dt.date) -> LessonRegister:
    """The lesson register row, created if need be, locked as `_register_locked`."""
    LessonRegister.objects.bulk_create([LessonRegister(lesson=lesson, date=date)], ignore_conflicts=True)
    return LessonRegister.objects.select_for_update().get(lesson=lesson, date=date)


def _existing_lesson_marks(register: LessonRegister, pupil_ids: Sequence[int]) -> _Existing:
    rows = LessonMark.objects.filter(lesson_register=register, pupil_id__in=list(pupil_ids)).values_list(
        "pupil_id", "code", "minutes_late"
    )
    return {pupil_id: (code, minutes) for pupil_id, code, minutes in rows}


def _lesson_marks_write(register: LessonRegister, changes: list[_Mark], actor, now: dt.datetime) -> None:
    """Write the changed lesson marks and the register's new version (never a session mark)."""
    actor_id = _actor_id(actor)
    if changes:
        LessonMark.objects.bulk_create(
            [LessonMark(lesson_register=register, pupil_id=m.pupil_id, code=m.code, minutes_late=m.minutes_late,
                        recorded_at=now, recorded_by_id=actor_id) for m in changes],
            update_conflicts=True, unique_fields=["lesson_register", "pupil"],
            update_fields=["code", "minutes_late", "recorded_at", "recorded_by"],
        )
        _version_move(register, changes, actor, now)
        marks_changed.send(sender=LessonRegister, pupil_ids=[m.pupil_id for m in changes], now=now, lessons=True)
    _register_save(register, changed=bool(changes), actor_id=actor_id, now=now)


def _audit_lesson_submission(register, changes, existing, key: str) -> None:
    from safewell.audit.services import audit_log

    audit_log(
        action="update",
        target_type="attendance.lessonregister",
        target_id=str(register.pk),
        changes={
            "version": [register.version - 1, register.version],
            **{str(m.pupil_id): [existing.get(m.pupil_id, (None,))[0], m.code] for m in changes},
        },
        detail=f"lesson register submission (key {key})",
    )
