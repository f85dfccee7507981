"""Writes to pupils and the people around them. Each service validates everything first,
reports every problem at once (a ValidationError keyed by field), and writes all-or-nothing.

Used by the pupil pages, the demo loader and the population generator. "Today" is always
passed in, never read here.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from safewell.accounts.models import User
from safewell.pupils import age, phones, upn as upns
from safewell.pupils.deletion_grounds import DeletionGroundChoice
from safewell.pupils.models import (
    Characteristic,
    CharacteristicKind,
    Contact,
    DualRegistration,
    Enrolment,
    ProfessionalContact,
    ProfessionalRole,
    Pupil,
    RegistrationGroup,
    Relationship,
    Sex,
    YearGroup,
)
from safewell.schools.models import PlacingSchool, Site

MIN_AGE_AT_ADMISSION = 2
MAX_AGE_AT_ADMISSION = 25

DOB_IN_FUTURE = "The date of birth {dob:%-d %B %Y} is in the future."
DOB_TOO_YOUNG = "A pupil born on {dob:%-d %B %Y} would be {age} on {on:%-d %B %Y}: pupils are at least 2."
AGE_AT_ADMISSION_OUT_OF_RANGE = (
    "A pupil born on {dob:%-d %B %Y} would be {age} on admission ({on:%-d %B %Y}): "
    "pupils are admitted aged 2 to 25. Check the date of birth and the admission date."
)
DUPLICATE_UPN = "UPN {upn} already belongs to another pupil at {organisation}."
NOT_A_CHOICE = "“{value}” is not one of the choices."
REQUIRED = "This field is required."
GROUP_AT_ANOTHER_SITE = "Registration group {group} is at {group_site}, not at {site}."
DUPLICATE_GROUP = "{site} already has a registration group called {name}."
DO_NOT_CONTACT_NEEDS_REASON = "Say why this person must not be contacted."
DUPLICATE_PRIORITY = "{pupil} already has a contact with priority {priority}."
BAD_EMAIL = "“{email}” is not an email address."
LEAVES_BEFORE_ADMISSION = "The leaving date {leaving:%-d %B %Y} is before the admission date {admission:%-d %B %Y}."
DELETION_GROUND_NEEDS_LEAVING_DATE = "A deletion ground is recorded only with a leaving date."
LEAVING_DATE_NEEDS_DELETION_GROUND = "Give the ground for deletion (reg 9, 2024 Regulations)."
SITE_OF_ANOTHER_ORGANISATION = "{site} belongs to {site_org}, not to {pupil_org}, the pupil's organisation."
DUAL_REGISTRATION_NEEDS_OTHER_SCHOOL = "Name the other school this pupil is registered at."
PLACING_SCHOOL_OF_ANOTHER_ORGANISATION = "{placing} places pupils with {owner}, not with {organisation}."
ENROLMENTS_OVERLAP = "{pupil} is already on roll at {organisation} from {start:%-d %B %Y}{until}."
ENDS_BEFORE_START = "The end date {ends:%-d %B %Y} is before the start date {starts:%-d %B %Y}."
LOOKED_AFTER_NEEDS_LA = "Name the local authority responsible for this looked-after child."
ALREADY_LEFT = "This enrolment already ended on {leaving:%-d %B %Y}."


def _check_choice(errors: dict, field: str, value: str, choices: list[str], *, blank: bool = False) -> None:
    if blank and value == "":
        return
    if value not in choices:
        errors.setdefault(field, []).append(NOT_A_CHOICE.format(value=value))


def _check_required(errors: dict, **values: str) -> None:
    for field, value in values.items():
        if not (value or "").strip():
            errors.setdefault(field, []).append(REQUIRED)


def _phone(errors: dict, field: str, value: str) -> str:
    try:
        return phones.to_e164(value)
    except phones.InvalidPhone as error:
        errors.setdefault(field, []).append(str(error))
        return value


def _email(errors: dict, field: str, value: str) -> str:
    value = (value or "").strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            errors.setdefault(field, []).append(BAD_EMAIL.format(email=value))
    return value


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def registration_group_create(
    *, site: Site, name: str, year_group: str = "", tutor: User | None = None
) -> RegistrationGroup:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    _check_required(errors, name=name)
    _check_choice(errors, "year_group", year_group, YearGroup.values, blank=True)
    if name and RegistrationGroup.objects.filter(site=site, name=name).exists():
        errors.setdefault("name", []).append(DUPLICATE_GROUP.format(site=site, name=name))
    _raise_if(errors)
    return RegistrationGroup.objects.create(site=site, name=name, year_group=year_group, tutor=tutor)


def _check_date_of_birth(errors: dict, date_of_birth: dt.date, today: dt.date) -> None:
    if date_of_birth > today:
        errors.setdefault("date_of_birth", []).append(DOB_IN_FUTURE.format(dob=date_of_birth))
        return
    years = age.age_on(date_of_birth, today)
    if years < MIN_AGE_AT_ADMISSION:
        errors.setdefault("date_of_birth", []).append(
            DOB_TOO_YOUNG.format(dob=date_of_birth, age=years, on=today)
        )


def _check_age_at_admission(errors: dict, date_of_birth: dt.date, admission_date: dt.date) -> None:
    years = age.age_on(date_of_birth, admission_date)
    if not MIN_AGE_AT_ADMISSION <= years <= MAX_AGE_AT_ADMISSION:
        errors.setdefault("date_of_birth", []).append(
            AGE_AT_ADMISSION_OUT_OF_RANGE.format(dob=date_of_birth, age=years, on=admission_date)
        )


def _validated_upn(errors: dict, upn: str, organisation_id: int, organisation: object) -> str:
    try:
        upn = upns.validate(upn)
    except upns.InvalidUPN as error:
        errors.setdefault("upn", []).append(str(error))
        return upn
    if Pupil.objects.filter(organisation_id=organisation_id, upn=upn).exists():
        errors.setdefault("upn", []).append(DUPLICATE_UPN.format(upn=upn, organisation=organisation))
    return upn


def pupil_create(
    *,
    site: Site,
    upn: str,
    legal_forename: str,
    legal_surname: str,
    date_of_birth: dt.date,
    sex: str,
    year_group: str,
    today: dt.date,
    legal_middle_names: str = "",
    preferred_forename: str = "",
    preferred_surname: str = "",
    registration_group: RegistrationGroup | None = None,
    home_address: str = "",
    postcode: str = "",
) -> Pupil:
    """A pupil of `site`'s organisation. Refuses a bad or duplicate UPN and an impossible
    date of birth (in the future, or under 2 on `today`)."""
    errors: dict[str, list[str]] = {}
    pupil = _pupil_validated(
        errors, site=site, upn=upn, legal_forename=legal_forename, legal_surname=legal_surname,
        date_of_birth=date_of_birth, sex=sex, year_group=year_group, today=today,
        legal_middle_names=legal_middle_names, preferred_forename=preferred_forename,
        preferred_surname=preferred_surname, registration_group=registration_group,
        home_address=home_address, postcode=postcode,
    )
    _raise_if(errors)
    with transaction.atomic():
        return _save_pupil(pupil)


def _pupil_validated(errors: dict, *, site: Site, upn: str, today: dt.date, **fields) -> Pupil:
    _check_required(errors, legal_forename=fields["legal_forename"], legal_surname=fields["legal_surname"])
    _check_choice(errors, "sex", fields["sex"], Sex.values)
    _check_choice(errors, "year_group", fields["year_group"], YearGroup.values)
    _check_date_of_birth(errors, fields["date_of_birth"], today)
    group = fields["registration_group"]
    if group is not None and group.site_id != site.pk:
        errors.setdefault("registration_group", []).append(
            GROUP_AT_ANOTHER_SITE.format(group=group, group_site=group.site, site=site)
        )
    upn = _validated_upn(errors, upn, site.organisation_id, site.organisation)
    text_fields = ("legal_forename", "legal_surname", "legal_middle_names", "preferred_forename", "preferred_surname")
    for name in text_fields:
        fields[name] = (fields[name] or "").strip()
    fields["home_address"] = _address(fields.get("home_address", ""))
    fields["postcode"] = _postcode(fields.get("postcode", ""))
    return Pupil(organisation_id=site.organisation_id, site=site, upn=upn, **fields)


def _address(text: str) -> str:
    """An address as its lines, trimmed, without empty lines."""
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


def _postcode(text: str) -> str:
    """A postcode in capitals with one space before the last three characters."""
    squeezed = "".join((text or "").split()).upper()
    return f"{squeezed[:-3]} {squeezed[-3:]}" if len(squeezed) > 3 else squeezed


def _save_pupil(pupil: Pupil) -> Pupil:
    try:
        with transaction.atomic():  # a savepoint, so a lost race leaves the outer one usable
            pupil.save()
    except IntegrityError:
        # Another request created the same UPN between our check and our insert.
        if Pupil.objects.filter(organisation_id=pupil.organisation_id, upn=pupil.upn).exists():
            raise ValidationError(
                {"upn": [DUPLICATE_UPN.format(upn=pupil.upn, organisation=pupil.site.organisation)]}
            ) from None
        raise
    return pupil


def contact_add(
    *,
    pupil: Pupil,
    name: str,
    relationship: str,
    priority: int | None = None,
    parental_responsibility: bool = False,
    lives_with: bool = False,
    mobile_phone: str = "",
    home_phone: str = "",
    work_phone: str = "",
    email: str = "",
    preferred_language: str = "",
    do_not_contact: bool = False,
    do_not_contact_reason: str = "",
    address: str = "",
    postcode: str = "",
) -> Contact:
    """A contact for `pupil`; `priority` defaults to after the existing ones. Phones are
    stored in E.164."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    _check_required(errors, name=name)
    _check_choice(errors, "relationship", relationship, Relationship.values)
    phones_e164 = {
        field: _phone(errors, field, value)
        for field, value in (("mobile_phone", mobile_phone), ("home_phone", home_phone), ("work_phone", work_phone))
    }
    email = _email(errors, "email", email)
    do_not_contact_reason = (do_not_contact_reason or "").strip()
    if do_not_contact and not do_not_contact_reason:
        errors.setdefault("do_not_contact_reason", []).append(DO_NOT_CONTACT_NEEDS_REASON)
    with transaction.atomic():
        existing = pupil.contacts.values_list("priority", flat=True)
        if priority is None:
            priority = max(existing, default=0) + 1
        elif priority in existing:
            errors.setdefault("priority", []).append(DUPLICATE_PRIORITY.format(pupil=pupil, priority=priority))
        _raise_if(errors)
        return Contact.objects.create(
            pupil=pupil, name=name, relationship=relationship, priority=priority,
            parental_responsibility=parental_responsibility, lives_with=lives_with,
            email=email, preferred_language=(preferred_language or "").strip(),
            do_not_contact=do_not_contact, do_not_contact_reason=do_not_contact_reason,
            address=_address(address), postcode=_postcode(postcode), **phones_e164,
        )


