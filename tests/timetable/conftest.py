"""A small timetable for the Testbridge personas: imported through the real CSV import.

North: periods P1 (09:15) and P2 (10:30) in the morning, P3 (13:45) in the afternoon.
Classes: 8X/Ma (Maths, the teacher), 8X/PE (PE, the teacher), 8X/Sw (swimming, no teacher).
Lessons: Monday P1 Maths, Monday P3 PE, Tuesday P2 swimming (pool), Friday P1 Maths.
Members: Ada and Ben in every class from 1 Sep 2026; Cy in Maths until 20 Nov 2026.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from safewell.pupils.models import Pupil
from safewell.pupils.timetable_import import TimetableFile, timetable_import
from safewell.schools.services import term_dates_import_csv
from tests.conftest import Personas
from tests.pupils.pupil_factory import make_pupil
from tests.schools.conftest import TESTBRIDGE_TERM_DATES

SUBJECTS = "subject,is_pe,is_swimming\nMaths,no,no\nPE,yes,no\nSwimming,yes,yes\n"
PERIODS = "site,period,starts_at,ends_at\nnorth,P1,09:15,10:15\nnorth,P2,10:30,11:30\nnorth,P3,13:45,14:45\n"
CLASSES = (
    "site,class,subject,teacher,room\n"
    "north,8X/Ma,Maths,teacher,M1\n"
    "north,8X/PE,PE,teacher,Sports hall\n"
    "north,8X/Sw,Swimming,,\n"
)
LESSONS = (
    "site,class,weekday,period,room\n"
    "north,8X/Ma,Monday,P1,\n"
    "north,8X/PE,Mon,P3,\n"
    "north,8X/Sw,2,P2,Town pool\n"
    "north,8X/Ma,Friday,P1,M2\n"
)


@dataclass
class Timetabled:
    personas: Personas
    ada: Pupil
    ben: Pupil
    cy: Pupil


def members_csv(*pupils_and_rows: str) -> str:
    return "site,class,upn,starts_on,ends_on\n" + "".join(f"{row}\n" for row in pupils_and_rows)


@pytest.fixture
def pupils(personas: Personas) -> tuple[Pupil, Pupil, Pupil]:
    term_dates_import_csv(organisation=personas.organisation, file=TESTBRIDGE_TERM_DATES)
    return (
        make_pupil(personas.north, forename="Ada", surname="Quillfeather"),
        make_pupil(personas.north, forename="Ben", surname="Quillfeather"),
        make_pupil(personas.north, forename="Cy", surname="Ormesby"),
    )


@pytest.fixture
def timetabled(personas: Personas, pupils) -> Timetabled:
    ada, ben, cy = pupils
    members = members_csv(
        *(f"north,{c},{p.upn},2026-09-01," for p in (ada, ben) for c in ("8X/Ma", "8X/PE", "8X/Sw")),
        f"north,8X/Ma,{cy.upn},2026-09-01,2026-11-20",
    )
    timetable_import(organisation=personas.organisation, files=[
        TimetableFile("subjects.csv", SUBJECTS.encode()), TimetableFile("periods.csv", PERIODS.encode()),
        TimetableFile("classes.csv", CLASSES.encode()), TimetableFile("lessons.csv", LESSONS.encode()),
        TimetableFile("members.csv", members.encode()),
    ])
    return Timetabled(personas, ada, ben, cy)


MONDAY = dt.date(2026, 11, 9)
