"""A small school for the register tests: the personas' organisation with 2026/27 term dates,
form 7A at North (Ada, Bea, Cal on roll from 1 Sep; Eve admitted only on 5 Oct), 9S at South.

2026/27, hand-checked against a paper calendar:
  Autumn 1  Tue 1 Sep – Fri 23 Oct 2026   INSET Tue 1 Sep (pupils start Wed 2 Sep)
  (October half term Mon 26 – Fri 30 Oct; British Summer Time ends Sun 25 Oct 2026)
  Autumn 2  Mon 2 Nov – Fri 18 Dec 2026
  Spring 1  Mon 4 Jan – Fri 12 Feb 2027
North's registers open 08:45–09:15 (AM) and 13:15–13:45 (PM), local time (the defaults).
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from safewell.attendance.registers import MarkInput, register_submit
from safewell.pupils import services, upn
from safewell.pupils.models import Pupil, RegistrationGroup
from safewell.schools.models import Site
from safewell.schools.services import term_dates_import_csv
from tests.conftest import Personas

LONDON = ZoneInfo("Europe/London")
TERM_DATES_2026_27 = """\
kind,name,starts_on,ends_on,site,sessions,reason,part
term,Autumn 1,2026-09-01,2026-10-23,,,,
inset_day,INSET day,2026-09-01,,,,Staff training,
term,Autumn 2,2026-11-02,2026-12-18,,,,
term,Spring 1,2027-01-04,2027-02-12,,,,
"""
# A Thursday in term; the AM register is open from 08:45 to 09:15 BST.
DAY = dt.date(2026, 9, 10)
ADMITTED = dt.date(2026, 9, 1)
_serials = itertools.count(1)


def london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


# 08:50 on DAY: the AM register is open.
WHILE_OPEN = london(DAY, 8, 50)


def admit(site: Site, group: RegistrationGroup | None, forename: str, *, admitted: dt.date = ADMITTED, **enrolment) -> Pupil:
    pupil, _ = services.pupil_admit(
        site=site, admission_date=admitted, today=dt.date(2026, 12, 1),
        upn=upn.make("935", "4003", 26, next(_serials)), legal_forename=forename, legal_surname="Registertest",
        date_of_birth=dt.date(2014, 3, 9), sex="F", year_group="7", registration_group=group,
        enrolment=enrolment or None,
    )
    return pupil


@dataclass
class School:
    personas: Personas
    group: RegistrationGroup  # 7A at North
    south_group: RegistrationGroup  # 9S at South
    ada: Pupil
    bea: Pupil
    cal: Pupil
    eve: Pupil  # in 7A, admitted 5 Oct 2026
    dot: Pupil  # in 9S at South

    @property
    def north(self) -> Site:
        return self.personas.north

    @property
    def pupils(self) -> list[Pupil]:
        return [self.ada, self.bea, self.cal]


@pytest.fixture
def school(personas: Personas) -> School:
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2026_27)
    group = services.registration_group_create(site=personas.north, name="7A", year_group="7")
    south_group = services.registration_group_create(site=personas.south, name="9S", year_group="9")
    return School(
        personas=personas, group=group, south_group=south_group,
        ada=admit(personas.north, group, "Ada"), bea=admit(personas.north, group, "Bea"),
        cal=admit(personas.north, group, "Cal"), eve=admit(personas.north, group, "Eve", admitted=dt.date(2026, 10, 5)),
        dot=admit(personas.south, south_group, "Dot"),
    )


def submit(
    school: School,
    marks: list[tuple[Pupil | int, str] | MarkInput],
    *,
    base: int = 0,
    key: str | None = None,
    now: dt.datetime = WHILE_OPEN,
    date: dt.date = DAY,
    session: str = "AM",
    actor=None,
    reason: str = "",
    group: RegistrationGroup | None = None,
):
    """register_submit on 7A with (pupil, code) pairs, as the teacher unless told."""
    inputs = [
        m if isinstance(m, MarkInput) else MarkInput(m[0] if isinstance(m[0], int) else m[0].pk, m[1])
        for m in marks
    ]
    group = group or school.group
    return register_submit(
        site=group.site, registration_group=group, date=date, session=session, marks=inputs,
        idempotency_key=key or str(uuid.uuid4()), base_version=base, actor=actor or school.personas.teacher,
        now=now, reason=reason,
    )