def _overlapping(pupil: Pupil, organisation_id: int, start: dt.date, end: dt.date | None,
                 exclude_id: int | None = None) -> Enrolment | None:
    """An enrolment of `pupil` at the organisation whose dates meet [start, end]."""
    enrolments = Enrolment.objects.filter(pupil=pupil, organisation_id=organisation_id)
    if exclude_id is not None:
        enrolments = enrolments.exclude(pk=exclude_id)
    if end is not None:
        enrolments = enrolments.filter(admission_date__lte=end)
    return enrolments.exclude(leaving_date__lt=start).order_by("admission_date").first()


def enrolment_create(
    *,
    pupil: Pupil,
    site: Site,
    admission_date: dt.date,
    leaving_date: dt.date | None = None,
    deletion_ground: str = "",
    destination: str = "",
    dual_registration: str = "",
    other_school_name: str = "",
    other_school_urn: str = "",
    placing_school: PlacingSchool | None = None,
    placing_contact_name: str = "",
    placing_contact_email: str = "",
    placing_contact_phone: str = "",
) -> Enrolment:
    """Put `pupil` on the admission register of `site` from `admission_date`."""
    errors: dict[str, list[str]] = {}
    _check_enrolment(
        errors, pupil=pupil, site=site, admission_date=admission_date, leaving_date=leaving_date,
        deletion_ground=deletion_ground, dual_registration=dual_registration,
        other_school_name=other_school_name, placing_school=placing_school,
    )
    placing_contact_email = _email(errors, "placing_contact_email", placing_contact_email)
    placing_contact_phone = _phone(errors, "placing_contact_phone", placing_contact_phone)
    with transaction.atomic():
        clash = _overlapping(pupil, site.organisation_id, admission_date, leaving_date)
        if clash is not None:
            until = f" to {clash.leaving_date:%-d %B %Y}" if clash.leaving_date else ""
            errors.setdefault("admission_date", []).append(ENROLMENTS_OVERLAP.format(
                pupil=pupil, organisation=site.organisation, start=clash.admission_date, until=until
            ))
        _raise_if(errors)
        return Enrolment.objects.create(
            pupil=pupil, organisation_id=site.organisation_id, site=site,
            admission_date=admission_date, leaving_date=leaving_date,
            deletion_ground=deletion_ground, destination=(destination or "").strip(),
            dual_registration=dual_registration, other_school_name=(other_school_name or "").strip(),
            other_school_urn=(other_school_urn or "").strip(), placing_school=placing_school,
            placing_contact_name=(placing_contact_name or "").strip(),
            placing_contact_email=placing_contact_email, placing_contact_phone=placing_contact_phone,
        )


