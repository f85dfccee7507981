"""Contacts (UK phones stored in E.164, emails, do-not-contact reasons) and enrolments
(leaving after admission, reg 9 grounds, dual registration, placing schools)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from safewell.pupils import services
from safewell.pupils.models import Contact, Enrolment
from safewell.schools.models import Organisation, OrganisationKind, PlacingSchool
from tests.pupils.pupil_factory import make_pupil


def refusal(callable_, **kwargs) -> dict:
    with pytest.raises(ValidationError) as refused:
        callable_(**kwargs)
    return refused.value.message_dict


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("0044 7700-900123", "+447700900123"),
        ("(01632) 960123", "+441632960123"),
        ("020 7946 0000", "+442079460000"),
    ],
)
def test_it_stores_a_uk_phone_number_in_e164(personas, typed, stored):
    pupil = make_pupil(personas.north)
    contact = services.contact_add(pupil=pupil, name="Pat Example", relationship="mother", mobile_phone=typed)
    contact.refresh_from_db()
    assert contact.mobile_phone == stored


@pytest.mark.parametrize("typed", ["12345", "07700 9001", "+33 1 23 45 67 89", "077009001234", "phone me"])
def test_it_refuses_a_phone_number_that_is_not_uk(personas, typed):
    pupil = make_pupil(personas.north)
    errors = refusal(services.contact_add, pupil=pupil, name="Pat Example", relationship="mother", home_phone=typed)
    assert "is not a UK telephone number" in errors["home_phone"][0]
    assert not Contact.objects.exists()


def test_it_refuses_an_email_that_is_not_an_address(personas):
    pupil = make_pupil(personas.north)
    errors = refusal(services.contact_add, pupil=pupil, name="Pat", relationship="father", email="pat@")
    assert errors["email"] == ["“pat@” is not an email address."]


def test_do_not_contact_needs_a_reason(personas):
    pupil = make_pupil(personas.north)
    errors = refusal(services.contact_add, pupil=pupil, name="Sam", relationship="father", do_not_contact=True)
    assert errors["do_not_contact_reason"] == [services.DO_NOT_CONTACT_NEEDS_REASON]
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(pupil=pupil, name="Sam", relationship="father", priority=1, do_not_contact=True)


def test_contacts_come_in_priority_order(personas):
    pupil = make_pupil(personas.north)
    services.contact_add(pupil=pupil, name="Second", relationship="grandparent", priority=2)
    services.contact_add(pupil=pupil, name="First", relationship="mother", priority=1)
    services.contact_add(pupil=pupil, name="Third", relationship="other_relative")
    assert [c.name for c in pupil.contacts.all()] == ["First", "Second", "Third"]
    errors = refusal(services.contact_add, pupil=pupil, name="Clash", relationship="carer", priority=1)
    assert "priority 1" in errors["priority"][0]


def test_it_refuses_a_leaving_date_before_the_admission_date(personas):
    pupil = make_pupil(personas.north)
    errors = refusal(
        services.enrolment_create, pupil=pupil, site=personas.south, admission_date=dt.date(2025, 9, 1),
        leaving_date=dt.date(2025, 8, 31), deletion_ground="registered_at_another_school",
    )
    assert errors["leaving_date"] == ["The leaving date 31 August 2025 is before the admission date 1 September 2025."]
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            pupil=pupil, organisation=personas.organisation, site=personas.south,
            admission_date=dt.date(2025, 9, 1), leaving_date=dt.date(2025, 8, 31),
            deletion_ground="registered_at_another_school",
        )


def test_a_leaving_date_needs_a_reg_9_ground(personas):
    pupil = make_pupil(personas.north)
    enrolment = pupil.enrolments.get()
    errors = refusal(services.enrolment_end, enrolment=enrolment, leaving_date=dt.date(2026, 10, 1), deletion_ground="")
    assert errors["deletion_ground"] == [services.LEAVING_DATE_NEEDS_DELETION_GROUND]
    errors = refusal(services.enrolment_end, enrolment=enrolment, leaving_date=dt.date(2026, 10, 1),
                     deletion_ground="went_abroad")
    assert errors["deletion_ground"] == ["“went_abroad” is not one of the choices."]


def test_ending_an_enrolment_records_the_ground_and_destination(personas):
    pupil = make_pupil(personas.north)
    services.enrolment_end(
        enrolment=pupil.enrolments.get(), leaving_date=dt.date(2026, 10, 23),
        deletion_ground="home_education", destination="Elective home education",
    )
    enrolment = pupil.enrolments.get()
    assert enrolment.leaving_date == dt.date(2026, 10, 23)
    assert enrolment.get_deletion_ground_display().startswith("reg 9(1)(f): Parent has told the school in writing")
    assert not enrolment.is_on_roll(dt.date(2026, 10, 26))


def test_enrolments_at_one_organisation_may_not_overlap(personas):
    pupil = make_pupil(personas.north)  # on roll from 1 Sep 2026
    errors = refusal(services.enrolment_create, pupil=pupil, site=personas.south, admission_date=dt.date(2026, 10, 1))
    assert "already on roll at Testbridge Academy from 1 September 2026" in errors["admission_date"][0]


def test_dual_registration_names_the_other_school(personas):
    pupil = make_pupil(personas.north)
    services.enrolment_end(enrolment=pupil.enrolments.get(), leaving_date=dt.date(2026, 9, 30),
                           deletion_ground="registered_at_another_school")
    errors = refusal(services.enrolment_create, pupil=pupil, site=personas.north,
                     admission_date=dt.date(2026, 10, 1), dual_registration="subsidiary")
    assert errors["other_school_name"] == [services.DUAL_REGISTRATION_NEEDS_OTHER_SCHOOL]
    enrolment = services.enrolment_create(
        pupil=pupil, site=personas.north, admission_date=dt.date(2026, 10, 1),
        dual_registration="subsidiary", other_school_name="Harbour High School", other_school_urn="100001",
    )
    assert enrolment.dual_registration == "subsidiary"


def test_an_ap_enrolment_names_its_placing_school_and_daily_attendance_contact(personas):
    ap = Organisation.objects.create(name="Riverside AP", kind=OrganisationKind.ALTERNATIVE_PROVISION)
    site = ap.sites.create(name="Riverside", code="riverside")
    placing = PlacingSchool.objects.create(
        organisation=ap, name="Harbour High School", kind="school", urn="100001",
        attendance_contact_name="Attendance office", attendance_contact_email="attendance@example.org",
    )
    pupil = make_pupil(site)
    services.enrolment_end(enrolment=pupil.enrolments.get(), leaving_date=dt.date(2026, 9, 30),
                           deletion_ground="registered_at_another_school")
    enrolment = services.enrolment_create(
        pupil=pupil, site=site, admission_date=dt.date(2026, 10, 1), placing_school=placing,
        dual_registration="subsidiary", other_school_name="Harbour High School",
    )
    assert enrolment.daily_attendance_contact == ("Attendance office", "attendance@example.org", "")
    # A named person at the placing school takes precedence over its usual contact.
    other, override = services.pupil_admit(
        site=site, admission_date=dt.date(2026, 10, 1), today=dt.date(2026, 11, 2),
        upn="B801200005001", legal_forename="Cal", legal_surname="Example",
        date_of_birth=dt.date(2012, 2, 2), sex="M", year_group="9",
        enrolment=dict(placing_school=placing, placing_contact_name="Head of Year 9",
                       placing_contact_email="hoy9@example.org", placing_contact_phone="07700 900456"),
    )
    assert override.daily_attendance_contact == ("Head of Year 9", "hoy9@example.org", "+447700900456")


def test_a_placing_school_must_serve_the_pupils_organisation(personas):
    ap = Organisation.objects.create(name="Riverside AP", kind=OrganisationKind.ALTERNATIVE_PROVISION)
    placing = PlacingSchool.objects.create(organisation=ap, name="Harbour High School", kind="school")
    pupil = make_pupil(personas.north)
    services.enrolment_end(enrolment=pupil.enrolments.get(), leaving_date=dt.date(2026, 9, 30),
                           deletion_ground="registered_at_another_school")
    errors = refusal(services.enrolment_create, pupil=pupil, site=personas.north,
                     admission_date=dt.date(2026, 10, 1), placing_school=placing)
    assert errors["placing_school"] == ["Harbour High School places pupils with Riverside AP, not with Testbridge Academy."]
