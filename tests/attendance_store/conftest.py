"""A small school year for the session-store tests: the personas' organisation with
2025/26 term dates, and a few pupils at North and South.

2025/26 (1 Aug 2025 – 31 Jul 2026), hand-checked:
  Autumn 1  Wed 3 Sep – Fri 24 Oct 2025   INSET Wed 3 Sep (pupils start Thu 4 Sep)
  Autumn 2  Mon 3 Nov – Fri 19 Dec 2025
  Spring 1  Mon 5 Jan – Fri 13 Feb 2026
  Spring 2  Mon 23 Feb – Fri 27 Mar 2026
  Summer 1  Mon 13 Apr – Fri 22 May 2026  (Mon 4 May early May bank holiday)
  Summer 2  Mon 1 Jun – Tue 21 Jul 2026
The session index counts every weekday from Fri 1 Aug 2025: Fri 1 Aug AM is 0, Mon 4 Aug
AM is 2, Thu 4 Sep AM is 2 × 24 = 48.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from safewell.pupils import services, upn
from safewell.pupils.models import Pupil
from safewell.schools.models import AcademicYear, Site
from safewell.schools.services import term_dates_import_csv

TERM_DATES_2025_26 = """\
kind,name,starts_on,ends_on,site,sessions,reason,part
term,Autumn 1,2025-09-03,2025-10-24,,,,
inset_day,INSET day,2025-09-03,,,,Staff training,
term,Autumn 2,2025-11-03,2025-12-19,,,,
term,Spring 1,2026-01-05,2026-02-13,,,,
term,Spring 2,2026-02-23,2026-03-27,,,,
term,Summer 1,2026-04-13,2026-05-22,,,,
term,Summer 2,2026-06-01,2026-07-21,,,,
"""
TODAY = dt.date(2026, 7, 31)
_serials = itertools.count(1)


def admit(site: Site, forename: str, surname: str = "Storetest") -> Pupil:
    pupil, _ = services.pupil_admit(
        site=site,
        admission_date=dt.date(2025, 9, 1),
        today=TODAY,
        upn=upn.make("935", "4002", 25, next(_serials)),
        legal_forename=forename,
        legal_surname=surname,
        date_of_birth=dt.date(2013, 5, 14),
        sex="F",
        year_group="7",
    )
    return pupil


@pytest.fixture
def school_year(personas):
    """(personas, the 2025/26 AcademicYear, [three North pupils], [one South pupil])."""
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2025_26)
    year = AcademicYear.objects.get(organisation=personas.organisation, name="2025/26")
    north = [admit(personas.north, name) for name in ("Ada", "Bea", "Cal")]
    south = [admit(personas.south, "Dot")]
    return personas, year, north, south
