from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from safewell.schools.models import (
    REGISTER_CLOSES_BEFORE_IT_OPENS,
    REGISTER_OPEN_TOO_LONG,
    Organisation,
    OrganisationKind,
    PlacingSchool,
    PlacingSchoolKind,
    Site,
)
from safewell.schools.services import placing_school_create, site_register_times_set

T = dt.time

# statutory.md §9 [S]: the register should stay open no longer than 30 minutes.
CASES = [
    # am_opens, am_closes, pm_opens, pm_closes, field in error or None, message
    (T(8, 45), T(9, 15), T(13, 15), T(13, 45), None, None),
    (T(8, 45), T(9, 16), T(13, 15), T(13, 45), "am_register_closes_at", REGISTER_OPEN_TOO_LONG),
    (T(8, 45), T(9, 0), T(13, 0), T(13, 31), "pm_register_closes_at", REGISTER_OPEN_TOO_LONG),
    (T(8, 45), T(8, 45), T(13, 15), T(13, 45), "am_register_closes_at", REGISTER_CLOSES_BEFORE_IT_OPENS),
    (T(8, 45), T(8, 30), T(13, 15), T(13, 45), "am_register_closes_at", REGISTER_CLOSES_BEFORE_IT_OPENS),
]


@pytest.mark.django_db
@pytest.mark.parametrize("am_opens,am_closes,pm_opens,pm_closes,field,message", CASES)
def test_it_allows_a_register_open_at_most_30_minutes(
    am_opens, am_closes, pm_opens, pm_closes, field, message
):
    organisation = Organisation.objects.create(name="Org", kind=OrganisationKind.SCHOOL)
    site = Site.objects.create(organisation=organisation, name="Main", code="main")
    if field is None:
        site_register_times_set(
            site=site, am_opens_at=am_opens, am_closes_at=am_closes,
            pm_opens_at=pm_opens, pm_closes_at=pm_closes,
        )
        site.refresh_from_db()
        assert site.register_times("AM") == (am_opens, am_closes)
        assert site.register_times("PM") == (pm_opens, pm_closes)
        return
    with pytest.raises(ValidationError) as excinfo:
        site_register_times_set(
            site=site, am_opens_at=am_opens, am_closes_at=am_closes,
            pm_opens_at=pm_opens, pm_closes_at=pm_closes,
        )
    assert excinfo.value.message_dict[field] == [message]
    site.refresh_from_db()
    assert site.register_times("AM") == (T(8, 45), T(9, 15))


@pytest.mark.django_db
def test_the_database_refuses_a_register_that_closes_before_it_opens():
    organisation = Organisation.objects.create(name="Org", kind=OrganisationKind.SCHOOL)
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(
            organisation=organisation, name="Main", code="main",
            am_register_opens_at=T(9, 0), am_register_closes_at=T(8, 50),
        )


@pytest.mark.django_db
def test_an_ap_records_the_placing_schools_it_serves_with_their_attendance_contact():
    ap = Organisation.objects.create(name="Riverside AP", kind=OrganisationKind.ALTERNATIVE_PROVISION)
    placing_school_create(
        organisation=ap, name="Hill Top High", kind=PlacingSchoolKind.SCHOOL, urn="999001",
        local_authority_code="935", attendance_contact_name="Attendance office",
        attendance_contact_email="attendance@hilltop.example.org",
        attendance_contact_phone="07700 900123",
    )
    placing_school_create(organisation=ap, name="Suffolk County Council", kind=PlacingSchoolKind.LOCAL_AUTHORITY)
    assert list(ap.placing_schools.values_list("name", "kind")) == [
        ("Hill Top High", "school"), ("Suffolk County Council", "local_authority"),
    ]
    with pytest.raises(ValidationError):
        placing_school_create(organisation=ap, name="Hill Top High", kind=PlacingSchoolKind.SCHOOL)
    assert PlacingSchool.objects.count() == 2


@pytest.mark.django_db
def test_a_whole_day_closure_clashes_with_a_morning_one_on_the_same_date():
    from safewell.schools.models import CLOSURE_CLASHES, PARTIAL_CLOSURE_NEEDS_PART, Closure

    organisation = Organisation.objects.create(name="Org", kind=OrganisationKind.SCHOOL)
    site = Site.objects.create(organisation=organisation, name="Main", code="main")
    Closure.objects.create(site=site, date=dt.date(2027, 1, 20), sessions="AM", kind="unexpected")
    whole_day = Closure(site=site, date=dt.date(2027, 1, 20), sessions="both", kind="planned")
    with pytest.raises(ValidationError) as excinfo:
        whole_day.full_clean()
    assert excinfo.value.message_dict["sessions"] == [
        CLOSURE_CLASHES.format(date=dt.date(2027, 1, 20), sessions="whole day")
    ]
    Closure(site=site, date=dt.date(2027, 1, 20), sessions="PM", kind="planned").full_clean()
    with pytest.raises(ValidationError) as excinfo:
        Closure(site=site, date=dt.date(2027, 1, 21), kind="partial").full_clean()
    assert excinfo.value.message_dict["part"] == [PARTIAL_CLOSURE_NEEDS_PART]
