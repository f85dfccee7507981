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
        if errors:
            raise ValidationError(errors)


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
