"""A small school for the register page tests, and a clock the server reads.

The personas' organisation with 2026/27 term dates; at North, form 7A (five pupils on roll
from 1 Sep 2026) and 8B (two pupils); at South, 9S (one pupil). Hand-checked against a
paper calendar:
  Autumn 1  Tue 1 Sep – Fri 23 Oct 2026 (INSET Tue 1 Sep); Thu 10 Sep 2026 is a school day.
  Sat 12 Sep 2026 is a weekend day: no sessions.
North's registers open 08:45–09:15 (AM) and 13:15–13:45 (PM), London time (the defaults).

The pages read the clock through django.utils.timezone.now (they inject "now" into the
services from there), so `clock` moves that one function: it starts at a chosen instant
and runs on in real time, so the live server and the browser see time pass normally.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

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
"""
DAY = dt.date(2026, 9, 10)  # a Thursday in term
SATURDAY = dt.date(2026, 9, 12)
_serials = itertools.count(1)


def london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


WHILE_OPEN = london(DAY, 8, 50)  # the AM register opened at 08:45 and closes at 09:15
AFTER_CLOSE = london(DAY, 10, 0)


class Clock:
    """timezone.now() from `start`, moving on in real time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.set(WHILE_OPEN)

    def set(self, moment: dt.datetime) -> None:
        started, real = moment, time.monotonic()
        self._monkeypatch.setattr(
            timezone, "now", lambda: (started + dt.timedelta(seconds=time.monotonic() - real)).astimezone(dt.UTC)
        )


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def admit(site: Site, group: RegistrationGroup | None, forename: str, surname: str) -> Pupil:
    pupil, _ = services.pupil_admit(
        site=site, admission_date=dt.date(2026, 9, 1), today=dt.date(2026, 9, 1),
        upn=upn.make("935", "4005", 26, next(_serials)), legal_forename=forename, legal_surname=surname,
        date_of_birth=dt.date(2014, 3, 9), sex="F", year_group="7", registration_group=group,
    )
    return pupil


@dataclass
class School:
    personas: Personas
    form_7a: RegistrationGroup
    form_8b: RegistrationGroup
    form_9s: RegistrationGroup  # at South
    pupils: list[Pupil]  # 7A, in register order (by surname)
    south_pupil: Pupil

    @property
    def north(self) -> Site:
        return self.personas.north

    def register_url(self, group: RegistrationGroup | None = None, day: dt.date = DAY, session: str = "AM") -> str:
        return f"/attendance/registers/{(group or self.form_7a).pk}/{day.isoformat()}/{session}/"


# Fictional names, in alphabetical order of surname (the register's order).
FORM_7A = [("Ada", "Ashdown"), ("Bea", "Birchley"), ("Cal", "Copperfold"), ("Dev", "Dunmere"), ("Eli", "Elmstead")]


@pytest.fixture
def school(personas: Personas) -> School:
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2026_27)
    form_7a = services.registration_group_create(site=personas.north, name="7A", year_group="7")
    form_8b = services.registration_group_create(site=personas.north, name="8B", year_group="8")
    form_9s = services.registration_group_create(site=personas.south, name="9S", year_group="9")
    pupils = [admit(personas.north, form_7a, forename, surname) for forename, surname in FORM_7A]
    admit(personas.north, form_8b, "Fay", "Fernhill")
    admit(personas.north, form_8b, "Gus", "Greywell")
    return School(personas, form_7a, form_8b, form_9s, pupils, admit(personas.south, form_9s, "Hal", "Hollins"))
