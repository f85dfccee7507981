"""The code catalogue against the table in shared/reference/statutory.md §1.

The expected rows below are typed in from statutory.md, not derived from codes.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from safewell.attendance import codes
from safewell.attendance.codes import InvalidCode, by_byte, by_code, validate_code

P, AEA, AA, UA, NP, ADM = (
    "present", "approved_educational_activity", "authorised", "unauthorised",
    "not_possible", "administrative",
)

# statutory.md §1: (code, category, possible session?)
STATUTORY_TABLE = [
    ("/", P, True), ("\\", P, True), ("L", P, True),
    ("K", AEA, True), ("V", AEA, True), ("P", AEA, True), ("W", AEA, True), ("B", AEA, True),
    ("D", NP, False),
    ("C1", AA, True), ("M", AA, True), ("J1", AA, True), ("S", AA, True),
    ("X", NP, False),
    ("C2", AA, True), ("C", AA, True), ("T", AA, True), ("R", AA, True), ("I", AA, True),
    ("E", AA, True),
    ("Q", NP, False), ("Y1", NP, False), ("Y2", NP, False), ("Y3", NP, False),
    ("Y4", NP, False), ("Y5", NP, False), ("Y6", NP, False), ("Y7", NP, False),
    ("G", UA, True), ("N", UA, True), ("O", UA, True), ("U", UA, True),
    ("Z", ADM, False), ("#", ADM, False),
]
# statutory.md §1 Evidence column: the codes whose row is [C] outright.
CONFIRMED_CODES = {"/", "\\", "L", "K", "V", "P"}

FIRST_DAY = date(2024, 8, 19)
LAST_DAY_BEFORE = date(2024, 8, 18)


@pytest.mark.parametrize(("code", "category", "possible"), STATUTORY_TABLE)
def test_each_code_has_the_category_and_possible_session_flag_of_the_statutory_table(
    code, category, possible
):
    entry = validate_code(code, FIRST_DAY)
    assert entry.category == category
    assert entry.is_possible is possible


def test_the_catalogue_holds_exactly_the_codes_in_force_since_19_august_2024():
    assert [c.code for c in codes.CODES] == [row[0] for row in STATUTORY_TABLE]


@pytest.mark.parametrize("code", sorted(CONFIRMED_CODES))
def test_a_code_confirmed_in_regulation_10_says_so_in_its_source(code):
    source = by_code(code).source
    assert source.certainty == "C"
    assert "reg 10" in source.citation
    assert source.checked_against_primary


@pytest.mark.parametrize("code", [row[0] for row in STATUTORY_TABLE if row[0] not in CONFIRMED_CODES])
def test_a_code_from_secondary_sources_says_it_was_not_checked_against_the_primary_text(code):
    source = by_code(code).source
    assert source.certainty == "S"
    assert not source.checked_against_primary
    assert "Not checked against the primary text" in source.note


def test_the_rule_sets_match_statutory_md():
    assert codes.UNAUTHORISED == {"G", "N", "O", "U"}  # §3.2, the 10-day return
    assert codes.DELETION_20_DAY == {"G", "N", "O"}  # §3.4, reg 9 ground (i)
    # §1 "Software rules": removed from the denominator.
    assert codes.NOT_POSSIBLE == {"D", "Q", "X", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#"}


def test_store_bytes_are_the_permanent_numbers_the_session_store_was_written_with():
    # Changing any of these corrupts every stored session array: append, never renumber.
    expected = {"/": 1, "\\": 2, "L": 3, "B": 8, "D": 9, "I": 19, "Y7": 28, "G": 29,
                "N": 30, "O": 31, "U": 32, "#": 34, "H": 35, "J": 36, "Y": 37}
    assert {code: by_code(code).store_byte for code in expected} == expected


def test_every_store_byte_is_unique_and_decodes_back_to_its_code():
    for entry in codes.ALL_CODES:
        assert by_byte(entry.store_byte) is entry
    assert len({c.store_byte for c in codes.ALL_CODES}) == len(codes.ALL_CODES)


def test_store_byte_zero_means_no_mark_yet():
    assert by_byte(0) is None
    with pytest.raises(ValueError):
        by_byte(200)


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        ("H", "Term-time holiday can no longer be authorised; record G if it is taken."),
        ("J", "Use J1."),
        ("Y", "Use the Y1-Y7 code"),
    ],
)
def test_it_refuses_a_withdrawn_code_from_19_august_2024_naming_the_replacement(code, advice):
    with pytest.raises(InvalidCode) as refused:
        validate_code(code, FIRST_DAY)
    assert refused.value.reason == "withdrawn"
    assert "withdrawn on 19 August 2024" in str(refused.value)
    assert advice in str(refused.value)


@pytest.mark.parametrize("code", ["H", "J", "Y"])
def test_it_accepts_a_withdrawn_code_for_a_session_before_19_august_2024(code):
    assert validate_code(code, LAST_DAY_BEFORE).code == code


def test_it_refuses_an_unknown_code_saying_it_is_not_a_national_code():
    with pytest.raises(InvalidCode) as refused:
        validate_code("F", FIRST_DAY)
    assert refused.value.reason == "unknown"
    assert "not a national attendance code" in str(refused.value)


def test_it_reads_codes_in_either_case():
    assert validate_code("c1", FIRST_DAY).code == "C1"
