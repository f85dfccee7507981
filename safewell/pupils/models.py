"""Pupils and the people around them: contacts, enrolments, characteristics, professionals.

Writes go through `services.py`, which validates and saves all-or-nothing; the database
constraints below hold the invariants whatever writes the row.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from safewell.pupils import age
from safewell.pupils.deletion_grounds import DeletionGroundChoice


class YearGroup(models.TextChoices):
    """National curriculum year groups as the DfE census records them (N1, N2, R, 1-14)."""

    N1 = "N1", "Nursery 1"
    N2 = "N2", "Nursery 2"
    R = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"
    Y14 = "14", "Year 14"


class Sex(models.TextChoices):
    # The school census records sex as M or F [U, CBDS from memory].
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class RegistrationGroup(models.Model):
    """A form or tutor group: the group a session register is taken for."""

    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="registration_groups")
    name = models.CharField(max_length=60)
    # Blank for a vertical (mixed-year) tutor group.
    year_group = models.CharField(max_length=2, choices=YearGroup.choices, blank=True)
    # Who takes the group's registers: nudged when one is missing, and shown the group first
    # on "My registers". Null while unknown (then whoever took its recent registers); a
    # tutor who leaves is deactivated, not deleted.
    tutor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="tutor_groups"
    )

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="registration_group_name_unique_per_site"),
            models.CheckConstraint(
                condition=Q(year_group__in=[*YearGroup.values, ""]),
                name="registration_group_year_group_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Pupil(models.Model):
    organisation = models.ForeignKey("schools.Organisation", on_delete=models.PROTECT, related_name="pupils")
    # The site the pupil attends now; an enrolment says since when.
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="pupils")
    registration_group = models.ForeignKey(
        RegistrationGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="pupils"
    )
    # Validated with the DfE check letter (pupils/upn.py) by the services.
    upn = models.CharField("UPN", max_length=13)
    legal_forename = models.CharField(max_length=100)
    legal_middle_names = models.CharField(max_length=200, blank=True)
    legal_surname = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    preferred_surname = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    # Where the pupil lives (reg 13(4)(b) 2024 Regulations: the deletion return carries the
    # address [C]; the LA's CME officer asks for it first). One line per line of the address,
    # the postcode apart so it can be matched.
    # `db_default`: rows written in bulk without them (the generator's COPY) are blank.
    home_address = models.TextField(blank=True, default="", db_default="")
    postcode = models.CharField(max_length=8, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_surname", "legal_forename", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "upn"], name="pupil_upn_unique_per_organisation"),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="pupil_sex_valid"),
            models.CheckConstraint(condition=Q(year_group__in=YearGroup.values), name="pupil_year_group_valid"),
        ]
        indexes = [
            models.Index(fields=["site", "legal_surname"], name="pupil_site_surname"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def surname(self) -> str:
        return self.preferred_surname or self.legal_surname

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.surname}"

    def address_lines(self) -> list[str]:
        """The home address as lines, the postcode last; [] when not recorded."""
        return [*self.home_address.splitlines(), *([self.postcode] if self.postcode else [])]

    @property
    def legal_name(self) -> str:
        return " ".join(p for p in (self.legal_forename, self.legal_middle_names, self.legal_surname) if p)

    def is_compulsory_school_age(self, on: dt.date) -> bool:
        return age.compulsory_school_age(self.date_of_birth, on)

    def is_over_18(self, on: dt.date) -> bool:
        return age.is_over_18(self.date_of_birth, on)


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    PARENT = "parent", "Parent"
    STEP_PARENT = "step_parent", "Step-parent"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER_RELATIVE = "other_relative", "Other relative"
    FOSTER_CARER = "foster_carer", "Foster carer"
    CARER = "carer", "Carer"
    RESIDENTIAL_KEY_WORKER = "residential_key_worker", "Residential key worker"
    SELF = "self", "The pupil (18 or over)"
    OTHER = "other", "Other"


class Contact(models.Model):
    """A person to contact about the pupil, in priority order (1 = call first)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=32, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=False)
    lives_with = models.BooleanField("lives with the pupil", default=False)
    priority = models.PositiveSmallIntegerField()
    # E.164 (+44…), normalised by the services (pupils/phones.py).
    mobile_phone = models.CharField(max_length=16, blank=True)
    home_phone = models.CharField(max_length=16, blank=True)
    work_phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)
    # reg 13(4)(c): the address of a parent the pupil normally lives with [C]. Blank for a
    # contact who lives with the pupil: theirs is the pupil's home address.
    address = models.TextField(blank=True, default="", db_default="")
    postcode = models.CharField(max_length=8, blank=True, default="", db_default="")
    preferred_language = models.CharField(max_length=60, blank=True)
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pupil", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "priority"], name="contact_priority_unique_per_pupil"),
            models.CheckConstraint(condition=Q(priority__gte=1), name="contact_priority_from_1"),
            # A "do not contact" flag without its reason is useless to the person on the phone.
            models.CheckConstraint(
                condition=Q(do_not_contact=False) | ~Q(do_not_contact_reason=""),
                name="contact_do_not_contact_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(relationship__in=Relationship.values), name="contact_relationship_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()})"

    def address_lines(self) -> list[str]:
        """Where this contact lives, as lines: their own address, or the pupil's when they
        live with the pupil and have none of their own; [] when not known."""
        if self.address:
            return [*self.address.splitlines(), *([self.postcode] if self.postcode else [])]
        if self.lives_with:
            return self.pupil.address_lines()
        return []

    @property
    def phones(self) -> list[tuple[str, str]]:
        return [(label, number) for label, number in (
            ("mobile", self.mobile_phone), ("home", self.home_phone), ("work", self.work_phone)
        ) if number]