def _check_enrolment(errors: dict, *, pupil: Pupil, site: Site, admission_date: dt.date,
                     leaving_date: dt.date | None, deletion_ground: str, dual_registration: str,
                     other_school_name: str, placing_school: PlacingSchool | None) -> None:
    if site.organisation_id != pupil.organisation_id:
        errors.setdefault("site", []).append(SITE_OF_ANOTHER_ORGANISATION.format(
            site=site, site_org=site.organisation, pupil_org=pupil.organisation
        ))
    _check_age_at_admission(errors, pupil.date_of_birth, admission_date)
    _check_leaving(errors, admission_date, leaving_date, deletion_ground)
    _check_choice(errors, "dual_registration", dual_registration, DualRegistration.values, blank=True)
    if dual_registration and not (other_school_name or "").strip():
        errors.setdefault("other_school_name", []).append(DUAL_REGISTRATION_NEEDS_OTHER_SCHOOL)
    if placing_school is not None and placing_school.organisation_id != site.organisation_id:
        errors.setdefault("placing_school", []).append(PLACING_SCHOOL_OF_ANOTHER_ORGANISATION.format(
            placing=placing_school, owner=placing_school.organisation, organisation=site.organisation
        ))


def _check_leaving(errors: dict, admission_date: dt.date, leaving_date: dt.date | None,
                   deletion_ground: str) -> None:
    _check_choice(errors, "deletion_ground", deletion_ground, DeletionGroundChoice.values, blank=True)
    if leaving_date is None:
        if deletion_ground:
            errors.setdefault("deletion_ground", []).append(DELETION_GROUND_NEEDS_LEAVING_DATE)
        return
    if leaving_date < admission_date:
        errors.setdefault("leaving_date", []).append(
            LEAVES_BEFORE_ADMISSION.format(leaving=leaving_date, admission=admission_date)
        )
    if not deletion_ground:
        errors.setdefault("deletion_ground", []).append(LEAVING_DATE_NEEDS_DELETION_GROUND)


