"""The register page tests' school and clock (tests/register_pages/register_pages_school.py)."""

from tests.register_pages.register_pages_school import clock, school  # noqa: F401  (the fixtures)
