"""Demo data of the pupils app: each demo setting's registration groups, pupils (with their
contacts, enrolments, characteristics and professionals) and weekly timetable.

The roster comes from `core/demo_data/plan.py` (fictional, drawn from a fixed seed; the
story pupils of demo.yaml among them). Pupils are written in bulk (see `pupils_load`); the
timetable goes through the real CSV import (pupils/timetable_import.py). Idempotent: a
pupil is looked up by UPN, a group by its name, and the timetable import updates records by
their natural keys.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.db import transaction

from safewell.accounts.models import User
from safewell.audit.services import audit_bulk
from safewell.demo.demo_data.plan import (
    OrganisationPlan,
    PupilPlan,
    academic_year_start,
    demo_plan,
    first_school_days,
    roster,
    timetable,
)
from safewell.pupils import phones, services
from safewell.pupils import upn as upns
from safewell.pupils.models import (
    Characteristic,
    Contact,
    DualRegistration,
    Enrolment,
    ProfessionalContact,
    Pupil,
    RegistrationGroup,
)
from safewell.pupils.timetable_import import TimetableFile, timetable_import
from safewell.schools.models import Organisation, PlacingSchool, Site


def load(*, today: date) -> None:
    for plan in demo_plan().organisations:
        organisation = Organisation.objects.get(name=plan.name)
        pupils = demo_roster(plan, today)
        groups = registration_groups_load(plan)
        pupils_load(organisation, pupils, groups)
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
                tutor = User.objects.get(username=group.tutor)
                found = services.registration_group_create(
                    site=site, name=group.name, year_group=year, tutor=tutor
                )
            groups[(site.code, group.name)] = found
    return groups


def pupils_load(organisation: Organisation, pupils: list[PupilPlan],
                groups: dict[tuple[str, str], RegistrationGroup]) -> list[Pupil]:
    """The roster's pupils not yet stored (looked up by UPN), with their enrolments,
    contacts, characteristics and professionals.

    Written in bulk, like `safewell generate`: through the services it took 18 s on a busy
    PostgreSQL (35 queries a pupil, most of them audit appends), in bulk well under one.
    Every row is still checked first (`clean_fields`: choices, lengths, e-mails; UPNs by
    their check letter; phones to E.164), the database constraints hold the invariants, and
    each batch is audited with `audit_bulk` in the same transaction.
    """
    stored = set(Pupil.objects.filter(organisation=organisation).values_list("upn", flat=True))
    missing = [p for p in pupils if p.upn not in stored]
    if not missing:
        return []
    sites = {site.code: site for site in Site.objects.filter(organisation=organisation)}
    placing = {p.name: p for p in PlacingSchool.objects.filter(organisation=organisation)}
    with transaction.atomic():
        made = _bulk(Pupil, [_pupil_row(organisation, sites, groups, p) for p in missing])
        related: dict[type, list] = {Enrolment: [], Contact: [], Characteristic: [], ProfessionalContact: []}
        for row, plan in zip(made, missing):
            related[Enrolment].append(_enrolment_row(row, plan, placing))
            related[Contact] += _contact_rows(row, plan)
            related[Characteristic] += [
                Characteristic(pupil=row, kind=kind, starts_on=plan.characteristics_since,
                               responsible_local_authority=plan.responsible_local_authority if kind == "looked_after" else "")
                for kind in plan.characteristics
            ]
            related[ProfessionalContact] += [
                ProfessionalContact(pupil=row, role=p.role, name=p.name, organisation=p.organisation,
                                    phone=phones.to_e164(p.phone), email=p.email, starts_on=plan.characteristics_since)
                for p in plan.professionals
            ]
        for model, rows in related.items():
            _bulk(model, rows)
    return made


def _bulk(model, rows: list) -> list:
    for row in rows:
        row.clean_fields()
    made = model.objects.bulk_create(rows)
    audit_bulk(action="create", targets=made, detail="demo data")
    return made


def _pupil_row(organisation: Organisation, sites: dict[str, Site], groups, plan: PupilPlan) -> Pupil:
    return Pupil(
        organisation=organisation, site=sites[plan.site_code], registration_group=groups[(plan.site_code, plan.group)],
        upn=upns.validate(plan.upn), legal_forename=plan.forename, legal_surname=plan.surname,
        date_of_birth=plan.date_of_birth, sex=plan.sex, year_group=plan.year_group,
        **dict(zip(("home_address", "postcode"), demo_address(plan, sites[plan.site_code]), strict=True)),
    )


# Invented streets for the demo's invented towns. The postcodes use the area "ZX", which the
# Royal Mail does not use, so no demo address is anyone's real one.
_STREETS = ("Heathcote Road", "Linnet Close", "Saltings Way", "Pightle Lane", "Rookery Drive", "Withy Bank",
            "Millers Row", "Fenland Crescent", "Coldharbour Street", "Beacon Walk", "Sedge Meadow", "Ferry Lane")
_TOWNS = {"brackenwell": ("Brackenwell", "ZX4"), "lodefield-marsh-drove": ("Lodefield", "ZX7"),
          "lodefield-tithe-barn": ("Lodefield", "ZX7")}


def demo_address(plan: PupilPlan, site: Site, *, salt: int = 0) -> tuple[str, str]:
    """(address lines, postcode), the same every load (from the UPN's digits). A looked-after
    child in a children's home lives at the home."""
    town, district = _TOWNS.get(site.code, ("Brackenwell", "ZX4"))
    if any(c.relationship == "residential_key_worker" for c in plan.contacts):
        return (f"{plan.contacts[0].name}\n4 Fen Lane\n{town}", f"{district} 9FL")
    number = int("".join(ch for ch in plan.upn if ch.isdigit())[-6:]) + salt * 7919
    street = _STREETS[number % len(_STREETS)]
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{district} {number % 9 + 1}{letters[number % 20]}{letters[(number // 20) % 20]}"
    return f"{number % 97 + 1} {street}\n{town}", postcode


def _enrolment_row(pupil: Pupil, plan: PupilPlan, placing: dict[str, PlacingSchool]) -> Enrolment:
    return Enrolment(pupil=pupil, organisation_id=pupil.organisation_id, site=pupil.site,
                     admission_date=plan.admission_date, **_enrolment(placing, plan))


def _contact_rows(pupil: Pupil, plan: PupilPlan) -> list[Contact]:
    """Contacts who live with the pupil share the pupil's address (theirs is left blank); a
    father who lives apart has his own."""
    rows = []
    for priority, c in enumerate(plan.contacts, start=1):
        lives_with = c.relationship != "father"
        address, postcode = ("", "") if lives_with else demo_address(plan, pupil.site, salt=priority)
        rows.append(Contact(pupil=pupil, name=c.name, relationship=c.relationship, priority=priority,
                            parental_responsibility=c.parental_responsibility, lives_with=lives_with,
                            mobile_phone=phones.to_e164(c.mobile_phone), email=c.email, address=address,
                            postcode=postcode))
    return rows


def _enrolment(placing_schools: dict[str, PlacingSchool], pupil: PupilPlan) -> dict:
    """An AP pupil placed by a school stays on that school's roll: dual registration, the AP
    the subsidiary school (glossary; statutory.md §5.3). One placed by the LA is on the AP's
    roll only."""
    if not pupil.placing_school:
        return {}
    placing = placing_schools[pupil.placing_school]
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
