"""Writes for organisations, sites, placing schools and the calendar. All-or-nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from safewell.schools.models import Organisation, PlacingSchool, PlacingSchoolKind, Site


@transaction.atomic
def site_register_times_set(
    *,
    site: Site,
    am_opens_at: dt.time,
    am_closes_at: dt.time,
    pm_opens_at: dt.time,
    pm_closes_at: dt.time,
) -> Site:
    """Set the AM/PM register windows (local wall clock). Raises ValidationError, saves nothing,
    when a register would close before it opens or stay open longer than 30 minutes."""
    site.am_register_opens_at = am_opens_at
    site.am_register_closes_at = am_closes_at
    site.pm_register_opens_at = pm_opens_at
    site.pm_register_closes_at = pm_closes_at
    site.full_clean()
    site.save(update_fields=[
        "am_register_opens_at", "am_register_closes_at",
        "pm_register_opens_at", "pm_register_closes_at",
    ])
    return site


@transaction.atomic
def placing_school_create(
    *,
    organisation: Organisation,
    name: str,
    kind: PlacingSchoolKind | str,
    urn: str = "",
    local_authority_code: str = "",
    attendance_contact_name: str = "",
    attendance_contact_email: str = "",
    attendance_contact_phone: str = "",
) -> PlacingSchool:
    placing_school = PlacingSchool(
        organisation=organisation,
        name=name,
        kind=kind,
        urn=urn,
        local_authority_code=local_authority_code,
        attendance_contact_name=attendance_contact_name,
        attendance_contact_email=attendance_contact_email,
        attendance_contact_phone=attendance_contact_phone,
    )
    placing_school.full_clean()
    placing_school.save()
    return placing_school
