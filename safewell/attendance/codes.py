"""The national attendance register codes in force since 19 August 2024, as data.

Legal basis: regulation 10 of the School Attendance (Pupil Registration) (England)
Regulations 2024, SI 2024/208, in force 19 August 2024; the statistical treatment of each
code (whether it counts as a possible session) is set by *Working together to improve
school attendance* (WTTISA, August 2024). Everything here is transcribed from
`shared/reference/statutory.md` §1, with the certainty that file gives:

- [C] confirmed from the primary text (legislation.gov.uk / gov.uk);
- [S] secondary source (an LA, a law firm, an MIS vendor) quoting the primary text;
- [U] unconfirmed background knowledge.

The primary text (legislation.gov.uk and the WTTISA PDF) could not be reached from the
machine this was written on, so no [S] or [U] fact below was checked against it. Each
code's `source.checked_against_primary` says so. Before a conformance test is built on an
[S] or [U] fact, read regulation 10 once in full (statutory.md §10, items 1 and 4).

`store_byte` is the code's number in the compact one-byte-per-session store (design.md §8,
"Fast by design"). It is written to disk and to every pupil's session array, so it is
**stable forever**: never renumber a code, never reuse a number, only append new codes at
the end. 0 means "no mark yet".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


class Category(enum.StrEnum):
    """How a code counts (statutory.md §1, "Categories used in the table")."""

    PRESENT = "present"
    APPROVED_EDUCATIONAL_ACTIVITY = "approved_educational_activity"
    AUTHORISED = "authorised"
    UNAUTHORISED = "unauthorised"
    NOT_POSSIBLE = "not_possible"
    ADMINISTRATIVE = "administrative"


class Certainty(enum.StrEnum):
    CONFIRMED = "C"
    SECONDARY = "S"
    UNCONFIRMED = "U"


@dataclass(frozen=True)
class Source:
    """Where a code's meaning and treatment come from, and how sure we are."""

    citation: str
    certainty: Certainty
    evidence: tuple[str, ...] = ()
    note: str = ""

    @property
    def checked_against_primary(self) -> bool:
        # Only [C] facts were read in the primary text itself (statutory.md, "How sure").
        return self.certainty == Certainty.CONFIRMED


@dataclass(frozen=True)
class AttendanceCode:
    code: str
    meaning: str
    category: Category
    # Counts in the denominator of attendance and absence rates (statutory.md §2).
    is_possible: bool
    store_byte: int
    source: Source
    # Set only for codes withdrawn by the 2024 Regulations.
    withdrawn_on: date | None = None
    replaced_by: tuple[str, ...] = ()
    withdrawn_advice: str = ""

    @property
    def is_present(self) -> bool:
        """Counts as attendance: present, or an approved educational activity."""
        return self.category in (Category.PRESENT, Category.APPROVED_EDUCATIONAL_ACTIVITY)

    @property
    def is_absence(self) -> bool:
        return self.category in (Category.AUTHORISED, Category.UNAUTHORISED)

    def in_force_on(self, day: date) -> bool:
        return self.withdrawn_on is None or day < self.withdrawn_on


# The day the 2024 Regulations came into force and the H, J and plain Y codes ended
# (SI 2024/208, Explanatory Note [C]; withdrawn codes [S] Keystone MIS, statutory.md §1).
REGULATIONS_2024_IN_FORCE = date(2024, 8, 19)

NO_MARK_BYTE = 0

_REG10_URL = "https://legislation.gov.uk/uksi/2024/208/regulation/10/made"
_REG11_URL = "https://crimeline.co.uk/legislationdisplay/?leg=%2Fuksi%2F2024%2F208%2Fregulation%2F11"
_REG3_URL = "https://legislation.gov.uk/uksi/2024/208/regulation/3/made"
_MANCHESTER_URL = (
    "https://manchester.gov.uk/info/500002/council_policies_and_strategies/8788/"
    "school_attendance_code_of_conduct/5"
)
_ONEPUB_URL = "https://onepublications.com/?p=8857"
_ARBOR_URL = (
    "https://support.arbor-education.com/hc/en-us/articles/"
    "4645165601309-How-can-we-report-on-non-statistical-attendance-marks"
)
_SOMERCOTES_URL = "https://somercotesacademy.co.uk/attendance-codes"
_KEYSTONE_URL = (
    "https://support.keystonemis.co.uk/hc/en-us/articles/"
    "21234597019037-Attendance-codes-for-2024-2025-academic-year"
)
_NOT_CHECKED = "Not checked against the primary text (legislation.gov.uk was not reachable)."
# statutory.md §1: the possible-session column is [S] for every code.
_POSSIBLE_NOTE = (
    "Possible-session flag: [S], from CBDS-style flags and MIS vendors quoting WTTISA "
    "August 2024; WTTISA itself not read."
)


