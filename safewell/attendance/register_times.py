"""A register's times: when it opens and closes, when its session ends, and the instant of
a wall-clock time on a date.

They are local wall clock (design.md principle 2; schools.models.Site): a register that
opens at 08:45 opens at 08:45 in BST and in GMT, so each time is made an aware instant in
Europe/London on the day it is wanted. The register's submissions, lateness, its reads and
its jobs all ask these questions, so they live here, below all of them, importing none.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from safewell.attendance.models import SessionRegister

LONDON = ZoneInfo("Europe/London")


def local_moment(day: dt.date, at: dt.time) -> dt.datetime:
    """The aware instant of wall-clock time `at` on `day` in England (BST or GMT as it is)."""
    return dt.datetime.combine(day, at, tzinfo=LONDON)


def register_opens_at(site, day: dt.date, session: str) -> dt.datetime:
    return local_moment(day, site.register_times(session)[0])


def register_closes_at(site, day: dt.date, session: str) -> dt.datetime:
    return local_moment(day, site.register_times(session)[1])


def session_ends_at(site, day: dt.date, session: str) -> dt.datetime:
    """When the session ends (the site's own time, schools.models.Site): U ("attended after
    the taking of the register ended but before the end of the session", reg 10 2024
    Regulations via Manchester [S], statutory.md §1, §9) only until then."""
    return local_moment(day, site.session_ends_at(session))


def register_is_closed(register: SessionRegister | None, site, day: dt.date, session: str, now: dt.datetime) -> bool:
    """Closed by the job, or past the site's close time (so a missed job changes nothing)."""
    if register is not None and register.closed_at is not None:
        return True
    return now >= register_closes_at(site, day, session)
