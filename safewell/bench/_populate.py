"""Make the registers benchmark's school in a fresh database, and describe it as JSON.

Run as `python -m safewell.bench._populate …` with the environment pointing at the
benchmark's own database (DATABASE_URL, or SAFEWELL_DATA_DIR for SQLite): it migrates,
then makes one school (one organisation, one site, a year of term dates through the
calendar's CSV import), registration groups of exactly `--pupils-per-group` pupils on roll
all year, and one teacher per client with a membership of the site and a known password.

Rows are bulk-inserted (one transaction each kind), not made through the per-record
services: the benchmark measures register submissions, not its own set-up, and a
throwaway database needs no audit trail of how it was filled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

TEACHER_PASSWORD = "bench-register-Passw0rd!"  # a throwaway database on loopback
SITE_CODE = "bench"
PROFILE_GROUP = "Profile form"  # safewell.bench._profile's
PROFILE_TEACHER = "bench-profiler"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teachers", type=int, required=True)
    parser.add_argument("--groups-per-teacher", type=int, required=True)
    parser.add_argument("--pupils-per-group", type=int, default=30)
    parser.add_argument("--year", type=int, required=True, help="first calendar year of the academic year")
    parser.add_argument("--last-day", type=dt.date.fromisoformat, required=True,
                        help="the last day whose registers may be submitted")
    arguments = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safewell.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    described = populate(
        teachers=arguments.teachers,
        groups_per_teacher=arguments.groups_per_teacher,
        pupils_per_group=arguments.pupils_per_group,
        first_year=arguments.year,
        last_day=arguments.last_day,
    )
    json.dump(described, sys.stdout)


def populate(*, teachers: int, groups_per_teacher: int, pupils_per_group: int, first_year: int, last_day: dt.date) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from safewell.accounts.models import Membership, Role, User
    from safewell.attendance.management.commands.generate import (
        FIRST_NAMES_BOYS,
        FIRST_NAMES_GIRLS,
        SURNAMES,
        term_dates,
    )
    from safewell.pupils import upn
    from safewell.pupils.models import Enrolment, Pupil, RegistrationGroup
    from safewell.schools.calendar import SchoolCalendar
    from safewell.schools.models import AcademicYear, Organisation, OrganisationKind, Site
    from safewell.schools.services import term_dates_import_csv

    organisation = Organisation.objects.create(
        name="Benchmark Academy", kind=OrganisationKind.SCHOOL,
        local_authority_code="935", local_authority_name="Suffolk",
    )
    site = Site.objects.create(organisation=organisation, name="Benchmark Academy", code=SITE_CODE)
    csv_lines = ["kind,name,starts_on,ends_on,site,sessions,reason,part"]
    csv_lines += [f"term,{name},{start},{end},,,," for name, start, end in term_dates(first_year)]
    term_dates_import_csv(organisation=organisation, file="\n".join(csv_lines) + "\n")
    year = AcademicYear.objects.get(organisation=organisation)
    calendar = SchoolCalendar.for_academic_year(site, year)
    sessions = [
        (day.isoformat(), session)
        for day in _days(year.starts_on, min(year.ends_on, last_day))
        for session in ("AM", "PM")
        if session in calendar.scheduled_sessions(day)
    ]
    group_count = teachers * groups_per_teacher
    with transaction.atomic():
        # One more group and teacher for `_profile`, which the clients never touch.
        groups = RegistrationGroup.objects.bulk_create(
            [RegistrationGroup(site=site, name=f"Form {i + 1}", year_group="7") for i in range(group_count)]
            + [RegistrationGroup(site=site, name=PROFILE_GROUP, year_group="7")]
        )
        pupils = []
        for g, group in enumerate(groups):
            for k in range(pupils_per_group):
                serial = g * pupils_per_group + k
                girl = serial % 2 == 0
                names = FIRST_NAMES_GIRLS if girl else FIRST_NAMES_BOYS
                pupils.append(
                    Pupil(
                        organisation=organisation, site=site, registration_group=group,
                        upn=upn.make("935", "4999", serial // 1000, serial % 1000),
                        legal_forename=names[serial % len(names)],
                        legal_surname=SURNAMES[(serial * 7) % len(SURNAMES)],
                        date_of_birth=dt.date(first_year - 12, 1 + serial % 12, 1 + serial % 28),
                        sex="F" if girl else "M", year_group="7",
                    )
                )
        pupils = Pupil.objects.bulk_create(pupils, batch_size=2000)
        Enrolment.objects.bulk_create(
            [Enrolment(pupil=p, organisation=organisation, site=site, admission_date=year.starts_on) for p in pupils],
            batch_size=2000,
        )
        password_hash = make_password(TEACHER_PASSWORD)  # hashed once: the same for every teacher
        users = User.objects.bulk_create(
            [
                User(username=f"bench-teacher-{i + 1}", email=f"bench-teacher-{i + 1}@example.org",
                     first_name="Bench", last_name=f"Teacher {i + 1}", password=password_hash)
                for i in range(teachers)
            ]
            + [User(username=PROFILE_TEACHER, email="bench-profiler@example.org", password=password_hash)]
        )
        Membership.objects.bulk_create([Membership(user=u, site=site, role=Role.TEACHER) for u in users])
    if connection.vendor == "postgresql":
        # Production PostgreSQL has planner statistics (autovacuum); a freshly bulk-loaded
        # database gets them only a minute or so later. SQLite is measured as deployed:
        # nothing runs ANALYZE there (docs/benchmarks.md, "Found on the way").
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    groups, users = groups[:-1], users[:-1]  # the profile's own are not the clients'
    pupils_by_group: dict[int, list[int]] = {g.id: [] for g in groups}
    for pupil in pupils:
        if pupil.registration_group_id in pupils_by_group:
            pupils_by_group[pupil.registration_group_id].append(pupil.id)
    return {
        "site_code": site.code,
        "academic_year": year.name,
        "password": TEACHER_PASSWORD,
        "pupils_by_group": pupils_by_group,
        "teachers": [
            {"username": u.username, "group_ids": [g.id for g in groups[i * groups_per_teacher:(i + 1) * groups_per_teacher]]}
            for i, u in enumerate(users)
        ],
        "sessions": sessions,
    }


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


if __name__ == "__main__":
    main()
