"""What each session byte means to the rules: one uint8 of flag bits per store byte.

The session store holds one byte per session (attendance/store.py: the code's `store_byte`,
0 = no mark). The engine turns a whole matrix of them into flag bits with one table lookup
(`FLAGS[marks]`), then tests bits: a few cheap passes over uint8 arrays, never a Python
loop per session (design.md principle 8).

What counts as what comes from the code catalogue (attendance/codes.py, where every code
cites its source) and from the summaries' own vectors (attendance/summaries.py:
IS_POSSIBLE_BYTE and CATEGORY_OF_BYTE), so persistent and severe absence are counted here
exactly as the attendance pages count them.

Two bytes no code uses are the engine's own:
- NOT_ON_ROLL (255): a session before the pupil's admission (or of a year with no store):
  it has no flags at all, so it breaks every run and counts in nothing.
- PENDING (254): a session of *today* with no mark yet. The register has not been taken
  (or not yet reached us): it neither breaks a run nor extends it, and counts in nothing.
"""

from __future__ import annotations

import numpy as np

from safewell.attendance import codes, episodes, summaries
from safewell.attendance.codes import Category

NOT_ON_ROLL = 255
PENDING = 254
assert codes.MAX_STORE_BYTE < PENDING

# --- The flag bits ----------------------------------------------------------------------------

# Bit 1 is free: the absence episode (continuous_absence, cme_ten_days, the ladder, the
# vulnerable-children rule) is counted in sessions by attendance/episodes.py over EPISODE
# below, not in whole days.
# G, N, O, U: the unauthorised codes (10-day return, statutory.md §3.2 [S]; penalty-notice
# threshold, §4 [S]).
UNAUTHORISED = 2
# G, N, O only: reg 9(1)(i), the 20-school-day deletion ground (statutory.md §3.4 [S]).
DELETION_20_DAY = 4
# I: illness (the 15-day sickness return, statutory.md §3.3 [S]).
ILLNESS = 8
# A possible session (statutory.md §2 [S]), exactly as the summaries count it.
POSSIBLE = 16
# Authorised or unauthorised absence (the numerator of the overall absence rate, §2).
ABSENT = 32
# L or U: arrived late (statutory.md §9; L before the register closed, U after).
LATE = 64
# Today's session, not yet marked (PENDING).
PENDING_BIT = 128

RUN_BITS = UNAUTHORISED | DELETION_20_DAY | ILLNESS
NO_MARK = codes.NO_MARK_BYTE


def _bytes_of(code_set) -> list[int]:
    return sorted(codes.store_bytes(code_set))


def _flags_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint8)
    size = codes.MAX_STORE_BYTE + 1
    category = summaries.CATEGORY_OF_BYTE
    authorised = category[:, summaries.CATEGORIES.index(Category.AUTHORISED)]
    unauthorised = category[:, summaries.CATEGORIES.index(Category.UNAUTHORISED)]
    table[:size][summaries.IS_POSSIBLE_BYTE.astype(bool)] |= POSSIBLE
    table[:size][(authorised + unauthorised).astype(bool)] |= ABSENT
    table[_bytes_of(codes.UNAUTHORISED)] |= UNAUTHORISED
    table[_bytes_of(codes.DELETION_20_DAY)] |= DELETION_20_DAY
    table[_bytes_of({"I"})] |= ILLNESS
    table[_bytes_of({"L", "U"})] |= LATE
    table[PENDING] = PENDING_BIT
    table[NOT_ON_ROLL] = 0
    return table


FLAGS: np.ndarray = _flags_table()

# The absence episode's codes (attendance/episodes.py: N, O, the reason not known). A session
# breaks the episode when it tells us where the child is or why they are away: present or
# late (/ \ L U: seen), an approved educational activity, any authorised code (a reason came
# from the family or the school), a not-possible code, and G (a holiday the school refused:
# the family has said where the child is) [U: statutory.md §9 leaves "continuous" open;
# docs/absence-episodes.md].
EPISODE: np.ndarray = np.zeros(256, dtype=bool)
EPISODE[_bytes_of(episodes.EPISODE_CODES)] = True
# The deletion ground's run (reg 9(1)(i): G, N, O), counted in sessions the same way.
DELETION_CODES: np.ndarray = np.zeros(256, dtype=bool)
DELETION_CODES[_bytes_of(codes.DELETION_20_DAY)] = True

# Present at registration (/ \ L: reg 10(2) Table 1 [C]): on site that session.
ON_SITE: np.ndarray = np.zeros(256, dtype=bool)
ON_SITE[_bytes_of(codes.PRESENT)] = True
# Attended: present or an approved educational activity (counts as attendance, §2).
ATTENDED: np.ndarray = np.zeros(256, dtype=bool)
ATTENDED[_bytes_of(codes.ATTENDING)] = True
# A lesson missed: any absence code on the lesson register (authorised or not).
LESSON_ABSENT: np.ndarray = (FLAGS & ABSENT).astype(bool)
# A lesson missed without authority (G N O U): what co-absence groups are built from.
LESSON_UNAUTHORISED: np.ndarray = (FLAGS & UNAUTHORISED).astype(bool)
# Evidence shows codes as text ("" = no mark yet).
CODE_TEXT: tuple[str, ...] = tuple(
    summaries.CODE_OF_BYTE[b] if b < len(summaries.CODE_OF_BYTE) else "" for b in range(256)
)
EVIDENCE_TEXT: tuple[str, ...] = tuple(
    "no mark" if b == codes.NO_MARK_BYTE else CODE_TEXT[b] for b in range(256)
)


def code_text(value: int) -> str:
    """The code of a store byte for the evidence: "no mark" for 0."""
    return EVIDENCE_TEXT[value]


def flags_of(marks: np.ndarray) -> np.ndarray:
    """Flag bits of a matrix of store bytes (one table lookup)."""
    return FLAGS[marks]
