"""UPN validation: the DfE check letter (Data Standards Catalogue UPN v2.0; census rule 1510).

The check letters below were worked by hand: sum(position × value) for positions 2-13,
modulo 23, looked up in ABCDEFGHJKLMNPQRTUVWXYZ.
"""

from __future__ import annotations

import pytest

from safewell.pupils import upn
from safewell.pupils.upn import InvalidUPN

VALID = [
    # Published example (python-stdnum's gb.upn documentation): 8×2 + 1×4 + 2×5 + 5×10 + 1×13
    # = 93 = 4×23 + 1 → B.
    "B801200005001",
    # The census rule 1510 example's digits: 2×2 + 7×4 + 1×9 + 6×10 + 4×12 + 9×13 = 266
    # = 11×23 + 13 → P (the vendors' page says 267 and Q; its own sum is 266).
    "P207000016049",
    # Hand-built, LA 935, establishment 4001, year 26, serial 007:
    # 9×2 + 3×3 + 5×4 + 4×5 + 1×8 + 2×9 + 6×10 + 7×13 = 244 = 10×23 + 14 → Q.
    "Q935400126007",
    # All zeros: sum 0 → A.
    "A000000000000",
]
TEMPORARY_VALID = [
    # Temporary UPN ending in a letter: 9×2 + 3×3 + 5×4 + 4×5 + 1×8 + 2×9 + 6×10 + 1×12
    # + A(0)×13 = 165 = 7×23 + 4 → E.
    "E93540012601A",
    # Same with final B (value 1): 165 + 13 = 178 = 7×23 + 17 → U.
    "U93540012601B",
]


@pytest.mark.parametrize("value", VALID + TEMPORARY_VALID)
def test_it_accepts_a_upn_with_the_right_check_letter(value):
    assert upn.validate(value) == value


def test_it_accepts_a_upn_typed_in_lower_case_with_spaces():
    assert upn.validate(" b801 2000 05001 ") == "B801200005001"


@pytest.mark.parametrize(
    ("value", "expected", "given"),
    [("Q207000016049", "P", "Q"), ("A801200005001", "B", "A"), ("B935400126007", "Q", "B")],
)
def test_it_refuses_a_wrong_check_letter_saying_which_letter_is_right(value, expected, given):
    with pytest.raises(InvalidUPN) as refused:
        upn.validate(value)
    assert str(refused.value) == upn.UPN_WRONG_CHECK_LETTER.format(upn=value, expected=expected, given=given)


@pytest.mark.parametrize("value", ["B80120000500", "B8012000050012", ""])
def test_it_refuses_a_upn_of_the_wrong_length(value):
    with pytest.raises(InvalidUPN) as refused:
        upn.validate(value)
    assert "13 characters" in str(refused.value)


@pytest.mark.parametrize("value", ["1801200005001", "B80120000500!", "B8012000A5001"])
def test_it_refuses_a_upn_of_the_wrong_shape(value):
    with pytest.raises(InvalidUPN, match="is not"):
        upn.validate(value)


@pytest.mark.parametrize("value", ["I93540012601A", "E93540012601O", "E93540012601S"])
def test_it_refuses_i_o_and_s_as_the_first_or_last_letter(value):
    with pytest.raises(InvalidUPN, match="I, O or S"):
        upn.validate(value)


def test_a_temporary_upn_ends_in_a_letter():
    assert upn.is_temporary("E93540012601A")
    assert not upn.is_temporary("Q935400126007")


def test_make_builds_the_hand_worked_upns():
    assert upn.make("935", "4001", 2026, 7) == "Q935400126007"
    assert upn.make("935", "4001", 26, "01A") == "E93540012601A"