class DualRegistration(models.TextChoices):
    # reg 10 Table 2 [S]: each school records D for sessions due at the other (glossary).
    MAIN = "main", "Main"
    SUBSIDIARY = "subsidiary", "Subsidiary"


class Enrolment(models.Model):
    """A pupil on the admission register of a setting, from admission to deletion."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    organisation = models.ForeignKey("schools.Organisation", on_delete=models.PROTECT, related_name="enrolments")
    site = models.ForeignKey("schools.Site", on_delete=models.PROTECT, related_name="enrolments")
    # reg 8, 2024 Regulations [C]: the admission register records the pupil's starting day.
    admission_date = models.DateField()
    leaving_date = models.DateField(null=True, blank=True)
    # reg 9, 2024 Regulations: see pupils/deletion_grounds.py for each ground's certainty.
    deletion_ground = models.CharField(max_length=64, choices=DeletionGroundChoice.choices, blank=True)
    destination = models.CharField(max_length=200, blank=True)
    # Blank: registered at this school only.
    dual_registration = models.CharField(max_length=16, choices=DualRegistration.choices, blank=True)
    other_school_name = models.CharField(max_length=200, blank=True)
    other_school_urn = models.CharField("other school URN", max_length=8, blank=True)
    # For a pupil in alternative provision: the school or LA that placed them.
    placing_school = models.ForeignKey(
        "schools.PlacingSchool", on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments"
    )
    # Who at the placing school gets this pupil's daily attendance, when not the placing
    # school's usual attendance contact.
    placing_contact_name = models.CharField(max_length=200, blank=True)
    placing_contact_email = models.EmailField(blank=True)
    placing_contact_phone = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil", "-admission_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(leaving_date__isnull=True) | Q(leaving_date__gte=F("admission_date")),
                name="enrolment_leaves_on_or_after_admission",
            ),
            # A deletion ground is recorded when, and only when, the pupil has left.
            models.CheckConstraint(
                condition=Q(deletion_ground="") | Q(leaving_date__isnull=False),
                name="enrolment_deletion_ground_needs_leaving_date",
            ),
            models.CheckConstraint(
                condition=Q(dual_registration="") | ~Q(other_school_name=""),
                name="enrolment_dual_registration_names_other_school",
            ),
            models.CheckConstraint(
                condition=Q(dual_registration__in=[*DualRegistration.values, ""]),
                name="enrolment_dual_registration_valid",
            ),
        ]
        indexes = [models.Index(fields=["site", "admission_date"], name="enrolment_site_admission")]

    def __str__(self) -> str:
        return f"{self.pupil} at {self.site} from {self.admission_date}"

    def is_on_roll(self, on: dt.date) -> bool:
        return self.admission_date <= on and (self.leaving_date is None or on <= self.leaving_date)

    @property
    def daily_attendance_contact(self) -> tuple[str, str, str] | None:
        """(name, email, phone) of whoever receives this pupil's daily attendance."""
        if self.placing_contact_name or self.placing_contact_email:
            return self.placing_contact_name, self.placing_contact_email, self.placing_contact_phone
        school = self.placing_school
        if school is None:
            return None
        return school.attendance_contact_name, school.attendance_contact_email, school.attendance_contact_phone


