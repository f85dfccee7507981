"""The Testbridge calendar: two academic years of term dates with the closures the tests need.

Hand-checked against a paper calendar. Sites: North and South of the personas.

2026/27 (1 Aug 2026 – 31 Jul 2027; the rows below are the only term dates):
  Autumn 1  Tue 1 Sep – Fri 23 Oct 2026   INSET Tue 1 and Wed 2 Sep
  (October half term Mon 26 – Fri 30 Oct)
  Autumn 2  Mon 2 Nov – Fri 18 Dec 2026   INSET Mon 2 Nov; INSET Fri 18 Dec PM only
  Spring 1  Mon 4 Jan – Fri 12 Feb 2027   INSET Mon 4 Jan
  Spring 2  Mon 22 Feb – Fri 26 Mar 2027  (Fri 26 Mar is Good Friday)
  Summer 1  Mon 12 Apr – Fri 28 May 2027  (Mon 3 May early May bank holiday)
  Summer 2  Mon 7 Jun – Wed 21 Jul 2027   (Mon 31 May late May bank holiday is in half term)
2027/28:
  Autumn 1  Thu 2 Sep – Fri 22 Oct 2027
Site closures:
  South  unexpected (Y4) Mon 18 – Fri 22 Jan 2027 whole days (snow week), and Mon 25 Jan AM
  North  partial (Y3) Wed 3 Feb 2027, Science block
  North  planned (#) Thu 6 May 2027, polling station
"""

from __future__ import annotations

import pytest

from safewell.schools.services import term_dates_import_csv
from tests.conftest import Personas

TESTBRIDGE_TERM_DATES = """\
kind,name,starts_on,ends_on,site,sessions,reason,part
term,Autumn 1,2026-09-01,2026-10-23,,,,
inset_day,INSET day,2026-09-01,2026-09-02,,,Staff training,
term,Autumn 2,2026-11-02,2026-12-18,,,,
inset_day,INSET day,2026-11-02,,,,Staff training,
inset_day,INSET day,2026-12-18,,,PM,Staff training,
term,Spring 1,2027-01-04,2027-02-12,,,,
inset_day,INSET day,2027-01-04,,,,Staff training,
term,Spring 2,2027-02-22,2027-03-26,,,,
term,Summer 1,2027-04-12,2027-05-28,,,,
term,Summer 2,2027-06-07,2027-07-21,,,,
term,Autumn 1,2027-09-02,2027-10-22,,,,
unexpected,Snow,2027-01-18,2027-01-22,south,,Snow: the road to South is closed,
unexpected,Snow,2027-01-25,,south,AM,Snow: opened at lunchtime,
partial,Flood,2027-02-03,,north,,Burst pipe,Science block
planned,Polling station,2027-05-06,,north,,Hall used as a polling station,
"""


@pytest.fixture
def testbridge(personas: Personas) -> Personas:
    """The personas, with the Testbridge term dates stored for their organisation."""
    term_dates_import_csv(organisation=personas.organisation, file=TESTBRIDGE_TERM_DATES)
    return personas
