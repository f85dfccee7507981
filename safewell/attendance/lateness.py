"""Late arrivals: L before the register closes, U after it (statutory.md §9).

- **L**: "absent when the register begins to be taken, but attends before the taking of
  the register has ended"; counts as present [C] (reg 10(2) Table 1, 2024 Regulations).
- **U**: "attended after the taking of the register ended but before the end of the
  session"; unauthorised absence [S] (reg 10 quoted by Manchester, statutory.md §1).
- Arriving **after the session has ended** does not earn U: the session keeps its absence
  code [U, by implication, statutory.md §9].
- Minutes late count from the register **opening** (the start of the session the pupil
  missed), in whole minutes.

Register times are local wall clock (Europe/London), so a school whose register opens at
08:45 opens at 08:45 in BST and in GMT (design.md principle 2). An `arrived_at` is an
aware instant; it is turned into London time before comparing.

These are the clock's rules only: signing a late pupil in writes the mark through the
register (registers.late_arrival_record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from safewell.attendance.models import Session
from safewell.attendance.register_times import LONDON, register_closes_at, register_opens_at, session_ends_at

NAIVE_ARRIVAL = "The arrival time must say its time zone (an aware datetime)."
ARRIVED_ON_ANOTHER_DAY = "The arrival time {arrived:%-d %B %Y %H:%M} is not on {date:%-d %B %Y}."
ARRIVED_BEFORE_OPENING = (
    "Arrived at {arrived:%H:%M}, by the time the register opened at {opens:%H:%M}: mark the pupil present."
)
ARRIVED_AFTER_SESSION = (
    "Arrived at {arrived:%H:%M}, after the {session} session ended at {ends:%H:%M}: "
    "the session keeps its absence code (statutory.md §9)."
)


class NotLate(ValueError):
    """The arrival does not make an L or U (before the register opened, after the session
    ended, or on another day). The message says which."""


@dataclass(frozen=True)
class Late:
    code: str  # "L" or "U"
    minutes_late: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    ends_at: dt.datetime


def session_of_arrival(site, arrived_at: dt.datetime) -> tuple[dt.date, str]:
    """(local date, session) an arrival falls in: AM until the afternoon register opens."""
    local = timezone.localtime(arrived_at, LONDON)
    session = Session.AM if local.time() < site.pm_register_opens_at else Session.PM
    return local.date(), session


def late_code(*, site, date: dt.date, session: str, arrived_at: dt.datetime) -> Late:
    """L or U and the minutes late of a pupil arriving at `arrived_at`, or NotLate."""
    if timezone.is_naive(arrived_at):
        raise NotLate(NAIVE_ARRIVAL)
    local = timezone.localtime(arrived_at, LONDON)
    if local.date() != date:
        raise NotLate(ARRIVED_ON_ANOTHER_DAY.format(arrived=local, date=date))
    opens = register_opens_at(site, date, session)
    closes = register_closes_at(site, date, session)
    ends = session_ends_at(site, date, session)
    # Here when the register begins to be taken: present (/ or \\), not late.
    if arrived_at <= opens:
        raise NotLate(ARRIVED_BEFORE_OPENING.format(arrived=local, opens=opens))
    if arrived_at >= ends:
        raise NotLate(
            ARRIVED_AFTER_SESSION.format(arrived=local, session="morning" if session == Session.AM else "afternoon", ends=ends)
        )
    # reg 10(2) Table 1 [C]: L while the register is still being taken; U after it closed [S].
    code = "L" if arrived_at < closes else "U"
    minutes = int((arrived_at - opens).total_seconds() // 60)
    return Late(code=code, minutes_late=minutes, opens_at=opens, closes_at=closes, ends_at=ends)