class CharacteristicKind(models.TextChoices):
    CHILD_PROTECTION_PLAN = "child_protection_plan", "Child protection plan (s47)"
    CHILD_IN_NEED = "child_in_need", "Child in need (s17)"
    LOOKED_AFTER = "looked_after", "Looked after"
    PREVIOUSLY_LOOKED_AFTER = "previously_looked_after", "Previously looked after"
    EHC_PLAN = "ehc_plan", "EHC plan"
    SEN_SUPPORT = "sen_support", "SEN support"
    FREE_SCHOOL_MEALS = "free_school_meals", "Free school meals"
    YOUNG_CARER = "young_carer", "Young carer"
    GYPSY_ROMA_TRAVELLER = "gypsy_roma_traveller", "Gypsy, Roma or Traveller"
    SERVICE_CHILD = "service_child", "Service child"
    ENGLISH_ADDITIONAL_LANGUAGE = "english_additional_language", "English as an additional language"
    NEWLY_ARRIVED = "newly_arrived", "Newly arrived"
    YOUTH_JUSTICE = "youth_justice", "Youth justice involvement"
    KNOWN_TO_POLICE = "known_to_police", "Known to the police"
    # A health condition that affects attendance: first-day messages to the family use the
    # gentler wording (issue 6 §5).
    MEDICAL_NEEDS = "medical_needs", "Medical needs affecting attendance"


