"""Safeguarding tests: the personas' school with 2026/27 term dates (hand-checked below), a
North pupil and a South pupil.

  Autumn 1  Tue 1 Sep – Fri 23 Oct 2026 (INSET Tue 1 Sep); half term Mon 26 – Fri 30 Oct
  Autumn 2  Mon 2 Nov – Fri 18 Dec 2026 (INSET Mon 2 Nov)
  Spring 1  Tue 5 Jan – Fri 12 Feb 2027
"""

from __future__ import annotations

import pytest

from safewell.schools.services import term_dates_import_csv
from tests.pupils.pupil_factory import make_pupil

TERM_DATES_2026_27 = """\
kind,name,starts_on,ends_on,site,sessions,reason,part
term,Autumn 1,2026-09-01,2026-10-23,,,,
inset_day,INSET day,2026-09-01,,,,Staff training,
term,Autumn 2,2026-11-02,2026-12-18,,,,
inset_day,INSET day,2026-11-02,,,,Staff training,
term,Spring 1,2027-01-05,2027-02-12,,,,
"""


@pytest.fixture
def term_dates(personas):
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2026_27)
    return personas


@pytest.fixture
def north_pupil(personas):
    return make_pupil(personas.north, forename="Nia", surname="Northway")


@pytest.fixture
def south_pupil(personas):
    return make_pupil(personas.south, forename="Sol", surname="Southwood")