def _source(citation: str, certainty: str, *evidence: str, note: str = "") -> Source:
    parts = [note] if note else []
    parts.append(_POSSIBLE_NOTE)
    if certainty != "C":
        parts.append(_NOT_CHECKED)
    return Source(citation, Certainty(certainty), tuple(evidence), " ".join(parts))


_P = Category.PRESENT
_AEA = Category.APPROVED_EDUCATIONAL_ACTIVITY
_AA = Category.AUTHORISED
_UA = Category.UNAUTHORISED
_NP = Category.NOT_POSSIBLE
_ADM = Category.ADMINISTRATIVE

# fmt: off
# (code, meaning, category, is_possible, store_byte, source). Order is statutory.md §1's.
# store_byte values are permanent: append only.
CODES: tuple[AttendanceCode, ...] = tuple(AttendanceCode(*row) for row in [
    ("/", "Present in the morning session when the register begins to be taken",
     _P, True, 1, _source("reg 10(2) Table 1, SI 2024/208", "C", _REG10_URL)),
    ("\\", "Present in the afternoon session when the register begins to be taken",
     _P, True, 2, _source("reg 10(2) Table 1, SI 2024/208", "C", _REG10_URL)),
    ("L", "Late: absent when the register begins to be taken, but attends before the "
          "taking of the register has ended",
     _P, True, 3, _source("reg 10(2) Table 1, SI 2024/208", "C", _REG10_URL)),
    ("K", "Attending a place other than the school for education arranged by the local "
          "authority (s19(1) EA 1996, s42(2)/s61(1) CFA 2014)",
     _AEA, True, 4, _source("reg 10(3) Table 2, SI 2024/208", "C", _REG10_URL)),
    ("V", "Educational visit or trip arranged by or for the proprietor and supervised by "
          "school staff",
     _AEA, True, 5, _source("reg 10(3) Table 2, SI 2024/208", "C", _REG10_URL)),
    ("P", "Approved educational activity that is a sporting activity",
     _AEA, True, 6, _source("reg 10(3) Table 2, SI 2024/208", "C", _REG10_URL)),
    ("W", "Approved educational activity that is work experience",
     _AEA, True, 7, _source("reg 10, SI 2024/208 (row not seen)", "S", _SOMERCOTES_URL,
                            note="The regulation text we saw was cut off before W.")),
    ("B", "Any other approved educational activity, supervised by someone suitably "
          "qualified (remote learning is absence, not B)",
     _AEA, True, 8, _source("reg 10, SI 2024/208 (row not seen)", "S",
                            "https://ffteducationdatalab.org.uk/?p=24069")),
    ("D", "Dual registered: attending another school at which the pupil is also registered",
     _NP, False, 9, _source("reg 10, SI 2024/208 (row not seen)", "S",
                            "https://professionals.lincolnshire.gov.uk/special-educational-"
                            "needs-disabilites/alternative-provision-guidance/14",
                            note="How WTTISA groups D is not confirmed; not a possible session.")),
    ("C1", "Leave of absence for a regulated performance or regulated employment abroad",
     _AA, True, 10, _source("reg 3 definitions [C]; code from MIS/school pages", "S",
                            _REG3_URL, _SOMERCOTES_URL)),
    ("M", "Leave of absence for a medical or dental appointment",
     _AA, True, 11, _source("reg 10, SI 2024/208 (row not seen)", "S")),
    ("J1", "Leave of absence to attend an interview for employment or for admission to "
           "another educational institution",
     _AA, True, 12, _source("reg 11(4) [C]; code letter [S]", "S", _REG11_URL)),
    ("S", "Leave of absence to study for a public examination",
     _AA, True, 13, _source("reg 11(5) [C]; code letter [S]", "S", _REG11_URL)),
    ("X", "Non-compulsory school age pupil not required to attend",
     _NP, False, 14, _source("reg 10, SI 2024/208 (row not seen)", "S")),
    ("C2", "Leave of absence for a compulsory school age pupil on a temporary part-time "
           "timetable",
     _AA, True, 15, _source("reg 11(6) [C]; code letter [S]", "S", _REG11_URL,
                            "https://schools.essex.gov.uk/essex-schools-infolink/attendance/"
                            "attendance-coding")),
    ("C", "Leave of absence for exceptional circumstances not covered by another code",
     _AA, True, 16, _source("reg 11(1) [C]; code letter [S]", "S", _REG11_URL)),
    ("T", "Parent travelling for occupational purposes (mobile child, reg 3)",
     _AA, True, 17, _source("reg 3 'mobile child' [C]; 2024 wording of T not confirmed", "S",
                            _REG3_URL)),
    ("R", "Religious observance on a day set apart exclusively by the parent's religious body",
     _AA, True, 18, _source("reg 10, SI 2024/208 (row not seen)", "S",
                            "https://osmis-uk.squarespace.com/frequently-asked-questions")),
    ("I", "Illness (not a medical or dental appointment)",
     _AA, True, 19, _source("reg 10, SI 2024/208 (row not seen)", "S")),
    ("E", "Suspended or permanently excluded, and no alternative provision made",
     _AA, True, 20, _source("reg 10, SI 2024/208 (row not seen)", "S")),
    ("Q", "Unable to attend because of a lack of access arrangements",
     _NP, False, 21, _source("reg 10, SI 2024/208 (row not seen)", "S",
                             "https://schoolbusinessservices.co.uk/news/mis-attendance-codes-2024")),
    ("Y1", "Unable to attend: school not within walking distance and the transport normally "
           "provided is not available",
     _NP, False, 22, _source("reg 10, SI 2024/208 (row not seen)", "S", _ONEPUB_URL)),
    ("Y2", "Unable to attend: widespread disruption to travel caused by a local, national or "
           "international emergency",
     _NP, False, 23, _source("reg 10, SI 2024/208 (row not seen)", "S", _ONEPUB_URL)),
    ("Y3", "Unable to attend: part of the school premises unavoidably out of use",
     _NP, False, 24, _source("reg 10, SI 2024/208 (row not seen)", "S", _ONEPUB_URL)),
    ("Y4", "Unable to attend: whole school site unexpectedly closed",
     _NP, False, 25, _source("reg 10, SI 2024/208 (row not seen)", "S", _ONEPUB_URL)),
    ("Y5", "Unable to attend: pupil is in criminal justice detention",
     _NP, False, 26, _source("reg 3 'sentence of detention' [C]; code [S]", "S",
                             _REG3_URL, _ONEPUB_URL)),
    ("Y6", "Unable to attend: travel or attendance would be contrary to public health "
           "guidance or law",
     _NP, False, 27, _source("reg 10, SI 2024/208 (row not seen)", "S", _ONEPUB_URL)),
    ("Y7", "Unable to attend because of any other unavoidable cause",
     _NP, False, 28, _source("reg 10, SI 2024/208 (row not seen)", "S", _ONEPUB_URL)),
    ("G", "Absent without leave for the purpose of a holiday (holiday not granted)",
     _UA, True, 29, _source("reg 10, SI 2024/208, quoted by Manchester", "S", _MANCHESTER_URL)),
    ("N", "Reason for absence not yet established; replace within 5 school days "
          "(reg 10(7)-(9)), or with O if no reason is found",
     _UA, True, 30, _source("reg 10(7)-(9), SI 2024/208, quoted by Manchester and "
                            "Browne Jacobson", "S", _MANCHESTER_URL)),
    ("O", "Absent in other or unknown circumstances (none of the other rows applies)",
     _UA, True, 31, _source("reg 10, SI 2024/208, quoted by Manchester", "S", _MANCHESTER_URL)),
    ("U", "Arrived after the register closed but before the end of the session",
     _UA, True, 32, _source("reg 10, SI 2024/208, quoted by Manchester", "S", _MANCHESTER_URL)),
    ("Z", "Prospective pupil, not yet on the admission register",
     _ADM, False, 33, _source("reg 10, SI 2024/208 (row not seen)", "S", _ARBOR_URL)),
    ("#", "Planned whole or partial school closure",
     _ADM, False, 34, _source("reg 10, SI 2024/208 (row not seen)", "S", _ARBOR_URL)),
])

