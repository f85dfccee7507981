"""Alerts tests: the personas' pupils at North and South."""

from __future__ import annotations

import pytest

from tests.pupils.pupil_factory import make_pupil


@pytest.fixture
def north_pupil(personas):
    return make_pupil(personas.north, forename="Wren", surname="Alertson")


@pytest.fixture
def south_pupil(personas):
    return make_pupil(personas.south, forename="Rowan", surname="Southby")