def enrolment_end(*, enrolment: Enrolment, leaving_date: dt.date, deletion_ground: str,
                  destination: str = "") -> Enrolment:
    """Take the pupil off the admission register on `leaving_date`, on a reg 9 ground."""
    errors: dict[str, list[str]] = {}
    if enrolment.leaving_date is not None:
        errors.setdefault("leaving_date", []).append(ALREADY_LEFT.format(leaving=enrolment.leaving_date))
    _check_leaving(errors, enrolment.admission_date, leaving_date, deletion_ground)
    _raise_if(errors)
    with transaction.atomic():
        enrolment.leaving_date = leaving_date
        enrolment.deletion_ground = deletion_ground
        enrolment.destination = (destination or "").strip()
        enrolment.save(update_fields=["leaving_date", "deletion_ground", "destination"])
    return enrolment


def pupil_admit(*, site: Site, admission_date: dt.date, today: dt.date,
                enrolment: dict | None = None, **pupil_fields) -> tuple[Pupil, Enrolment]:
    """Create the pupil and their enrolment together, or neither. `enrolment` holds the
    optional keyword arguments of `enrolment_create` (dual registration, placing school…)."""
    errors: dict[str, list[str]] = {}
    pupil_fields.setdefault("legal_middle_names", "")
    pupil_fields.setdefault("preferred_forename", "")
    pupil_fields.setdefault("preferred_surname", "")
    pupil_fields.setdefault("registration_group", None)
    pupil = _pupil_validated(errors, site=site, today=today, **pupil_fields)
    if "date_of_birth" not in errors:
        _check_age_at_admission(errors, pupil.date_of_birth, admission_date)
    _raise_if(errors)
    with transaction.atomic():
        _save_pupil(pupil)
        return pupil, enrolment_create(pupil=pupil, site=site, admission_date=admission_date, **(enrolment or {}))


