"""Creating pupils: impossible dates of birth, bad and duplicate UPNs are refused, whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.pupils import services
from safewell.pupils.models import Enrolment, Pupil
from safewell.schools.models import Organisation, OrganisationKind, Site
from tests.pupils.pupil_factory import make_pupil

TODAY = dt.date(2026, 11, 2)


def pupil_fields(**overrides) -> dict:
    fields = dict(
        upn="Q935400126007", legal_forename="Bea", legal_surname="Example",
        date_of_birth=dt.date(2014, 3, 3), sex="F", year_group="7", today=TODAY,
    )
    return fields | overrides


def refusal(callable_, **kwargs) -> dict:
    with pytest.raises(ValidationError) as refused:
        callable_(**kwargs)
    return refused.value.message_dict


def test_it_creates_a_pupil_with_a_valid_upn(personas):
    pupil = services.pupil_create(site=personas.north, **pupil_fields(upn=" q935 4001 26007"))
    pupil.refresh_from_db()
    assert pupil.upn == "Q935400126007"
    assert pupil.organisation == personas.organisation


def test_it_refuses_a_date_of_birth_in_the_future(personas):
    errors = refusal(services.pupil_create, site=personas.north,
                     **pupil_fields(date_of_birth=dt.date(2026, 11, 3)))
    assert errors["date_of_birth"] == ["The date of birth 3 November 2026 is in the future."]
    assert not Pupil.objects.exists()


def test_it_refuses_a_child_under_two(personas):
    errors = refusal(services.pupil_create, site=personas.north,
                     **pupil_fields(date_of_birth=dt.date(2025, 1, 1)))
    assert "pupils are at least 2" in errors["date_of_birth"][0]


@pytest.mark.parametrize(
    ("born", "admitted", "age"),
    [(dt.date(2000, 9, 1), dt.date(2026, 9, 1), 26), (dt.date(2025, 1, 1), dt.date(2026, 9, 1), 1)],
)
def test_it_refuses_an_age_outside_2_to_25_at_admission(personas, born, admitted, age):
    # Recorded in 2027 (when the younger child is 2) for an admission back in 2026.
    errors = refusal(services.pupil_admit, site=personas.north, admission_date=admitted,
                     **pupil_fields(date_of_birth=born, today=dt.date(2027, 9, 1)))
    assert errors["date_of_birth"] == [services.AGE_AT_ADMISSION_OUT_OF_RANGE.format(dob=born, age=age, on=admitted)]
    assert not Pupil.objects.exists() and not Enrolment.objects.exists()


def test_it_admits_a_25_year_old(personas):
    pupil, enrolment = services.pupil_admit(
        site=personas.north, admission_date=dt.date(2026, 9, 1),
        **pupil_fields(date_of_birth=dt.date(2001, 9, 1), year_group="14"),
    )
    assert enrolment.pupil == pupil


def test_it_refuses_a_bad_upn_with_its_reason(personas):
    errors = refusal(services.pupil_create, site=personas.north, **pupil_fields(upn="B935400126007"))
    assert errors["upn"] == ["“B935400126007” is not a valid UPN: its check letter should be Q, not B. "
                             "Check the number was copied correctly."]


def test_it_refuses_a_duplicate_upn_in_the_same_organisation(personas):
    make_pupil(personas.south, upn="Q935400126007")
    errors = refusal(services.pupil_create, site=personas.north, **pupil_fields())
    assert errors["upn"] == ["UPN Q935400126007 already belongs to another pupil at Testbridge Academy."]
    assert Pupil.objects.count() == 1


def test_the_same_upn_may_exist_in_another_organisation(personas):
    make_pupil(personas.north, upn="Q935400126007")
    other = Organisation.objects.create(name="Elsewhere AP", kind=OrganisationKind.ALTERNATIVE_PROVISION)
    site = Site.objects.create(organisation=other, name="Elsewhere", code="elsewhere")
    services.pupil_create(site=site, **pupil_fields())
    assert Pupil.objects.filter(upn="Q935400126007").count() == 2


def test_it_reports_every_problem_at_once(personas):
    errors = refusal(services.pupil_create, site=personas.north, **pupil_fields(
        upn="X", legal_forename=" ", sex="Q", year_group="15", date_of_birth=dt.date(2030, 1, 1),
    ))
    assert set(errors) == {"upn", "legal_forename", "sex", "year_group", "date_of_birth"}


def test_it_refuses_a_registration_group_at_another_site(personas):
    group = services.registration_group_create(site=personas.south, name="7S", year_group="7")
    errors = refusal(services.pupil_create, site=personas.north, **pupil_fields(registration_group=group))
    assert errors["registration_group"] == ["Registration group 7S is at South site, not at North site."]


def test_the_database_refuses_a_duplicate_upn_whatever_writes_it(personas):
    from django.db import IntegrityError, transaction

    pupil = make_pupil(personas.north)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pupil.objects.create(
            organisation=personas.organisation, site=personas.south, upn=pupil.upn,
            legal_forename="X", legal_surname="Y", date_of_birth=dt.date(2014, 1, 1), sex="M", year_group="7",
        )
