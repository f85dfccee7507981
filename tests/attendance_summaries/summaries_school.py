"""A small school for the summary tests: the personas' organisation with 2025/26 term dates
(the same, hand-checked, as tests/attendance_store), pupils admitted through the real
services and marks written through `mark_write`.

2025/26: Autumn 1 is Wed 3 Sep – Fri 24 Oct 2025 with an INSET day on Wed 3 Sep; October
half term is Mon 27 – Fri 31 Oct. The weeks the tables use are full school weeks:
  WEEK_1  Mon 8 – Fri 12 Sep 2025  (10 sessions)
  WEEK_2  Mon 15 – Fri 19 Sep 2025 (10 sessions)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from safewell.attendance.store import MarkInput, mark_write
from safewell.pupils import services, upn
from safewell.pupils.models import Pupil
from safewell.schools.models import Site

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

WEEK_1 = tuple(dt.date(2025, 9, d) for d in (8, 9, 10, 11, 12))
WEEK_2 = tuple(dt.date(2025, 9, d) for d in (15, 16, 17, 18, 19))
HALF_TERM = tuple(dt.date(2025, 10, d) for d in (27, 28, 29, 30, 31))
# "Today" for the tables: long after the weeks they mark.
LATER = dt.date(2026, 7, 31)
# In the tables, "." is present: "/" in the morning, "\" in the afternoon; None is no mark.
PRESENT = "."
_serials = itertools.count(1)


def admit(site: Site, forename: str, *, admitted: dt.date = dt.date(2025, 9, 1), year_group: str = "7",
          enrolment: dict | None = None, **fields) -> Pupil:
    pupil, _ = services.pupil_admit(
        site=site, admission_date=admitted, today=LATER,
        upn=upn.make("935", "4003", 25, next(_serials)),
        legal_forename=forename, legal_surname=fields.pop("surname", "Summary"),
        date_of_birth=dt.date(2013, 5, 14), sex="F", year_group=year_group,
        enrolment=enrolment, **fields,
    )
    return pupil


def sessions_of(days: Sequence[dt.date]) -> list[tuple[dt.date, str]]:
    return [(day, session) for day in days for session in ("AM", "PM")]


def write_marks(pupil: Pupil, codes: Sequence[str | None], days: Sequence[dt.date] = WEEK_1) -> None:
    """Write `codes` to the sessions of `days` in order (AM, PM, AM, PM…)."""
    marks = []
    for (day, session), code in zip(sessions_of(days), codes, strict=False):
        if code is None:
            continue
        if code == PRESENT:
            code = "/" if session == "AM" else "\\"
        marks.append(MarkInput(pupil.id, day, session, code, 7 if code in ("L", "U") else None))
    mark_write(marks=marks)