# Withdrawn by the 2024 Regulations. Kept (with their own stable bytes) so that marks
# from before 19 August 2024, e.g. from a CTF import, can still be stored and counted.
# Their pre-2024 categories are [U]: from memory of the 2006 code set, not from a source.
_WITHDRAWN_SOURCE = Source(
    "Withdrawn from 2024/25 by SI 2024/208", Certainty.SECONDARY, (_KEYSTONE_URL,),
    "Withdrawal [S] Keystone MIS (statutory.md §1). Pre-2024 category and possible-session "
    "flag [U]: from the 2006 code set as remembered, not from a source. " + _NOT_CHECKED,
)
WITHDRAWN_CODES: tuple[AttendanceCode, ...] = (
    AttendanceCode("H", "Holiday agreed by the school (withdrawn 2024)", _AA, True, 35,
                   _WITHDRAWN_SOURCE, REGULATIONS_2024_IN_FORCE, (),
                   "Term-time holiday can no longer be authorised; record G if it is taken."),
    AttendanceCode("J", "Interview (withdrawn 2024)", _AA, True, 36,
                   _WITHDRAWN_SOURCE, REGULATIONS_2024_IN_FORCE, ("J1",), "Use J1."),
    AttendanceCode("Y", "Unable to attend due to exceptional circumstances (withdrawn 2024)",
                   _NP, False, 37, _WITHDRAWN_SOURCE, REGULATIONS_2024_IN_FORCE,
                   ("Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"),
                   "Use the Y1-Y7 code that says why the pupil could not attend."),
)
# fmt: on

