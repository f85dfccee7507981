from tests.followup.followup_school import school  # noqa: F401 - the fixture
