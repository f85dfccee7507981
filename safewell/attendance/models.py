"""Session marks (the source of truth) and the compact per-pupil session store beside them.

design.md principle 8: the mark table holds one row per pupil and session, with who and
when; at about 100 bytes a mark it is too big to scan for rules at scale (figures.md §C2:
a million pupils make 37 GB a year). So each pupil also has one `SessionStore` row per
academic year: one byte per session of the year's session index, the way the CTF and the
classic MIS keep a mark string. `store.mark_write` updates both in one transaction;
`safewell rebuild_session_store` rebuilds the store from the marks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from safewell.attendance import codes


class Session(models.TextChoices):
    # reg 10(1) 2024 Regulations [C]: the register is taken at the start of the morning
    # session and once during the afternoon session.
    AM = "AM", "Morning"
    PM = "PM", "Afternoon"


class MarkSource(models.IntegerChoices):
    """Where a mark came from. A small integer, not text: it is on every one of ~380 rows a
    pupil a year."""

    REGISTER = 1, "Register"
    IMPORT = 2, "Import"
    GENERATED = 3, "Generated (synthetic data)"
    AMENDMENT = 4, "Amendment"


# Codes with a number of minutes late: L (arrived before the register closed) and U
# (after it closed), statutory.md §9.
CODES_WITH_MINUTES_LATE = ("L", "U")
# Every code of the catalogue between bars, for the mark_code_known check.
KNOWN_CODES = "|" + "|".join(c.code for c in codes.ALL_CODES) + "|"
assert all("|" not in c.code for c in codes.ALL_CODES)


class Mark(models.Model):
    """One pupil's attendance code for one session.

    Kept lean on purpose (figures.md §C2 measured ~98 bytes a mark with a 3-column primary
    key): the primary key *is* (pupil, date, session), so there is no surrogate id column
    and no second unique index. That one index serves both questions the registers ask:
    "a pupil's marks over a range" (a range scan on the leading pupil column) and "a
    registration group's marks for a date" (one probe per pupil of the group: the group's
    pupils come from the pupils app). Column order puts the 8-byte columns first, so
    PostgreSQL pads nothing.
    """

    pk = models.CompositePrimaryKey("pupil_id", "date", "session")
    # The primary key leads with pupil, so the FK needs no index of its own.
    pupil = models.ForeignKey(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="marks", db_index=False
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # No index: users are deactivated, never deleted (who recorded a mark is kept), and an
    # index on 380 rows a pupil a year would cost as much as the mark itself.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    date = models.DateField()
    minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.PositiveSmallIntegerField(choices=MarkSource.choices, default=MarkSource.REGISTER)
    session = models.CharField(max_length=2, choices=Session.choices)
    code = models.CharField(max_length=2)

    class Meta:
        # No `IN (…)` lists in these checks: SQLite evaluates a CHECK's IN list by building
        # a temporary table for every row, which made bulk loading marks 4-8× slower
        # (measured: 760k rows in 15 s against 2 s). Equalities, ranges and instr() cost
        # next to nothing on both databases.
        constraints = [
            models.CheckConstraint(
                condition=Q(session=Session.AM) | Q(session=Session.PM), name="mark_session_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__gte=min(MarkSource.values), source__lte=max(MarkSource.values)),
                name="mark_source_valid",
            ),
            # Every national code, including the withdrawn H, J and Y that older imported
            # marks may carry (attendance/codes.py): "|code|" must occur in "|/|\\|L|…|".
            # Whether a code may be recorded *on a date* is the services' check
            # (codes.validate_code).
            models.CheckConstraint(
                condition=GreaterThan(
                    StrIndex(Value(KNOWN_CODES), Concat(Value("|"), F("code"), Value("|"))), 0
                ),
                name="mark_code_known",
            ),
            models.CheckConstraint(
                condition=Q(minutes_late__isnull=True) | Q(code="L") | Q(code="U"),
                name="mark_minutes_late_only_when_late",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.date} {self.session} {self.code}"

    @property
    def attendance_code(self) -> codes.AttendanceCode:
        return codes.by_code(self.code)


class SessionStore(models.Model):
    """A pupil's marks for one academic year: one byte per session of the year's session
    index (schools.calendar.YearSessions: every weekday AM then PM, so the index never
    moves when a closure is added). Each byte is the code's `store_byte`
    (attendance/codes.py); 0 is "no mark". Read by the rules engine as a numpy matrix
    (store.session_store_load)."""

    audit_exempt = "derived from the audited Mark rows; safewell rebuild_session_store rebuilds it"

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="session_stores")
    academic_year = models.ForeignKey(
        "schools.AcademicYear", on_delete=models.CASCADE, related_name="session_stores"
    )
    marks = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "academic_year"], name="session_store_one_per_pupil_and_year"
            ),
        ]
        # The loader reads a whole academic year (optionally one site's pupils of it).
        indexes = [models.Index(fields=["academic_year", "pupil"], name="session_store_year_pupil")]

    def __str__(self) -> str:
        return f"sessions of pupil {self.pupil_id} in {self.academic_year_id}"


# --- Registers (issue 4): session registers, receipts, amendments, planned absences ---------


class SessionRegister(models.Model):
    """The AM or PM register of one registration group on one date.

    The marks themselves live in `Mark` (written only through `store.mark_write`); this row
    carries what the register as a whole needs: its version (optimistic concurrency, +1 per
    applied submission), who took it and when, and when it closed (reg 10(1) 2024
    Regulations [C]: taken at the start of the morning session and once in the afternoon).

    `changed_in` maps each pupil id (text) to [version, actor name, ISO time] of the last
    change to that pupil's mark through this register, so a stale submission is told exactly
    which marks someone else changed since its base version (registers.register_submit),
    without reading any history table.
    """

    audit_exempt = (
        "each submission is audited as one event listing its marks (registers.register_submit)"
    )

    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="session_registers")
    registration_group = models.ForeignKey(
        "pupils.RegistrationGroup", on_delete=models.PROTECT, related_name="session_registers"
    )
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    version = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    changed_in = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration_group", "date", "session"], name="session_register_one_per_group_session"
            ),
            models.CheckConstraint(
                condition=Q(session=Session.AM) | Q(session=Session.PM), name="session_register_session_valid"
            ),
        ]
        indexes = [
            # The missing-registers board and the close job: a site's registers of one session.
            models.Index(fields=["site", "date", "session"], name="session_register_site_day"),
        ]

    def __str__(self) -> str:
        return f"{self.registration_group_id} {self.date} {self.session} v{self.version}"


class LessonRegister(models.Model):
    """The register of one timetabled lesson (pupils.Lesson: a class's weekly slot) on one
    date. Lesson marks are not statutory session marks: they show where a pupil was during
    the day (post-registration truancy, missed PE or swimming: seed 004)."""

    audit_exempt = "each submission is audited as one event listing its marks"

    lesson = models.ForeignKey("pupils.Lesson", on_delete=models.PROTECT, related_name="registers")
    date = models.DateField()
    version = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    changed_in = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "date"], name="lesson_register_one_per_lesson_date"),
        ]
        indexes = [models.Index(fields=["date"], name="lesson_register_date")]

    def __str__(self) -> str:
        return f"lesson {self.lesson_id} {self.date} v{self.version}"


class LessonMark(models.Model):
    """One pupil's mark in one lesson (a national code, as on the session register)."""

    audit_exempt = "each lesson register submission is audited as one event listing its marks"

    lesson_register = models.ForeignKey(LessonRegister, on_delete=models.CASCADE, related_name="marks")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="lesson_marks")
    code = models.CharField(max_length=2)
    minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson_register", "pupil"], name="lesson_mark_one_per_pupil"),
            models.CheckConstraint(
                condition=GreaterThan(
                    StrIndex(Value(KNOWN_CODES), Concat(Value("|"), F("code"), Value("|"))), 0
                ),
                name="lesson_mark_code_known",
            ),
            models.CheckConstraint(
                condition=Q(minutes_late__isnull=True) | Q(code="L") | Q(code="U"),
                name="lesson_mark_minutes_late_only_when_late",
            ),
        ]
        # A pupil's lessons over the last weeks (the pupil attendance page).
        indexes = [models.Index(fields=["pupil", "lesson_register"], name="lesson_mark_pupil")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.code} in {self.lesson_register_id}"