ALL_CODES: tuple[AttendanceCode, ...] = CODES + WITHDRAWN_CODES
_BY_CODE = {c.code: c for c in ALL_CODES}
_BY_BYTE = {c.store_byte: c for c in ALL_CODES}
MAX_STORE_BYTE = max(_BY_BYTE)


def _codes_where(predicate) -> frozenset[str]:
    return frozenset(c.code for c in CODES if predicate(c))


# The sets the rules need. All are of codes in force since 19 August 2024.
PRESENT = _codes_where(lambda c: c.category == Category.PRESENT)  # / \ L
ATTENDING = _codes_where(lambda c: c.is_present)  # present or approved educational activity
AUTHORISED = _codes_where(lambda c: c.category == Category.AUTHORISED)
# G, N, O, U: the unauthorised codes; 10 continuous school days of these make the
# attendance (10-day) return (statutory.md §3.2 [S]).
UNAUTHORISED = _codes_where(lambda c: c.category == Category.UNAUTHORISED)
ABSENT = AUTHORISED | UNAUTHORISED
NOT_POSSIBLE = _codes_where(lambda c: not c.is_possible)  # D X Q Y1-Y7 Z #
POSSIBLE = _codes_where(lambda c: c.is_possible)
# reg 9(1)(i), the 20-school-day deletion ground: absent for the whole period with G, N or O
# only; any other code blocks it (statutory.md §3.4 [S] Browne Jacobson).
DELETION_20_DAY = frozenset({"G", "N", "O"})
TEN_DAY_RETURN = UNAUTHORISED
# reg 10(7)-(9): N is temporary and must become a real code (or O) within 5 school days [S].
UNEXPLAINED = frozenset({"N"})
WITHDRAWN = frozenset(c.code for c in WITHDRAWN_CODES)

assert UNAUTHORISED == {"G", "N", "O", "U"}
assert NOT_POSSIBLE == {"D", "X", "Q", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "Z", "#"}
assert len(_BY_BYTE) == len(ALL_CODES) and NO_MARK_BYTE not in _BY_BYTE


class InvalidCode(ValueError):
    """A code that cannot be recorded. `reason` is "unknown" or "withdrawn"."""

    def __init__(self, message: str, *, code: str, reason: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


UNKNOWN_CODE = "“{code}” is not a national attendance code."
WITHDRAWN_CODE = (
    "Code “{code}” was withdrawn on 19 August 2024 (School Attendance (Pupil Registration) "
    "(England) Regulations 2024). {advice}"
)


def _normalise(code: str) -> str:
    return code.strip().upper()


def by_code(code: str) -> AttendanceCode:
    """The catalogue entry for `code` (withdrawn codes included). Raises InvalidCode."""
    found = _BY_CODE.get(_normalise(code))
    if found is None:
        raise InvalidCode(UNKNOWN_CODE.format(code=code), code=code, reason="unknown")
    return found


def by_byte(value: int) -> AttendanceCode | None:
    """The code stored as `value` in the session store; None for 0 ("no mark yet")."""
    if value == NO_MARK_BYTE:
        return None
    try:
        return _BY_BYTE[value]
    except KeyError:
        raise ValueError(f"{value} is not an attendance code's store byte.") from None


def validate_code(code: str, on: date) -> AttendanceCode:
    """The code to record for a session on `on`, or InvalidCode saying why it can't be."""
    found = by_code(code)
    if not found.in_force_on(on):
        raise InvalidCode(
            WITHDRAWN_CODE.format(code=found.code, advice=found.withdrawn_advice),
            code=found.code, reason="withdrawn",
        )
    return found


def store_bytes(codes: Iterable[str]) -> frozenset[int]:
    """The store bytes of `codes`, for vectorised tests over a session array."""
    return frozenset(by_code(c).store_byte for c in codes)


def byte_table(predicate) -> tuple[bool, ...]:
    """predicate(code) for every store byte 0..MAX_STORE_BYTE (False at 0 = no mark),
    e.g. `np.array(byte_table(lambda c: c.is_possible))[marks]`."""
    return tuple(
        value in _BY_BYTE and bool(predicate(_BY_BYTE[value]))
        for value in range(MAX_STORE_BYTE + 1)
    )
