"""The register tests' school (tests/registers/register_school.py)."""

from tests.registers.register_school import school  # noqa: F401  (the fixture)

import pytest


@pytest.fixture(autouse=True)
def fresh_calendars():
    """Each test builds its own calendar: none may come from the process cache."""
    from safewell.attendance.registers import calendar_cache_clear

    calendar_cache_clear()
    yield
    calendar_cache_clear()
