"""The register tests' school (tests/registers/register_school.py)."""

from tests.registers.register_school import school  # noqa: F401  (the fixture)
