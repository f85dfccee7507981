"""One definition of an absence episode (issue 11 item 5; docs/absence-episodes.md has the
worked examples). The calling list (followup/selectors.py), the escalation ladder and the
vulnerable-children rule (policy/engine/rules/contacts.py, vulnerable.py) and the CME clock
(policy/engine/rules/runs.py) all read a pupil's current episode through this module, so
they agree on when a run of absence starts, continues and ends.

Each session of the pupil's timeline, oldest first, is in one of three states:

- **qualifies**: a mark of the episode's codes (N or O: absent, the reason not known). It
  extends the run and is counted.
- **not yet known**: no mark (a register never taken, or taken without this child, or not
  yet taken today). It neither extends nor ends the run, and is not counted: nobody knows
  yet whether the child was there. The missing-registers board chases it.
- **breaks**: any other mark (present, late, an authorised or not-possible code, G: the
  family told the school where the child is), or a session before the pupil was on roll.

A mark counts as soon as it is recorded, the register open or closed: the teacher has seen
the child, or not. (The calling list still waits for the register to close before it lists a
child: a late arrival before the close is an L.)

The current episode is the run after the last session that breaks, when it holds at least one
qualifying session. It starts at its first qualifying session, morning or afternoon. Its
length is counted in qualifying sessions (statutory.md §9: the counters reset on any session
outside the qualifying codes); two sessions make a school day, so 20 consecutive qualifying
sessions are 10 school days whichever session they start on [U: our reading, statutory.md §9
leaves "continuous" open; docs/absence-episodes.md].

Other statutory counters use the same machinery with their own codes (`current_runs` takes
any qualifying set): the 20-day deletion ground counts G, N, O; the 10-day return G, N, O, U.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Absent and the reason not known: N "reason not yet provided", O "absent in other or
# unknown circumstances" (reg 10 Table 5, 2024 Regulations via statutory.md §1 [S]).
EPISODE_CODES = frozenset({"N", "O"})

QUALIFIES = "qualifies"
NOT_YET_KNOWN = "not yet known"
BREAKS = "breaks"
# [U] statutory.md §9: a school day is two sessions, so a run's school days are its
# qualifying sessions / 2 (20 sessions = 10 school days, whichever session they start on).
SESSIONS_PER_SCHOOL_DAY = 2


def session_state(code: str | None, *, codes: frozenset[str] = EPISODE_CODES) -> str:
    """The state of one session for the run of `codes`: `code` None or "" is no mark."""
    if not code:
        return NOT_YET_KNOWN
    return QUALIFIES if code in codes else BREAKS


@dataclass(frozen=True)
class Run:
    """The current run of a sequence of session states: indexes into it."""

    first: int  # the first qualifying session: where the episode starts
    last: int  # the last qualifying session
    sessions: int  # qualifying sessions (not-yet-known ones in between are not counted)

    @property
    def school_days(self) -> float:
        return self.sessions / SESSIONS_PER_SCHOOL_DAY


def current_run(states: Sequence[str]) -> Run | None:
    """The run that is current at the end of `states` (oldest first), or None when the
    sessions after the last one that breaks hold no qualifying session."""
    first = last = None
    count = 0
    for index in range(len(states) - 1, -1, -1):
        if states[index] == BREAKS:
            break
        if states[index] == QUALIFIES:
            count += 1
            first = index
            last = index if last is None else last
    return Run(first, last, count) if count else None


def current_runs(qualifies: np.ndarray, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`current_run` for a whole matrix at once (pupils × sessions, oldest first; a session
    neither qualifying nor breaking is not yet known). Returns per row (qualifying sessions,
    first qualifying column, last qualifying column, last breaking column), -1 where none."""
    rows, columns = qualifies.shape
    index = np.arange(columns)
    last_break = np.where(breaks, index, -1).max(axis=1, initial=-1)
    in_run = qualifies & (index[None, :] > last_break[:, None])
    count = in_run.sum(axis=1)
    has = count > 0
    first = np.where(has, np.argmax(in_run, axis=1), -1) if columns else np.full(rows, -1)
    last = np.where(has, columns - 1 - np.argmax(in_run[:, ::-1], axis=1), -1) if columns else np.full(rows, -1)
    return count.astype(np.int64), first.astype(np.int64), last.astype(np.int64), last_break.astype(np.int64)


def school_days_text(sessions: int) -> str:
    """'3', '2.5': a run's length in school days, for people."""
    return f"{sessions / SESSIONS_PER_SCHOOL_DAY:g}"
