"""Demo data of the schools app: each demo setting's term dates and placing schools.

Runs from `safewell demo_load` after the organisations and sites exist (core/management/
commands/_demo.py). Idempotent: a year's term dates are imported only when the organisation
has no academic year of that name yet, and a placing school only when none of its name exists.
"""

from __future__ import annotations

from datetime import date

from safewell.demo.demo_data.plan import OrganisationPlan, academic_year_start, demo_plan
from safewell.schools.models import AcademicYear, Organisation, PlacingSchool
from safewell.schools.services import placing_school_create, term_dates_import_csv
from safewell.schools.term_dates import parse_csv


def load(*, today: date) -> None:
    for plan in demo_plan().organisations:
        organisation = Organisation.objects.get(name=plan.name)
        term_dates_load(organisation, plan)
        placing_schools_load(organisation, plan)


def term_dates_load(organisation: Organisation, plan: OrganisationPlan) -> None:
    stored = set(AcademicYear.objects.filter(organisation=organisation).values_list("name", flat=True))
    for path in plan.term_date_files:
        data = path.read_bytes()
        rows, _ = parse_csv(data)
        first = academic_year_start(min(row.starts_on for row in rows))
        if f"{first}/{(first + 1) % 100:02d}" not in stored:
            term_dates_import_csv(organisation=organisation, file=data)


def placing_schools_load(organisation: Organisation, plan: OrganisationPlan) -> None:
    for school in plan.placing_schools:
        if PlacingSchool.objects.filter(organisation=organisation, name=school.name).exists():
            continue
        placing_school_create(
            organisation=organisation, name=school.name, kind=school.kind,
            local_authority_code=plan.local_authority_code,
            attendance_contact_name=school.contact_name,
            attendance_contact_email=school.contact_email,
            attendance_contact_phone=school.contact_phone,
        )
