"""Session marks (the source of truth) and the compact per-pupil session store beside them.

design.md principle 8: the mark table holds one row per pupil and session, with who and
when; at about 100 bytes a mark it is too big to scan for rules at scale (figures.md §C2:
a million pupils make 37 GB a year). So each pupil also has one `SessionStore` row per
academic year: one byte per session of the year's session index, the way the CTF and the
classic MIS keep a mark string. `store.mark_write` updates both in one transaction;
`safewell rebuild_session_store` rebuilds the store from the marks.
"""

from __future__ import annotations

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
