"""Organisations, their sites, the placing schools an AP serves, and the school calendar.

`calendar.py` is the only code that turns these rows into school days and sessions.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

# statutory.md §9 [S]: the register should stay open "no longer than 30 minutes"
# (Nottinghamshire attendance toolkit; FFT Datalab). The close time decides L versus U.
REGISTER_OPEN_MAX_MINUTES = 30

REGISTER_CLOSES_BEFORE_IT_OPENS = "The register must close after it opens."
REGISTER_OPEN_TOO_LONG = (
    "The register may stay open for at most 30 minutes (statutory.md §9: it should be open "
    "no longer than 30 minutes, the same for every session)."
)
PM_REGISTER_BEFORE_AM = "The afternoon register must open after the morning register closes."
SESSION_ENDS_BEFORE_REGISTER_CLOSES = (
    "The session must end after its register closes (a pupil arriving in between is marked U)."
)
AM_SESSION_ENDS_AFTER_PM_REGISTER = "The morning session must end by the time the afternoon register opens."
# When a site records no end for the afternoon session: our assumption [U], not statutory
# (a typical end of the school day in England).
PM_SESSION_ENDS_AT_DEFAULT = dt.time(15, 30)
CLOSURE_CLASHES = "This site already has a closure on {date} for {sessions}."
PARTIAL_CLOSURE_NEEDS_PART = "Say which part of the site is out of use."


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", "School"
    ALTERNATIVE_PROVISION = "alternative_provision", "Alternative provision"
    TRUST = "trust", "Trust"
    LOCAL_AUTHORITY = "local_authority", "Local authority"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    # The LA owns the CME duty (s436A Education Act 1996) for its area.
    local_authority_code = models.CharField(max_length=3, blank=True)
    local_authority_name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="organisation_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


def _minutes_between(opens_at: dt.time, closes_at: dt.time) -> int:
    opens = opens_at.hour * 60 + opens_at.minute
    closes = closes_at.hour * 60 + closes_at.minute
    return closes - opens


class Site(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=40, unique=True)
    # Register times are local wall clock (Europe/London), not UTC, so 08:45 stays 08:45
    # across the clock changes (design.md principle 2). reg 10(1) 2024 Regulations [C]: the
    # register is taken at the start of the morning session and once in the afternoon.
    am_register_opens_at = models.TimeField(default=dt.time(8, 45))
    am_register_closes_at = models.TimeField(default=dt.time(9, 15))
    pm_register_opens_at = models.TimeField(default=dt.time(13, 15))
    pm_register_closes_at = models.TimeField(default=dt.time(13, 45))
    # When each session ends, local wall clock: U ("attended after the taking of the register
    # ended but before the end of the session", reg 10 2024 Regulations via Manchester [S],
    # statutory.md §1, §9) runs only until then; later, the session keeps its absence code.
    # Blank for the morning: it ends when the afternoon register opens.
    am_session_ends_at = models.TimeField(
        null=True, blank=True, help_text="Blank: the morning session ends when the afternoon register opens."
    )
    pm_session_ends_at = models.TimeField(default=PM_SESSION_ENDS_AT_DEFAULT)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            # The 30-minute limit cannot be a portable CheckConstraint (time arithmetic
            # differs between SQLite and PostgreSQL), so `clean()` enforces it; the order
            # of the four times is enforced here.
            models.CheckConstraint(
                condition=Q(am_register_closes_at__gt=F("am_register_opens_at")),
                name="site_am_register_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(pm_register_closes_at__gt=F("pm_register_opens_at")),
                name="site_pm_register_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(pm_register_opens_at__gte=F("am_register_closes_at")),
                name="site_pm_register_after_am",
            ),
            models.CheckConstraint(
                condition=Q(am_session_ends_at__isnull=True)
                | (Q(am_session_ends_at__gt=F("am_register_closes_at"))
                   & Q(am_session_ends_at__lte=F("pm_register_opens_at"))),
                name="site_am_session_ends_between_registers",
            ),
            models.CheckConstraint(
                condition=Q(pm_session_ends_at__gt=F("pm_register_closes_at")),
                name="site_pm_session_ends_after_register_closes",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def register_times(self, session: str) -> tuple[dt.time, dt.time]:
        """(opens_at, closes_at) of the register for "AM" or "PM", local wall clock."""
        if session == "AM":
            return self.am_register_opens_at, self.am_register_closes_at
        if session == "PM":
            return self.pm_register_opens_at, self.pm_register_closes_at
        raise ValueError(f"unknown session {session!r}")

    def session_ends_at(self, session: str) -> dt.time:
        """When the "AM" or "PM" session ends, local wall clock (U only until then)."""
        if session == "AM":
            return self.am_session_ends_at or self.pm_register_opens_at
        if session == "PM":
            return self.pm_session_ends_at
        raise ValueError(f"unknown session {session!r}")

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        for session in ("am", "pm"):
            opens_at = getattr(self, f"{session}_register_opens_at")
            closes_at = getattr(self, f"{session}_register_closes_at")
            if opens_at is None or closes_at is None:
                continue
            minutes = _minutes_between(opens_at, closes_at)
            if minutes <= 0:
                errors[f"{session}_register_closes_at"] = REGISTER_CLOSES_BEFORE_IT_OPENS
            elif minutes > REGISTER_OPEN_MAX_MINUTES:
                errors[f"{session}_register_closes_at"] = REGISTER_OPEN_TOO_LONG
        if (
            "am_register_closes_at" not in errors
            and self.am_register_closes_at
            and self.pm_register_opens_at
            and self.pm_register_opens_at < self.am_register_closes_at
        ):
            errors["pm_register_opens_at"] = PM_REGISTER_BEFORE_AM
        errors.update(self._session_end_errors())
        if errors:
            raise ValidationError(errors)

    def _session_end_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        am_ends, pm_ends = self.am_session_ends_at, self.pm_session_ends_at
        if am_ends is not None and self.am_register_closes_at and am_ends <= self.am_register_closes_at:
            errors["am_session_ends_at"] = SESSION_ENDS_BEFORE_REGISTER_CLOSES
        elif am_ends is not None and self.pm_register_opens_at and am_ends > self.pm_register_opens_at:
            errors["am_session_ends_at"] = AM_SESSION_ENDS_AFTER_PM_REGISTER
        if pm_ends is not None and self.pm_register_closes_at and pm_ends <= self.pm_register_closes_at:
            errors["pm_session_ends_at"] = SESSION_ENDS_BEFORE_REGISTER_CLOSES
        return errors


class PlacingSchoolKind(models.TextChoices):
    SCHOOL = "school", "School"
    LOCAL_AUTHORITY = "local_authority", "Local authority"


class PlacingSchool(models.Model):
    """A school or commissioning LA that places pupils with an AP (statutory.md §5.3).

    The placing school usually keeps the pupil on its roll (dual registration), so it is
    told of absences the same day (design.md, main flows).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="placing_schools",
        help_text="The alternative provision the pupils are placed with.",
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=PlacingSchoolKind.choices)
    urn = models.CharField("URN", max_length=8, blank=True)
    local_authority_code = models.CharField(max_length=3, blank=True)
    attendance_contact_name = models.CharField(max_length=200, blank=True)
    attendance_contact_email = models.EmailField(blank=True)
    attendance_contact_phone = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="placing_school_name_unique_per_organisation"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- The school calendar -------------------------------------------------------------------