class SubmissionReceipt(models.Model):
    """Proof that one idempotency key was applied, written in the same transaction as the
    marks. The unique key makes a second request with the same key fail to insert, so a
    key is applied exactly once even when two requests race (design.md principle 5)."""

    audit_exempt = "the receipt of a submission that is itself audited (registers.register_submit)"

    idempotency_key = models.CharField(max_length=100)
    session_register = models.ForeignKey(
        SessionRegister, on_delete=models.CASCADE, null=True, blank=True, related_name="receipts"
    )
    lesson_register = models.ForeignKey(
        LessonRegister, on_delete=models.CASCADE, null=True, blank=True, related_name="receipts"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="submission_receipt_key_unique"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class MarkAmendment(models.Model):
    """A change to a mark that already existed, or any mark made after the register closed:
    the old value, the new, who, when and why (design.md principle 5). `out_of_window` marks
    those made after the site's register close time (issue 4 §4: the amendments report)."""

    audit_exempt = "written with the mark change it explains, which is audited in the same event"

    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="mark_amendments")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="mark_amendments")
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    # "" when the session had no mark before (a register first taken after it closed).
    old_code = models.CharField(max_length=2, blank=True)
    new_code = models.CharField(max_length=2)
    old_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    new_minutes_late = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amended_at = models.DateTimeField()
    out_of_window = models.BooleanField(default=False)

    class Meta:
        ordering = ["amended_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session=Session.AM) | Q(session=Session.PM), name="mark_amendment_session_valid"
            ),
            # An out-of-window change of an existing mark always says why (issue 4 §4).
            models.CheckConstraint(
                condition=Q(out_of_window=False) | Q(old_code="") | ~Q(reason=""),
                name="mark_amendment_out_of_window_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "amended_at"], name="mark_amendment_site_time"),
            models.Index(fields=["pupil", "date"], name="mark_amendment_pupil_date"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.date} {self.session} {self.old_code or '-'}→{self.new_code}"


# The codes a planned absence may pre-fill (issue 4 §2): leave granted (C, M, J1, S; reg 11
# 2024 Regulations [C] for the leave, code letters [S]), a part-time timetable (C2; reg
# 11(6) [C]), off-site provision (B [S], K reg 10(3) Table 2 [C]) and the sessions a
# dual-registered pupil is due at the other school (D [S], statutory.md §5.3).
PLANNED_CODES = ("C", "M", "J1", "S", "C2", "B", "K", "D")
# `sessions` is a bit pattern over the school week: bit 2 × weekday (Mon = 0) is that day's
# AM session, the next bit its PM session. 1023 = every session of the week.
EVERY_SESSION_OF_THE_WEEK = (1 << 10) - 1


def session_bit(weekday: int, session: str) -> int:
    """The bit of `PlannedAbsence.sessions` for (weekday Mon = 0 … Fri = 4, "AM"/"PM")."""
    return 1 << (2 * weekday + (0 if session == Session.AM else 1))


class PlannedAbsence(models.Model):
    """A code known before the register is taken, pre-filled on the register for the
    sessions of `sessions` from `starts_on` to `ends_on` (both included). The teacher may
    still override it, with a reason."""

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="planned_absences")
    # For D: the dual-registration enrolment whose pattern of sessions at the other school
    # this is (statutory.md §5.3 [S]).
    enrolment = models.ForeignKey(
        "pupils.Enrolment", on_delete=models.CASCADE, null=True, blank=True, related_name="planned_absences"
    )
    code = models.CharField(max_length=2)
    starts_on = models.DateField()
    # Required for C2: a part-time timetable must be temporary (reg 11(6) [C]; glossary).
    ends_on = models.DateField(null=True, blank=True)
    sessions = models.PositiveSmallIntegerField(default=EVERY_SESSION_OF_THE_WEEK)
    # When a part-time timetable (C2) is next reviewed (glossary: time-limited and reviewed).
    review_on = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pupil", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="planned_absence_ends_on_or_after_start",
            ),
            models.CheckConstraint(
                condition=Q(sessions__gte=1, sessions__lte=EVERY_SESSION_OF_THE_WEEK),
                name="planned_absence_sessions_valid",
            ),
            models.CheckConstraint(
                condition=Q(code__in=PLANNED_CODES), name="planned_absence_code_plannable"
            ),
            models.CheckConstraint(
                condition=~Q(code="C2") | (Q(ends_on__isnull=False) & Q(review_on__isnull=False)),
                name="planned_absence_part_time_timetable_is_time_limited",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "starts_on"], name="planned_absence_pupil_start")]

    def __str__(self) -> str:
        return f"{self.code} for {self.pupil_id} from {self.starts_on}"

    def covers(self, day: dt.date, session: str) -> bool:
        if day < self.starts_on or (self.ends_on is not None and day > self.ends_on):
            return False
        return day.weekday() < 5 and bool(self.sessions & session_bit(day.weekday(), session))


class RegisterNudge(models.Model):
    """A reminder sent to take a missing register (issue 4 §5), so the board can show it."""

    site = models.ForeignKey("schools.Site", on_delete=models.CASCADE, related_name="register_nudges")
    registration_group = models.ForeignKey(
        "pupils.RegistrationGroup", on_delete=models.CASCADE, related_name="register_nudges"
    )
    date = models.DateField()
    session = models.CharField(max_length=2, choices=Session.choices)
    sent_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    nudged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    nudged_at = models.DateTimeField()

    class Meta:
        ordering = ["nudged_at"]
        indexes = [models.Index(fields=["site", "date", "session"], name="register_nudge_site_day")]

    def __str__(self) -> str:
        return f"nudge {self.registration_group_id} {self.date} {self.session}"
