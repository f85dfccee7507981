"""The reg 9(1) deletion grounds, (a) to (o), each with how sure we are of it.

(a)-(e) were read in the regulation itself [C]; (f)-(o) come from an LA's deletion form [S]
(statutory.md §3.4 and pupils/deletion_grounds.py).
"""

from __future__ import annotations

import pytest

from safewell.pupils.deletion_grounds import GROUNDS, DeletionGroundChoice, by_key

# (key, reg 9(1) letter, certainty). The keys are stored in enrolments: never rename one.
EXPECTED = [
    ("registered_at_another_school", "a", "C"),
    ("nursery_not_continuing", "b", "C"),
    ("dual_registration_consent_to_delete", "c", "C"),
    ("school_attendance_order_amended", "d", "C"),
    ("school_attendance_order_revoked", "e", "C"),
    ("home_education", "f", "S"),
    ("no_longer_lives_within_reasonable_distance", "g", "S"),
    ("not_returned_after_leave_of_absence", "h", "S"),
    ("continuous_absence_20_days", "i", "S"),
    ("sentence_of_detention", "j", "S"),
    ("died", "k", "S"),
    ("over_compulsory_school_age_not_continuing", "l", "S"),
    ("boarding_fees_unpaid", "m", "S"),
    ("ceased_to_be_pupil_independent_school", "n", "S"),
    ("permanently_excluded", "o", "S"),
]


def test_the_grounds_are_reg_9_1_a_to_o_in_order():
    assert [(g.key, g.paragraph, g.certainty) for g in GROUNDS] == EXPECTED


@pytest.mark.parametrize(("key", "paragraph", "certainty"), EXPECTED)
def test_each_ground_cites_its_paragraph_and_certainty(key, paragraph, certainty):
    ground = by_key(key)
    assert ground.citation == f"reg 9(1)({paragraph}), SI 2024/208 [{certainty}]"
    assert ground.source.startswith("https://")
    if certainty != "C":
        assert "Not checked against the primary text." in ground.note


def test_enrolments_offer_exactly_these_grounds():
    assert DeletionGroundChoice.values == [key for key, _, _ in EXPECTED]
