"""The school the engine tests use: the personas' organisation with the Testbridge calendar
(tests/schools/conftest.py: 2026/27 with October half term, INSET days, South's snow week…),
a registration group at North and one at South, and helpers that write marks the real way
(attendance.store.mark_write) and run the engine."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from dataclasses import dataclass

import pytest

from safewell.attendance.store import MarkInput, mark_write
from safewell.policy.rule_ids import RULE_IDS
from safewell.pupils import services, upn
from safewell.pupils.models import Pupil, RegistrationGroup
from safewell.schools.calendar import SchoolCalendar
from safewell.schools.services import term_dates_import_csv
from tests.conftest import Personas
from tests.schools.conftest import TESTBRIDGE_TERM_DATES

D = dt.date
_serials = itertools.count(1)
YEAR_START = D(2026, 9, 1)


@dataclass
class EngineSchool:
    personas: Personas
    north_group: RegistrationGroup
    south_group: RegistrationGroup

    @property
    def organisation(self):
        return self.personas.organisation

    @property
    def north(self):
        return self.personas.north

    @property
    def south(self):
        return self.personas.south

    def calendar(self, site=None) -> SchoolCalendar:
        return SchoolCalendar.for_site(site or self.north)

    def admit(self, forename: str, *, site=None, admitted: dt.date = YEAR_START) -> Pupil:
        site = site or self.north
        group = self.north_group if site == self.north else self.south_group
        pupil, _ = services.pupil_admit(
            site=site, admission_date=admitted, today=D(2026, 9, 1),
            upn=upn.make("935", "4005", 26, next(_serials)), legal_forename=forename, legal_surname="Enginetest",
            date_of_birth=D(2014, 3, 9), sex="F", year_group="7", registration_group=group,
        )
        return pupil

    def school_days(self, start: dt.date, end: dt.date, site=None) -> list[dt.date]:
        return self.calendar(site).school_days_between(start, end)

    def mark(self, pupil: Pupil, marks: dict[tuple[dt.date, str], str]) -> None:
        mark_write(marks=[MarkInput(pupil.pk, d, s, c) for (d, s), c in sorted(marks.items())], audit=False)

    def mark_days(self, pupil: Pupil, days, code: str, sessions=("AM", "PM")) -> None:
        self.mark(pupil, {(d, s): code for d in days for s in sessions})

    def present(self, pupil: Pupil, start: dt.date, end: dt.date, site=None) -> None:
        calendar = self.calendar(site or pupil.site)
        self.mark(pupil, {(d, s): ("/" if s == "AM" else "\\") for d in calendar.school_days_between(start, end)
                          for s in calendar.sessions(d)})


@pytest.fixture
def school(personas: Personas) -> EngineSchool:
    term_dates_import_csv(organisation=personas.organisation, file=TESTBRIDGE_TERM_DATES)
    north_group = services.registration_group_create(site=personas.north, name="7E", year_group="7")
    south_group = services.registration_group_create(site=personas.south, name="9E", year_group="9")
    return EngineSchool(personas, north_group, south_group)


def by_rule(candidates, rule_id: str, pupil=None) -> list:
    """The candidates of one rule (and pupil). Every candidate looked through is checked to
    be what `alerts_sync` stores: JSON evidence, and a rule id and severity it knows (the
    engine makes its candidates without the constructor's JSON check: AlertCandidate.of_rule)."""
    for candidate in candidates:
        json.dumps(candidate.evidence, allow_nan=False)
        assert candidate.rule_id in RULE_IDS and candidate.severity in ("low", "medium", "high", "urgent")
    return [c for c in candidates if c.rule_id == rule_id and (pupil is None or c.pupil_id == pupil.pk)]


@pytest.fixture
def seed_004(school) -> EngineSchool:
    """The school running the profile modelled on seed 004 (every pattern on)."""
    from safewell.policy.profile_services import policy_profile_install
    from safewell.policy.profiles import shipped_profile_text

    policy_profile_install(organisation=school.organisation, yaml_text=shipped_profile_text("seed-004-special"), actor=None)
    return school
