"""The grounds for deleting a pupil from the admission register: reg 9, 2024 Regulations.

School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208), reg 9(1).
statutory.md §3.4 confirms only part of the list, so each ground says how sure we are:

- [C] read at https://legislation.gov.uk/cy/uksi/2024/208/regulation/9/made: (a), (c), (d), (e).
- [S] a secondary source names the ground and its letter: (i), the 20-day rule.
- [U] the ground existed in reg 8 of the 2006 Regulations and we believe reg 9 keeps it,
  but neither its letter in reg 9 nor its 2024 wording was seen. `paragraph` is "" then.

None of the [S] or [U] grounds was checked against the primary text (not reachable from
here). The `key`s are stored in `Enrolment.deletion_ground`: never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

REG9_URL = "https://legislation.gov.uk/cy/uksi/2024/208/regulation/9/made"
BROWNE_JACOBSON_URL = (
    "https://www.brownejacobson.com/insights/school-admission-register-the-20-day-rule-explained"
)
CME_GUIDANCE_URL = "https://edyourself.org/technical-changes-cme-guidance-2024/"


@dataclass(frozen=True)
class DeletionGround:
    key: str
    label: str
    paragraph: str  # reg 9(1)(x), or "" when the letter is not confirmed
    certainty: str  # "C", "S" or "U"
    source: str
    note: str = ""

    @property
    def citation(self) -> str:
        where = f"reg 9(1)({self.paragraph})" if self.paragraph else "reg 9(1) (paragraph not confirmed)"
        return f"{where}, SI 2024/208 [{self.certainty}]"


_NOT_SEEN = "Ground from reg 8 of the 2006 Regulations; its place and wording in reg 9 not seen."

GROUNDS: tuple[DeletionGround, ...] = (
    DeletionGround(
        "registered_at_another_school", "Registered at another school", "a", "C", REG9_URL,
        "Except under a school attendance order, a mobile child's main school, or an agreed "
        "dual registration.",
    ),
    DeletionGround(
        "dual_registration_consent_to_delete",
        "Dual registered: stopped attending here, with the consent of every other school",
        "c", "C", REG9_URL,
    ),
    DeletionGround(
        "school_attendance_order_changed_d",
        "School attendance order changed (reg 9(1)(d))",
        "d", "C", REG9_URL,
        "statutory.md records (d) and (e) only as school attendance order changes; their "
        "exact wording was not transcribed.",
    ),
    DeletionGround(
        "school_attendance_order_changed_e", "School attendance order changed (reg 9(1)(e))",
        "e", "C", REG9_URL,
        "statutory.md records (d) and (e) only as school attendance order changes; their "
        "exact wording was not transcribed.",
    ),
    DeletionGround(
        "continuous_absence_20_days",
        "Continuously absent for 20 school days (G, N or O only), whereabouts unknown after "
        "joint reasonable enquiries with the LA",
        "i", "S", BROWNE_JACOBSON_URL,
        "All four conditions of statutory.md §3.4 must hold; any code other than G, N or O in "
        "the period blocks this ground.",
    ),
    DeletionGround(
        "home_education",
        "Parent has told the school in writing the pupil is educated otherwise than at school",
        "", "S", CME_GUIDANCE_URL,
        "CME guidance 2024 p.7 (quoted): delete once the date has passed, unless a school "
        "attendance order is in force, and inform the LA.",
    ),
    DeletionGround(
        "no_longer_resides_within_reasonable_distance",
        "Stopped attending and no longer lives within a reasonable distance (not a boarder)",
        "", "U", "", _NOT_SEEN,
    ),
    DeletionGround(
        "medically_unfit_until_end_of_compulsory_age",
        "Certified medically unlikely to be fit to attend before ceasing to be of compulsory "
        "school age", "", "U", "", _NOT_SEEN,
    ),
    DeletionGround("died", "Has died", "", "U", "", _NOT_SEEN),
    DeletionGround(
        "ceases_compulsory_school_age",
        "Will cease to be of compulsory school age before the school next meets, and is not "
        "continuing at the school", "", "U", "", _NOT_SEEN,
    ),
    DeletionGround(
        "ceased_to_be_pupil_independent_school",
        "Has ceased to be a pupil of a school other than a maintained school or academy",
        "", "U", "", _NOT_SEEN,
    ),
    DeletionGround("permanently_excluded", "Permanently excluded", "", "U", "", _NOT_SEEN),
    DeletionGround(
        "nursery_not_transferred_to_reception",
        "Admitted to the nursery class and not moving up to reception", "", "U", "", _NOT_SEEN,
    ),
    DeletionGround(
        "custodial_sentence_four_months",
        "Detained by court order for at least four months, and not expected to return",
        "", "U", "", _NOT_SEEN,
    ),
)

_BY_KEY = {ground.key: ground for ground in GROUNDS}

DeletionGroundChoice = models.TextChoices(  # type: ignore[misc]
    "DeletionGroundChoice", [(g.key.upper(), (g.key, g.label)) for g in GROUNDS]
)


def by_key(key: str) -> DeletionGround:
    return _BY_KEY[key]
