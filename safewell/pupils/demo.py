"""Demo data of the pupils app: each demo setting's registration groups, pupils (with their
contacts, enrolments, characteristics and professionals) and weekly timetable.

The roster comes from `core/demo_data/plan.py` (fictional, drawn from a fixed seed; the
story pupils of demo.yaml among them). Pupils go through the real services, so every one is
validated and audited; the timetable goes through the real CSV import
(pupils/timetable_import.py). Idempotent: a pupil is looked up by UPN, a group by its name,
and the timetable import updates records by their natural keys.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from safewell.core.demo_data.plan import (
    OrganisationPlan,
    PupilPlan,
    academic_year_start,
    demo_plan,
    first_school_days,
    roster,
    timetable,
)
from safewell.pupils import services
from safewell.pupils.models import DualRegistration, Pupil, RegistrationGroup
from safewell.pupils.timetable_import import TimetableFile, timetable_import
from safewell.schools.models import Organisation, PlacingSchool, Site


def load(*, today: date) -> None:
    for plan in demo_plan().organisations:
        organisation = Organisation.objects.get(name=plan.name)
        pupils = demo_roster(plan, today)
        groups = registration_groups_load(plan)
        for pupil in pupils:
            pupil_load(organisation, plan, pupil, groups, today)
        timetable_load(organisation, plan, pupils, today)


def demo_roster(plan: OrganisationPlan, today: date) -> list[PupilPlan]:
    """The setting's pupils for the academic year of `today`."""
    first_days = [d for d in first_school_days(plan) if d <= today]
    current = first_days[-1]
    previous = first_days[-2] if len(first_days) > 1 else None
    return roster(plan, first_year=academic_year_start(current), first_day=current,
                  previous_first_day=previous, today=today)


def registration_groups_load(plan: OrganisationPlan) -> dict[tuple[str, str], RegistrationGroup]:
    groups = {}
    for site_plan in plan.sites:
        site = Site.objects.get(code=site_plan.code)
        for group in site_plan.groups:
            found = RegistrationGroup.objects.filter(site=site, name=group.name).first()
            if found is None:
                year = group.year_groups[0] if len(group.year_groups) == 1 else ""
                found = services.registration_group_create(site=site, name=group.name, year_group=year)
            groups[(site.code, group.name)] = found
    return groups


def pupil_load(organisation: Organisation, plan: OrganisationPlan, pupil: PupilPlan,
               groups: dict[tuple[str, str], RegistrationGroup], today: date) -> Pupil:
    found = Pupil.objects.filter(organisation=organisation, upn=pupil.upn).first()
    if found is not None:
        return found
    site = Site.objects.get(code=pupil.site_code)
    created, _ = services.pupil_admit(
        site=site, admission_date=pupil.admission_date, today=today, enrolment=_enrolment(organisation, pupil),
        upn=pupil.upn, legal_forename=pupil.forename, legal_surname=pupil.surname,
        date_of_birth=pupil.date_of_birth, sex=pupil.sex, year_group=pupil.year_group,
        registration_group=groups[(pupil.site_code, pupil.group)],
    )
    for contact in pupil.contacts:
        services.contact_add(
            pupil=created, name=contact.name, relationship=contact.relationship,
            parental_responsibility=contact.parental_responsibility, lives_with=contact.relationship != "father",
            mobile_phone=contact.mobile_phone, email=contact.email,
        )
    for kind in pupil.characteristics:
        services.characteristic_add(
            pupil=created, kind=kind, starts_on=pupil.characteristics_since,
            responsible_local_authority=pupil.responsible_local_authority if kind == "looked_after" else "",
        )
    for professional in pupil.professionals:
        services.professional_contact_add(
            pupil=created, role=professional.role, name=professional.name,
            organisation=professional.organisation, phone=professional.phone, email=professional.email,
            starts_on=pupil.characteristics_since,
        )
    return created


def _enrolment(organisation: Organisation, pupil: PupilPlan) -> dict:
    """An AP pupil placed by a school stays on that school's roll: dual registration, the AP
    the subsidiary school (glossary; statutory.md §5.3). One placed by the LA is on the AP's
    roll only."""
    if not pupil.placing_school:
        return {}
    placing = PlacingSchool.objects.get(organisation=organisation, name=pupil.placing_school)
    enrolment: dict = {"placing_school": placing}
    if placing.kind == "school":
        enrolment.update(dual_registration=DualRegistration.SUBSIDIARY, other_school_name=placing.name)
    return enrolment


# --- The timetable, through the CSV import ----------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def timetable_files(plan: OrganisationPlan, pupils: list[PupilPlan], first_day: date,
                    groups: set[str] | None = None) -> list[TimetableFile]:
    """The setting's timetable as the five CSV files of docs/timetable-import.md (only the
    classes of `groups`, when given: the examples/ files are one group's)."""
    classes = [c for c in timetable(plan) if groups is None or c.group in groups]
    subjects = {c.subject for c in classes}
    members = []
    for cls in classes:
        for pupil in pupils:
            if pupil.group == cls.group and pupil.site_code == cls.site_code:
                members.append([cls.site_code, cls.name, pupil.upn, max(pupil.admission_date, first_day).isoformat(), ""])
    return [
        TimetableFile("timetable-subjects.csv", _csv(["subject", "is_pe", "is_swimming"], [
            [s.name, "yes" if s.is_pe else "no", "yes" if s.is_swimming else "no"]
            for s in plan.subjects if s.name in subjects
        ])),
        TimetableFile("timetable-periods.csv", _csv(["site", "period", "starts_at", "ends_at"], [
            [site.code, name, f"{start:%H:%M}", f"{end:%H:%M}"] for site in plan.sites for name, start, end in site.periods
            if any(c.site_code == site.code for c in classes)
        ])),
        TimetableFile("timetable-classes.csv", _csv(["site", "class", "subject", "teacher", "room"], [
            [c.site_code, c.name, c.subject, c.teacher, c.room] for c in classes
        ])),
        TimetableFile("timetable-lessons.csv", _csv(["site", "class", "weekday", "period", "room"], [
            [c.site_code, c.name, WEEKDAYS[day], period, ""] for c in classes for day, period in c.slots
        ])),
        TimetableFile("timetable-members.csv", _csv(["site", "class", "upn", "starts_on", "ends_on"], members)),
    ]


def timetable_load(organisation: Organisation, plan: OrganisationPlan, pupils: list[PupilPlan], today: date) -> None:
    first_day = [d for d in first_school_days(plan) if d <= today][-1]
    timetable_import(organisation=organisation, files=timetable_files(plan, pupils, first_day))
