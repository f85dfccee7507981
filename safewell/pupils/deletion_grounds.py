"""The grounds for deleting a pupil from the admission register: reg 9, 2024 Regulations.

School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208), reg 9(1):
"The proprietor of a school must ensure that the name of a pupil of compulsory school age
is deleted from the school's admission register when—" one of grounds (a) to (o) applies.

How sure each ground is:
- [C] (a)-(e): their text was read in a stored copy of the legislation.gov.uk page
  https://legislation.gov.uk/cy/uksi/2024/208/regulation/9/made (statutory.md §3.4 had
  (a), (c), (d), (e); (b) was read there too when this file was written).
- [S] (f)-(o): the letters and a short description come from an LA's deletion-return form
  (Torbay, https://forms.torbay.gov.uk/SchoolRegisterDeletion), and for (i) also from
  Browne Jacobson. Their full wording in the regulation was not read, and was not checked
  against the primary text.

The `key`s are stored in `Enrolment.deletion_ground`: never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

REG9_URL = "https://legislation.gov.uk/cy/uksi/2024/208/regulation/9/made"
BROWNE_JACOBSON_URL = (
    "https://www.brownejacobson.com/insights/school-admission-register-the-20-day-rule-explained"
)


@dataclass(frozen=True)
class DeletionGround:
    key: str
    label: str
    paragraph: str  # the letter x of reg 9(1)(x)
    certainty: str  # "C" or "S"
    source: str
    note: str = ""

    @property
    def citation(self) -> str:
        return f"reg 9(1)({self.paragraph}), SI 2024/208 [{self.certainty}]"


TORBAY_URL = "https://forms.torbay.gov.uk/SchoolRegisterDeletion"


def _confirmed(key: str, paragraph: str, label: str, note: str = "") -> DeletionGround:
    return DeletionGround(key, label, paragraph, "C", REG9_URL, note)


def _secondary(key: str, paragraph: str, label: str, note: str = "") -> DeletionGround:
    note = " ".join(filter(None, [note, "Not checked against the primary text."]))
    return DeletionGround(key, label, paragraph, "S", TORBAY_URL, note)


GROUNDS: tuple[DeletionGround, ...] = (
    _confirmed(
        "registered_at_another_school", "a", "Registered at another school",
        "Unless a school attendance order names this school, the pupil is a mobile child and "
        "this is their main school, or dual registration was agreed.",
    ),
    _confirmed(
        "nursery_not_continuing", "b",
        "Completed nursery education here and not expected to attend again",
    ),
    _confirmed(
        "dual_registration_consent_to_delete", "c",
        "Also registered at other schools, not expected to attend here again, and each other "
        "school has consented to the deletion",
    ),
    _confirmed(
        "school_attendance_order_amended", "d",
        "School attendance order amended by the LA to name another school",
    ),
    _confirmed(
        "school_attendance_order_revoked", "e",
        "School attendance order revoked by the LA: suitable education arranged otherwise",
    ),
    _secondary(
        "home_education", "f",
        "Parent has told the school in writing the pupil will be educated otherwise than at school",
        "CME guidance 2024 p.7 [S]: delete once the date has passed, unless a school "
        "attendance order is in force, and inform the LA.",
    ),
    _secondary(
        "no_longer_lives_within_reasonable_distance", "g",
        "No longer normally lives within a reasonable distance of the school",
    ),
    _secondary("not_returned_after_leave_of_absence", "h", "Has not returned after a leave of absence"),
    _secondary(
        "continuous_absence_20_days", "i",
        "Continuously absent for 20 school days (G, N or O only), whereabouts unknown after "
        "joint reasonable enquiries with the LA",
        f"Also {BROWNE_JACOBSON_URL}. All four conditions of statutory.md §3.4 must hold; any "
        "code other than G, N or O in the period blocks this ground.",
    ),
    _secondary("sentence_of_detention", "j", "Detained under a sentence of detention"),
    _secondary("died", "k", "Has died"),
    _secondary(
        "over_compulsory_school_age_not_continuing", "l",
        "Will be over compulsory school age and will not continue into the sixth form",
    ),
    _secondary(
        "boarding_fees_unpaid", "m",
        "A boarder at a maintained school or academy whose boarding fees have not been paid",
    ),
    _secondary(
        "ceased_to_be_pupil_independent_school", "n",
        "Has ceased to be a pupil of an independent school or non-maintained special school",
    ),
    _secondary("permanently_excluded", "o", "Permanently excluded"),
)

_BY_KEY = {ground.key: ground for ground in GROUNDS}

DeletionGroundChoice = models.TextChoices(  # type: ignore[misc]
    "DeletionGroundChoice", [(g.key.upper(), (g.key, f"reg 9(1)({g.paragraph}): {g.label}")) for g in GROUNDS]
)


def by_key(key: str) -> DeletionGround:
    return _BY_KEY[key]
