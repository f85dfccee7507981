from __future__ import annotations

import pytest

from safewell.schools.models import AcademicYear
from safewell.schools.services import term_dates_import_csv
from tests.attendance_summaries.summaries_school import TERM_DATES_2025_26


@pytest.fixture
def school(personas):
    """The personas, with 2025/26 term dates for their organisation."""
    term_dates_import_csv(organisation=personas.organisation, file=TERM_DATES_2025_26)
    personas.year = AcademicYear.objects.get(organisation=personas.organisation, name="2025/26")
    return personas
