"""Unique Pupil Numbers: the DfE check letter.

A UPN is 13 characters: a check letter, the 3-digit LA number, the 4-digit establishment
number, the last 2 digits of the year it was allocated, and a 3-digit serial. A
*temporary* UPN has 2 serial digits and a final letter.

The check letter (UK Government Data Standards Catalogue, "Unique Pupil Number" v2.0,
validations 1-6; the same steps as the DfE school census validation rule 1510):
1. multiply the character at position n by n, for positions 2 to 13;
2. for a temporary UPN, the final letter counts as its value in the table below;
3. sum, and take the remainder modulo 23;
4. 0 → A, 1 → B, … 22 → Z, skipping I, O and S (`ABCDEFGHJKLMNPQRTUVWXYZ`).
I, O and S are never a check letter nor the final letter of a temporary UPN.
Certainty [S]: read in the Data Standards Catalogue page and two MIS vendors' copies of
rule 1510, not in the current DfE "Unique pupil numbers" guidance itself (not reachable).

Note: the vendors' worked example of rule 1510 ("B207000016049 should be Q…") adds up to
266, not the 267 it states, so its check letter is P, not Q; our tests use P207000016049.
"""

from __future__ import annotations

import re

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")

UPN_WRONG_LENGTH = "A UPN has 13 characters; “{upn}” has {length}."
UPN_WRONG_SHAPE = (
    "A UPN is a letter, then 11 digits, then a digit (or a letter, for a temporary UPN): "
    "“{upn}” is not."
)
UPN_BAD_LETTER = "A UPN never uses the letters I, O or S as its first or last character: “{upn}”."
UPN_WRONG_CHECK_LETTER = (
    "“{upn}” is not a valid UPN: its check letter should be {expected}, not {given}. "
    "Check the number was copied correctly."
)


class InvalidUPN(ValueError):
    pass


def normalise(upn: str) -> str:
    return re.sub(r"\s+", "", upn or "").upper()


def _value(character: str) -> int:
    return int(character) if character.isdigit() else LETTERS.index(character)


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it (positions 2-13)."""
    total = sum(position * _value(ch) for position, ch in enumerate(body, start=2))
    return LETTERS[total % 23]


def validate(upn: str) -> str:
    """The UPN in canonical form, or InvalidUPN with a message a person can act on."""
    upn = normalise(upn)
    if len(upn) != 13:
        raise InvalidUPN(UPN_WRONG_LENGTH.format(upn=upn, length=len(upn)))
    if not _SHAPE.match(upn):
        raise InvalidUPN(UPN_WRONG_SHAPE.format(upn=upn))
    if upn[0] not in LETTERS or (upn[-1].isalpha() and upn[-1] not in LETTERS):
        raise InvalidUPN(UPN_BAD_LETTER.format(upn=upn))
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        raise InvalidUPN(UPN_WRONG_CHECK_LETTER.format(upn=upn, expected=expected, given=upn[0]))
    return upn


def is_temporary(upn: str) -> bool:
    return normalise(upn)[-1:].isalpha()


def make(la_code: str, establishment: str, year: int, serial: int | str) -> str:
    """A valid UPN from its parts (for demo data and the generator). `serial` is a number
    0-999 for a permanent UPN, or 2 digits and a letter (e.g. "07A") for a temporary one."""
    serial_text = f"{serial:03d}" if isinstance(serial, int) else str(serial).upper()
    body = f"{int(la_code):03d}{int(establishment):04d}{year % 100:02d}{serial_text}"
    return validate(check_letter(body) + body)