class AcademicYear(models.Model):
    """A school year of an organisation, e.g. "2026/27". Its terms lie inside it.

    Its days are also the domain of the per-year session index (calendar.YearSessions), so
    its bounds should not change once marks exist.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="academic_years"
    )
    name = models.CharField(max_length=20)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["organisation__name", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="academic_year_name_unique_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="academic_year_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.name}"


class Term(models.Model):
    """A half term ("Autumn 1"). The gaps between terms are holidays.

    Our convention (docs/calendar-import.md): a term runs from the first to the last day the
    school is open to staff, INSET days included; INSET days are Closures inside the term.
    """

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "name"], name="term_name_unique_per_academic_year"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_on:%d %b %Y} – {self.ends_on:%d %b %Y})"


class ClosureSessions(models.TextChoices):
    AM = "AM", "Morning"
    PM = "PM", "Afternoon"
    BOTH = "both", "Whole day"


class ClosureKind(models.TextChoices):
    # Not a school day for pupils (glossary: INSET day).
    INSET_DAY = "inset_day", "INSET day"
    # Code # "planned whole or partial school closure": not a possible session [S] (§1).
    PLANNED = "planned", "Planned closure (#)"
    # Code Y4 "whole school site unexpectedly closed": not a possible session [S] (§1).
    UNEXPECTED = "unexpected", "Unexpected closure (Y4)"
    # Code Y3 "part of the school premises unavoidably out of use" [S] (§1): the school
    # still meets; the pupils affected by the closed part are coded Y3.
    PARTIAL = "partial", "Part of the site out of use (Y3)"


# The register code each kind of closure puts on the sessions it covers (statutory.md §1).
# INSET days take no mark: they are not sessions at all.
CLOSURE_REGISTER_CODE: dict[str, str | None] = {
    ClosureKind.INSET_DAY: None,
    ClosureKind.PLANNED: "#",
    ClosureKind.UNEXPECTED: "Y4",
    ClosureKind.PARTIAL: "Y3",
}


class Closure(models.Model):
    """A site closed (or partly closed) for one or both sessions of one date."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    sessions = models.CharField(max_length=4, choices=ClosureSessions.choices, default=ClosureSessions.BOTH)
    kind = models.CharField(max_length=16, choices=ClosureKind.choices)
    # For a partial closure: which part of the site is out of use (e.g. "Science block").
    part = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["date", "sessions"]
        constraints = [
            # A whole-day closure and an AM closure on the same date also clash; the
            # services refuse that (a portable constraint cannot see it).
            models.UniqueConstraint(
                fields=["site", "date", "sessions"], name="closure_unique_per_site_date_sessions"
            ),
            models.CheckConstraint(
                condition=Q(sessions__in=ClosureSessions.values), name="closure_sessions_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=ClosureKind.values), name="closure_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=ClosureKind.PARTIAL) | ~Q(part=""),
                name="closure_partial_names_the_part",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.date} {self.sessions} {self.get_kind_display()}"

    @property
    def register_code(self) -> str | None:
        return CLOSURE_REGISTER_CODE[self.kind]

    @property
    def session_names(self) -> tuple[str, ...]:
        return ("AM", "PM") if self.sessions == ClosureSessions.BOTH else (self.sessions,)

    def clean(self) -> None:
        """What the unique constraint cannot see: a whole-day closure clashes with an AM one."""
        super().clean()
        if self.kind == ClosureKind.PARTIAL and not self.part:
            raise ValidationError({"part": PARTIAL_CLOSURE_NEEDS_PART})
        if self.site_id is None or self.date is None:
            return
        others = Closure.objects.filter(site_id=self.site_id, date=self.date).exclude(pk=self.pk)
        mine = set(self.session_names)
        if any(mine & set(other.session_names) for other in others):
            raise ValidationError({"sessions": CLOSURE_CLASHES.format(
                date=self.date, sessions=self.get_sessions_display().lower())})
