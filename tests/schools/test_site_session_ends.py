"""Each site records when its sessions end (U runs only until then, reg 10 2024 Regulations
[S], statutory.md §9): by default the morning ends when the afternoon register opens and the
afternoon at 15:30; a session never ends before its register closes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from safewell.schools.models import (
    AM_SESSION_ENDS_AFTER_PM_REGISTER,
    SESSION_ENDS_BEFORE_REGISTER_CLOSES,
    Organisation,
    OrganisationKind,
    Site,
)
from safewell.schools.services import site_session_ends_set

T = dt.time
pytestmark = pytest.mark.django_db


@pytest.fixture
def site() -> Site:
    organisation = Organisation.objects.create(name="Org", kind=OrganisationKind.SCHOOL)
    # Registers 08:45-09:15 and 13:15-13:45 (the defaults).
    return Site.objects.create(organisation=organisation, name="Main", code="main")


def test_by_default_the_morning_ends_when_the_afternoon_register_opens_and_the_afternoon_at_1530(site):
    assert (site.session_ends_at("AM"), site.session_ends_at("PM")) == (T(13, 15), T(15, 30))
    site.pm_register_opens_at, site.pm_register_closes_at = T(12, 45), T(13, 15)
    assert site.session_ends_at("AM") == T(12, 45)


def test_a_site_records_its_own_session_ends(site):
    site_session_ends_set(site=site, am_ends_at=T(12, 0), pm_ends_at=T(15, 0))
    site.refresh_from_db()
    assert (site.session_ends_at("AM"), site.session_ends_at("PM")) == (T(12, 0), T(15, 0))


# am ends, pm ends, field in error, message
REFUSED = [
    (T(9, 15), T(15, 0), "am_session_ends_at", SESSION_ENDS_BEFORE_REGISTER_CLOSES),
    (T(9, 0), T(15, 0), "am_session_ends_at", SESSION_ENDS_BEFORE_REGISTER_CLOSES),
    (T(13, 16), T(15, 0), "am_session_ends_at", AM_SESSION_ENDS_AFTER_PM_REGISTER),
    (None, T(13, 45), "pm_session_ends_at", SESSION_ENDS_BEFORE_REGISTER_CLOSES),
    (None, T(11, 0), "pm_session_ends_at", SESSION_ENDS_BEFORE_REGISTER_CLOSES),
]


@pytest.mark.parametrize(("am_ends", "pm_ends", "field", "message"), REFUSED)
def test_a_session_that_ends_before_its_register_closes_is_refused_and_nothing_saved(site, am_ends, pm_ends, field, message):
    with pytest.raises(ValidationError) as caught:
        site_session_ends_set(site=site, am_ends_at=am_ends, pm_ends_at=pm_ends)

    assert caught.value.message_dict[field] == [message]
    site.refresh_from_db()
    assert (site.am_session_ends_at, site.pm_session_ends_at) == (None, T(15, 30))


@pytest.mark.parametrize(("field", "value"), [
    ("am_session_ends_at", T(9, 10)), ("am_session_ends_at", T(14, 0)), ("pm_session_ends_at", T(13, 30)),
])
def test_the_database_refuses_a_session_ending_outside_its_bounds(site, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.filter(pk=site.pk).update(**{field: value})