def _check_dates(errors: dict, starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        errors.setdefault("ends_on", []).append(ENDS_BEFORE_START.format(ends=ends_on, starts=starts_on))


def characteristic_add(
    *,
    pupil: Pupil,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    responsible_local_authority: str = "",
    notes: str = "",
) -> Characteristic:
    """Record that `kind` applies to `pupil` from `starts_on` (to `ends_on`, inclusive)."""
    errors: dict[str, list[str]] = {}
    _check_choice(errors, "kind", kind, CharacteristicKind.values)
    _check_dates(errors, starts_on, ends_on)
    responsible_local_authority = (responsible_local_authority or "").strip()
    if kind == CharacteristicKind.LOOKED_AFTER and not responsible_local_authority:
        errors.setdefault("responsible_local_authority", []).append(LOOKED_AFTER_NEEDS_LA)
    _raise_if(errors)
    return Characteristic.objects.create(
        pupil=pupil, kind=kind, starts_on=starts_on, ends_on=ends_on,
        responsible_local_authority=responsible_local_authority, notes=(notes or "").strip(),
    )


def characteristic_end(*, characteristic: Characteristic, ends_on: dt.date) -> Characteristic:
    errors: dict[str, list[str]] = {}
    _check_dates(errors, characteristic.starts_on, ends_on)
    _raise_if(errors)
    characteristic.ends_on = ends_on
    characteristic.save(update_fields=["ends_on"])
    return characteristic


def professional_contact_add(
    *,
    pupil: Pupil,
    role: str,
    name: str,
    organisation: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    phone: str = "",
    email: str = "",
) -> ProfessionalContact:
    """A professional working with `pupil`: the allocated social worker, the virtual
    school, a youth justice worker… Phone stored in E.164."""
    errors: dict[str, list[str]] = {}
    name, organisation = (name or "").strip(), (organisation or "").strip()
    _check_required(errors, name=name, organisation=organisation)
    _check_choice(errors, "role", role, ProfessionalRole.values)
    _check_dates(errors, starts_on, ends_on)
    phone = _phone(errors, "phone", phone)
    email = _email(errors, "email", email)
    _raise_if(errors)
    return ProfessionalContact.objects.create(
        pupil=pupil, role=role, name=name, organisation=organisation, phone=phone,
        email=email, starts_on=starts_on, ends_on=ends_on,
    )
