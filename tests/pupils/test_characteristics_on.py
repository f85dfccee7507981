"""Characteristics and professionals are dated: what applied on a given day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.pupils import services
from safewell.pupils.selectors import (
    characteristic_kinds_by_pupil,
    characteristic_kinds_on,
    characteristics_on,
    professionals_on,
)
from tests.pupils.pupil_factory import make_pupil


@pytest.fixture
def pupil(personas):
    pupil = make_pupil(personas.north)
    services.characteristic_add(pupil=pupil, kind="child_in_need", starts_on=dt.date(2026, 1, 5),
                                ends_on=dt.date(2026, 6, 30))
    services.characteristic_add(pupil=pupil, kind="child_protection_plan", starts_on=dt.date(2026, 7, 1))
    services.characteristic_add(pupil=pupil, kind="free_school_meals", starts_on=dt.date(2024, 9, 1))
    return pupil


@pytest.mark.parametrize(
    ("day", "kinds"),
    [
        (dt.date(2025, 12, 31), {"free_school_meals"}),
        (dt.date(2026, 1, 5), {"free_school_meals", "child_in_need"}),  # first day counts
        (dt.date(2026, 6, 30), {"free_school_meals", "child_in_need"}),  # last day counts
        (dt.date(2026, 7, 1), {"free_school_meals", "child_protection_plan"}),
    ],
)
def test_characteristics_on_a_day_are_those_whose_dates_include_it(pupil, day, kinds):
    assert characteristic_kinds_on(pupil, day) == kinds
    assert {c.kind for c in characteristics_on(pupil, day)} == kinds


def test_kinds_for_many_pupils_come_from_one_query(personas, pupil, django_assert_num_queries):
    other = make_pupil(personas.south)
    with django_assert_num_queries(1):
        kinds = characteristic_kinds_by_pupil([pupil.pk, other.pk], dt.date(2026, 7, 1))
    assert kinds == {pupil.pk: frozenset({"free_school_meals", "child_protection_plan"})}


def test_a_looked_after_child_names_the_responsible_la(personas):
    pupil = make_pupil(personas.north)
    with pytest.raises(ValidationError) as refused:
        services.characteristic_add(pupil=pupil, kind="looked_after", starts_on=dt.date(2026, 1, 1))
    assert refused.value.message_dict["responsible_local_authority"] == [services.LOOKED_AFTER_NEEDS_LA]
    looked_after = services.characteristic_add(
        pupil=pupil, kind="looked_after", starts_on=dt.date(2026, 1, 1), responsible_local_authority="Suffolk"
    )
    assert looked_after.applies_on(dt.date(2026, 11, 2))


def test_a_characteristic_cannot_end_before_it_starts(personas):
    pupil = make_pupil(personas.north)
    with pytest.raises(ValidationError) as refused:
        services.characteristic_add(pupil=pupil, kind="young_carer", starts_on=dt.date(2026, 3, 1),
                                    ends_on=dt.date(2026, 2, 28))
    assert "before the start date" in refused.value.message_dict["ends_on"][0]


def test_the_allocated_social_worker_on_a_day(personas):
    pupil = make_pupil(personas.north)
    services.professional_contact_add(
        pupil=pupil, role="social_worker", name="Former Worker", organisation="Suffolk, Ipswich team",
        starts_on=dt.date(2025, 9, 1), ends_on=dt.date(2026, 3, 31),
    )
    current = services.professional_contact_add(
        pupil=pupil, role="social_worker", name="Robin Caseworker", organisation="Suffolk, Ipswich team",
        phone="07700 900321", email="robin.caseworker@example.org", starts_on=dt.date(2026, 4, 1),
    )
    assert professionals_on(pupil, dt.date(2026, 11, 2), role="social_worker") == [current]
    assert current.phone == "+447700900321"
