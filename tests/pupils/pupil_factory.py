"""Fictional pupils for tests, made through the real services."""

from __future__ import annotations

import datetime as dt
import itertools

from safewell.pupils import services, upn
from safewell.pupils.models import Pupil
from safewell.schools.models import Site

TODAY = dt.date(2026, 11, 2)
_serials = itertools.count(1)


def make_pupil(site: Site, *, forename: str = "Ada", surname: str = "Testperson",
               date_of_birth: dt.date = dt.date(2013, 5, 14), year_group: str = "8",
               **fields) -> Pupil:
    """A pupil with a fresh valid UPN (LA 935, establishment 4001), on roll since 1 Sep 2026."""
    pupil, _ = services.pupil_admit(
        site=site, admission_date=dt.date(2026, 9, 1), today=TODAY,
        upn=fields.pop("upn", None) or upn.make("935", "4001", 26, next(_serials)),
        legal_forename=forename, legal_surname=surname, date_of_birth=date_of_birth,
        sex=fields.pop("sex", "F"), year_group=year_group, **fields,
    )
    return pupil
