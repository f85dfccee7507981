"""What a family's reason proposes as the attendance code (issue 6 §2: "illness → I,
appointment → M, …"). A proposal only: an attendance officer accepts it before any mark
changes, because choosing the code is the school's statutory decision (reg 10, 2024
Regulations), not the family's.

Codes and their meanings: statutory.md §1. Reasons that need a decision by an authorised
person, or that do not map to one code, propose nothing: the N stays for the officer.
"""

from __future__ import annotations

from dataclasses import dataclass

from safewell.followup.models import ReasonCategory


@dataclass(frozen=True)
class ProposedCode:
    code: str
    why: str


PROPOSED_CODES: dict[str, ProposedCode] = {
    # statutory.md §1: I "Illness (not a medical or dental appointment)" [S].
    ReasonCategory.ILLNESS: ProposedCode("I", "I: illness (not a medical or dental appointment), statutory.md §1 [S]"),
    # statutory.md §1: M "Leave of absence for a medical or dental appointment" [S].
    ReasonCategory.MEDICAL_APPOINTMENT: ProposedCode("M", "M: medical or dental appointment, statutory.md §1 [S]"),
    # statutory.md §1: R "a day set apart exclusively by the parent's religious body" [S].
    ReasonCategory.RELIGIOUS_OBSERVANCE: ProposedCode("R", "R: religious observance, statutory.md §1 [S]"),
    # statutory.md §1: G "Absent without leave for the purpose of a holiday" [S].
    ReasonCategory.HOLIDAY: ProposedCode("G", "G: holiday not granted by the school, statutory.md §1 [S]"),
    # statutory.md §1: Y1 "school not within walking distance and the transport normally
    # provided is not available" [S]. The officer checks that the transport was the school's
    # or the LA's before accepting.
    ReasonCategory.TRANSPORT: ProposedCode(
        "Y1", "Y1: the transport normally provided was not available (check it is the school's or the LA's), "
        "statutory.md §1 [S]"
    ),
}
# Family circumstances: leave (C) may be granted only by an authorised person (reg 11(1),
# statutory.md §1 [C]); refusing school may be illness (I) or unauthorised (O) depending on
# what is known. Other or none: the officer decides. These propose nothing.


def proposed_code(category: str) -> ProposedCode | None:
    return PROPOSED_CODES.get(category)
