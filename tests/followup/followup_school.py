"""A small school for the first-day calling tests, made through the real services.

The personas' organisation with 2026/27 term dates (Autumn 2 from Mon 2 Nov 2026); form 7A at
North, registers 08:45–09:15 (AM) and 13:15–13:45 (PM), London time (the defaults):
- Ada: on a child protection plan, with a social worker (email on record);
- Bea and Cal: sister and brother, one mother with one mobile number;
- Dan: no flags; his father must not be contacted, his mother may;
- Eli: 18, in Year 13; her own number, and her mother's;
- Fay: present every day (never on a list).
TUESDAY is Tue 10 Nov 2026; MONDAY the school day before it.
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
from safewell.schools.services import term_dates_import_csv
from tests.conftest import Personas

LONDON = ZoneInfo("Europe/London")
TERM_DATES = """\
kind,name,starts_on,ends_on,site,sessions,reason,part
term,Autumn 1,2026-09-01,2026-10-23,,,,
term,Autumn 2,2026-11-02,2026-12-18,,,,
"""
MONDAY = dt.date(2026, 11, 9)
TUESDAY = dt.date(2026, 11, 10)
_serials = itertools.count(1)


def london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@dataclass
class FollowupSchool:
    personas: Personas
    group: RegistrationGroup
    ada: Pupil
    bea: Pupil
    cal: Pupil
    dan: Pupil
    eli: Pupil
    fay: Pupil

    @property
    def north(self):
        return self.personas.north

    @property
    def pupils(self) -> list[Pupil]:
        return [self.ada, self.bea, self.cal, self.dan, self.eli, self.fay]

    def take_register(self, day: dt.date, session: str, codes: dict[Pupil, str], *, at: dt.datetime | None = None) -> None:
        """The teacher takes 7A's register; pupils not named are present."""
        present = "/" if session == "AM" else "\\"
        marks = [MarkInput(p.pk, codes.get(p, present)) for p in self.pupils]
        register_submit(
            site=self.north, registration_group=self.group, date=day, session=session, marks=marks,
            idempotency_key=str(uuid.uuid4()), base_version=_version(self.group, day, session),
            actor=self.personas.teacher, now=at or (london(day, 8, 50) if session == "AM" else london(day, 13, 20)),
        )

    def contact(self, pupil: Pupil, relationship: str = "mother"):
        return pupil.contacts.get(relationship=relationship)


def _version(group, day, session) -> int:
    from safewell.attendance.models import SessionRegister

    register = SessionRegister.objects.filter(registration_group=group, date=day, session=session).first()
    return register.version if register else 0


def admit(personas: Personas, group, forename: str, *, born: dt.date = dt.date(2014, 3, 9), year: str = "7") -> Pupil:
    pupil, _ = services.pupil_admit(
        site=personas.north, admission_date=dt.date(2026, 9, 1), today=dt.date(2026, 9, 1),
        upn=upn.make("935", "4007", 26, next(_serials)), legal_forename=forename, legal_surname="Calltest",
        date_of_birth=born, sex="F", year_group=year, registration_group=group,
    )
    return pupil


@pytest.fixture
def school(personas: Personas) -> FollowupSchool:
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES)
    group = services.registration_group_create(site=personas.north, name="7A", year_group="7")
    ada, bea, cal, dan, fay = (admit(personas, group, name) for name in ("Ada", "Bea", "Cal", "Dan", "Fay"))
    eli = admit(personas, group, "Eli", born=dt.date(2008, 3, 1), year="13")
    services.characteristic_add(pupil=ada, kind="child_protection_plan", starts_on=dt.date(2026, 6, 1))
    services.professional_contact_add(pupil=ada, role="social_worker", name="Sam Worker", organisation="Suffolk CSC",
                                      starts_on=dt.date(2026, 6, 1), email="sam.worker@example.org")
    services.contact_add(pupil=ada, name="Alma Calltest", relationship="mother", parental_responsibility=True,
                         lives_with=True, mobile_phone="07700 900101")
    for child in (bea, cal):
        services.contact_add(pupil=child, name="Bryony Calltest", relationship="mother", parental_responsibility=True,
                             lives_with=True, mobile_phone="07700 900102", email="bryony@example.org")
    services.contact_add(pupil=dan, name="Dev Calltest", relationship="father", parental_responsibility=True,
                         mobile_phone="07700 900103", do_not_contact=True, do_not_contact_reason="Court order")
    services.contact_add(pupil=dan, name="Dina Calltest", relationship="mother", parental_responsibility=True,
                         lives_with=True, mobile_phone="07700 900104")
    services.contact_add(pupil=eli, name="Eli Calltest", relationship="self", mobile_phone="07700 900105")
    services.contact_add(pupil=eli, name="Erin Calltest", relationship="mother", parental_responsibility=True,
                         mobile_phone="07700 900106")
    services.contact_add(pupil=fay, name="Flo Calltest", relationship="mother", parental_responsibility=True,
                         mobile_phone="07700 900107")
    return FollowupSchool(personas, group, ada, bea, cal, dan, eli, fay)