class Characteristic(models.Model):
    """A characteristic or vulnerability, true from `starts_on` to `ends_on` (inclusive)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="characteristics")
    kind = models.CharField(max_length=40, choices=CharacteristicKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    # Looked after: the LA whose care the child is in (its virtual school head oversees
    # their education); the virtual school contact is a ProfessionalContact.
    responsible_local_authority = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["pupil", "kind", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="characteristic_ends_on_or_after_start",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CharacteristicKind.values), name="characteristic_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=CharacteristicKind.LOOKED_AFTER) | ~Q(responsible_local_authority=""),
                name="characteristic_looked_after_names_responsible_la",
            ),
        ]
        indexes = [models.Index(fields=["kind", "starts_on"], name="characteristic_kind_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.starts_on}"

    def applies_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ProfessionalRole(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Allocated social worker"
    VIRTUAL_SCHOOL = "virtual_school", "Virtual school"
    EARLY_HELP = "early_help", "Early Help worker"
    YOUTH_JUSTICE = "youth_justice", "Youth justice worker"
    POLICE = "police", "Police"
    HEALTH = "health", "Health professional"
    OTHER = "other", "Other professional"


class ProfessionalContact(models.Model):
    """A professional working with the pupil, e.g. the allocated social worker, dated."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="professionals")
    role = models.CharField(max_length=32, choices=ProfessionalRole.choices)
    name = models.CharField(max_length=200)
    # The LA and team, or the agency.
    organisation = models.CharField("LA, team or agency", max_length=200)
    phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pupil", "role", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="professional_ends_on_or_after_start",
            ),
            models.CheckConstraint(
                condition=Q(role__in=ProfessionalRole.values), name="professional_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()}, {self.organisation})"

    @property
    def phones(self) -> list[tuple[str, str]]:
        """The same shape as a contact's phones; a professional has one number, unlabelled."""
        return [("", self.phone)] if self.phone else []

    def applies_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


# --- The timetable ----------------------------------------------------------------------------
#
# A small weekly timetable (issue 4 part 1): periods of the day per site, subjects (PE and
# swimming flagged), teaching classes with their teacher and room, dated class membership,
# and the lessons of the week. One week repeats all year: a two-week timetable is not
# modelled (kept simple on purpose; add a `week` column to Lesson when a setting needs it).
# Which days lessons happen on is the calendar's business (schools/calendar.py): the
# selectors in pupils/timetable.py ask it.


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"


class Period(models.Model):
    """A period of the school day at one site, in local wall-clock time (Europe/London), so
    period 1 stays at 09:00 across the clock changes (design.md principle 2)."""

    site = models.ForeignKey("schools.Site", on_delete=models.CASCADE, related_name="periods")
    name = models.CharField(max_length=40)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["site__name", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="period_name_unique_per_site"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="period_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_at:%H:%M}–{self.ends_at:%H:%M})"

    @property
    def session(self) -> str:
        """"AM" or "PM": the register session the period falls in. A period that starts
        before the site's afternoon register opens belongs to the morning (reg 10(1) 2024
        Regulations [C]: one register at the start of the morning session, one during the
        afternoon)."""
        return "AM" if self.starts_at < self.site.pm_register_opens_at else "PM"


class Subject(models.Model):
    """A subject an organisation teaches. PE and swimming are flagged because seed 004 asks
    "is the lesson being missed one that would cause bruising or injuries to become
    visible?": missing those lessons, and only those, is a pattern the rules look for."""

    organisation = models.ForeignKey("schools.Organisation", on_delete=models.CASCADE, related_name="subjects")
    name = models.CharField(max_length=100)
    is_pe = models.BooleanField("PE", default=False)
    is_swimming = models.BooleanField("swimming", default=False)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="subject_name_unique_per_organisation"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def uncovers_body(self) -> bool:
        """PE or swimming: a lesson where bruising or injuries would become visible."""
        return self.is_pe or self.is_swimming


class TeachingClass(models.Model):
    """A class taught together ("10X/Ma1", "Kestrel PE"): a subject, a teacher, a room."""

    site = models.ForeignKey("schools.Site", on_delete=models.CASCADE, related_name="teaching_classes")
    name = models.CharField(max_length=60)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="teaching_classes")
    # Null while no teacher is assigned; a teacher who leaves is deactivated, not deleted.
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="teaching_classes"
    )
    room = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="teaching_class_name_unique_per_site"),
        ]

    def __str__(self) -> str:
        return self.name


class ClassMembership(models.Model):
    """A pupil in a teaching class from `starts_on` to `ends_on` (inclusive; open-ended when
    null). Dated, so a lesson register for a past date lists the class as it was then."""

    teaching_class = models.ForeignKey(TeachingClass, on_delete=models.CASCADE, related_name="memberships")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="class_memberships")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["teaching_class", "pupil", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["teaching_class", "pupil", "starts_on"], name="class_membership_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="class_membership_ends_on_or_after_start",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "starts_on"], name="class_membership_pupil_start")]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.teaching_class} from {self.starts_on}"

    def applies_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Lesson(models.Model):
    """One weekly slot of a class: the class meets on `weekday` in `period` (the same site),
    in `room` when it differs from the class's usual room."""

    teaching_class = models.ForeignKey(TeachingClass, on_delete=models.CASCADE, related_name="lessons")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="lessons")
    room = models.CharField("room (when not the class's usual room)", max_length=60, blank=True)

    class Meta:
        ordering = ["weekday", "period__starts_at", "teaching_class__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["teaching_class", "weekday", "period"], name="lesson_unique_per_class_slot"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=Weekday.MONDAY, weekday__lte=Weekday.FRIDAY), name="lesson_weekday_valid"
            ),
        ]
        indexes = [models.Index(fields=["weekday", "period"], name="lesson_weekday_period")]

    def __str__(self) -> str:
        return f"{self.teaching_class} {self.get_weekday_display()} {self.period.name}"

    @property
    def where(self) -> str:
        return self.room or self.teaching_class.room
