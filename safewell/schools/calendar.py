"""The school calendar: the only code that knows what a school day is.

Build a `SchoolCalendar` once per site and date range (`SchoolCalendar.for_site`), then ask
it questions. It answers from memory (a byte per day, sorted lists and `bisect`), because the
rules engine asks millions of times. "Today" is never read here: every question takes its
dates as arguments.

What counts (statutory.md §9):

- A **session** is half a school day, AM or PM [C] (reg 10(1) 2024 Regulations).
- A **school day** is "any day on which at that school there is a school session"
  (s579(1) Education Act 1996) [U: statutory.md §9 did not find a definition in the 2024
  Regulations]. So we count days on which at least one session is *open*.
- Not school days: weekends; the gaps between terms (holidays); England's bank holidays
  (from the `holidays` package, subdivision ENG); INSET days; `#` planned closures
  [S, statutory.md §9: "Weekends, holidays, INSET days and # closure days are not school
  days"].
- **Y4, whole site unexpectedly closed.** The school meant to meet, so the session is
  *scheduled* (the register records Y4 on it), but Y4 is not a possible session [S]
  (statutory.md §1, code table) and no session was held. Our decision: a Y4 session is
  not *open*, so a whole-site Y4 day is **not a school day** when counting "N school days",
  and a week whose only sessions were Y4 is not a school week. Certainty [U]: it follows
  from s579(1) (no session took place), but we found no guidance that says so; check with
  the LA before relying on it in a dispute.
- **Y3, part of the premises out of use** [S]: the school still meets. The day stays a
  school day; `closure(d, session)` tells the register which part is closed so the
  affected pupils are coded Y3.
- A **school week** is any week with at least one school session [S] (statutory.md §4,
  the national penalty-notice framework). Weeks run Monday to Sunday.

The **session index** (`YearSessions`) numbers every weekday AM and PM of an academic year,
from its first day: Monday AM of the first week is 2k, PM is 2k+1. It counts weekdays,
not school sessions, so adding a closure, a snow day or correcting a term date never moves
a session to another index: the compact per-pupil session store (one byte per index,
design.md principle 8) stays valid. `open_session_mask()` says which indexes are school
sessions.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import holidays
import numpy as np

if TYPE_CHECKING:
    from safewell.schools.models import AcademicYear, Site

AM = "AM"
PM = "PM"
SESSIONS = (AM, PM)

# Bits of the one byte we keep per day.
_OPEN_AM = 1
_OPEN_PM = 2
_SCHEDULED_AM = 4
_SCHEDULED_PM = 8
_OPEN = _OPEN_AM | _OPEN_PM
_BITS = {AM: (_OPEN_AM, _SCHEDULED_AM), PM: (_OPEN_PM, _SCHEDULED_PM)}
_SESSIONS_FOR_BITS: tuple[tuple[str, ...], ...] = ((), (AM,), (PM,), (AM, PM))

INSET_DAY = "inset_day"
PLANNED = "planned"
UNEXPECTED = "unexpected"
PARTIAL = "partial"
# What each closure kind does to a session it covers: is the session still scheduled (the
# school meant to meet), and is it still open (a session took place)?
_CLOSURE_EFFECT: dict[str, tuple[bool, bool]] = {
    INSET_DAY: (False, False),
    PLANNED: (False, False),
    UNEXPECTED: (True, False),  # Y4: scheduled, not held. See the module docstring.
    PARTIAL: (True, True),  # Y3: the school meets; some pupils cannot.
}


class OutsideCalendar(ValueError):
    """The question needs days this calendar was not built for (or has no term dates for)."""


@lru_cache(maxsize=64)
def _bank_holidays_of_year(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


def england_bank_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """England's bank holidays from `start` to `end` inclusive, with their names."""
    found: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        for day, name in _bank_holidays_of_year(year).items():
            if start <= day <= end:
                found[day] = name
    return dict(sorted(found.items()))


def monday_of(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def _weekdays_from(start: dt.date, stop: dt.date) -> int:
    """How many Mondays-to-Fridays lie in [start, stop)."""
    days = (stop - start).days
    full_weeks, rest = divmod(days, 7)
    first = start.weekday()
    return full_weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < 5)


@dataclass(frozen=True)
class YearSessions:
    """The deterministic session index of one academic year: every weekday, AM then PM."""

    name: str
    starts_on: dt.date
    ends_on: dt.date

    def __len__(self) -> int:
        return 2 * _weekdays_from(self.starts_on, self.ends_on + dt.timedelta(days=1))

    def __contains__(self, d: object) -> bool:
        return isinstance(d, dt.date) and self.starts_on <= d <= self.ends_on

    def session_index(self, d: dt.date, session: str) -> int:
        if session not in _BITS:
            raise ValueError(f"session must be AM or PM, not {session!r}")
        if d not in self:
            raise OutsideCalendar(f"{d} is not in academic year {self.name}")
        if d.weekday() >= 5:
            raise ValueError(f"{d} is a {d:%A}: weekends have no session index")
        return 2 * _weekdays_from(self.starts_on, d) + (0 if session == AM else 1)

    def session_at(self, index: int) -> tuple[dt.date, str]:
        if not 0 <= index < len(self):
            raise IndexError(f"academic year {self.name} has no session {index}")
        first = self.starts_on
        while first.weekday() >= 5:
            first += dt.timedelta(days=1)
        weeks, weekday = divmod(first.weekday() + index // 2, 5)
        d = monday_of(first) + dt.timedelta(days=7 * weeks + weekday)
        return d, SESSIONS[index % 2]

    def sessions(self) -> tuple[tuple[dt.date, str], ...]:
        """Every (date, session) of the index, in index order."""
        out: list[tuple[dt.date, str]] = []
        d = self.starts_on
        while d <= self.ends_on:
            if d.weekday() < 5:
                out.append((d, AM))
                out.append((d, PM))
            d += dt.timedelta(days=1)
        return tuple(out)


@dataclass(frozen=True)
class TermDates:
    academic_year: str
    name: str
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class ClosureDay:
    """One closure of one date, as the calendar needs it (a models.Closure without the ORM)."""

    date: dt.date
    sessions: tuple[str, ...]
    kind: str
    part: str = ""
    reason: str = ""

    @property
    def register_code(self) -> str | None:
        return {INSET_DAY: None, PLANNED: "#", UNEXPECTED: "Y4", PARTIAL: "Y3"}[self.kind]


class SchoolCalendar:
    """What a site's school days and sessions are between two dates. Immutable once built."""

    def __init__(
        self,
        *,
        start: dt.date,
        end: dt.date,
        years: Sequence[YearSessions],
        terms: Iterable[TermDates],
        closures: Iterable[ClosureDay] = (),
        bank_holidays: Mapping[dt.date, str] | None = None,
        knows_all_history: bool = True,
    ) -> None:
        if end < start:
            raise ValueError("a calendar must end on or after its start")
        # Whole weeks, so every question about a week sees all of it.
        self.start = monday_of(start)
        self.end = monday_of(end) + dt.timedelta(days=6)
        self._start_ordinal = self.start.toordinal()
        self.years = tuple(sorted(years, key=lambda y: y.starts_on))
        self.terms = tuple(sorted(terms, key=lambda t: t.starts_on))
        self.bank_holidays = dict(
            bank_holidays if bank_holidays is not None else england_bank_holidays(self.start, self.end)
        )
        # False when older term dates exist that were not loaded: then a question that runs
        # off the start (the last 10 school weeks) must not quietly return fewer weeks.
        self._knows_all_history = knows_all_history
        self._flags = bytearray((self.end - self.start).days + 1)
        self._closures: dict[tuple[dt.date, str], ClosureDay] = {}
        self.closures: tuple[ClosureDay, ...] = ()
        self._mark_terms()
        self._apply_closures(closures)
        self._school_days = [
            self.start + dt.timedelta(days=i) for i, f in enumerate(self._flags) if f & _OPEN
        ]
        self._school_weeks = sorted({monday_of(d) for d in self._school_days})
        self._day_slot = self._slot_table()

    def _slot_table(self) -> list[int]:
        """Per day of the calendar, the session index of its AM session in its academic year
        (-1 on weekends and outside the years), so `session_index` is one lookup."""
        slots = [-1] * len(self._flags)
        for year in self.years:
            d = max(year.starts_on, self.start)
            slot = year.session_index(d, AM) if d.weekday() < 5 else 2 * _weekdays_from(year.starts_on, d)
            while d <= min(year.ends_on, self.end):
                if d.weekday() < 5:
                    slots[self._offset(d)] = slot
                    slot += 2
                d += dt.timedelta(days=1)
        return slots

    # -- building ------------------------------------------------------------------------

    def _mark_terms(self) -> None:
        every_session = _OPEN_AM | _OPEN_PM | _SCHEDULED_AM | _SCHEDULED_PM
        for term in self.terms:
            d = max(term.starts_on, self.start)
            while d <= min(term.ends_on, self.end):
                if d.weekday() < 5 and d not in self.bank_holidays:
                    self._flags[self._offset(d)] |= every_session
                d += dt.timedelta(days=1)

    def _apply_closures(self, closures: Iterable[ClosureDay]) -> None:
        kept: list[ClosureDay] = []
        for closure in sorted(closures, key=lambda c: (c.date, c.sessions)):
            if not self.start <= closure.date <= self.end:
                continue
            kept.append(closure)
            still_scheduled, still_open = _CLOSURE_EFFECT[closure.kind]
            offset = self._offset(closure.date)
            for session in closure.sessions:
                self._closures[(closure.date, session)] = closure
                open_bit, scheduled_bit = _BITS[session]
                if not still_open:
                    self._flags[offset] &= ~open_bit & 0xFF
                if not still_scheduled:
                    self._flags[offset] &= ~scheduled_bit & 0xFF
        self.closures = tuple(kept)

    @classmethod
    def for_site(
        cls, site: Site, start: dt.date | None = None, end: dt.date | None = None
    ) -> SchoolCalendar:
        """Load the site's terms, closures and bank holidays once (three queries).

        Without `start`/`end`, the calendar spans every academic year of the organisation.
        """
        from safewell.schools.models import AcademicYear, Closure, Term

        all_years = list(
            AcademicYear.objects.filter(organisation_id=site.organisation_id).order_by("starts_on")
        )
        if start is None or end is None:
            if not all_years:
                raise OutsideCalendar(
                    f"{site.organisation} has no academic years: import its term dates first"
                )
            start = start or all_years[0].starts_on
            end = end or all_years[-1].ends_on
        padded_start, padded_end = monday_of(start), monday_of(end) + dt.timedelta(days=6)
        years = [
            YearSessions(y.name, y.starts_on, y.ends_on)
            for y in all_years
            if y.ends_on >= start and y.starts_on <= end
        ]
        terms = [
            TermDates(t.academic_year.name, t.name, t.starts_on, t.ends_on)
            for t in Term.objects.filter(
                academic_year__organisation_id=site.organisation_id,
                ends_on__gte=padded_start,
                starts_on__lte=padded_end,
            ).select_related("academic_year")
        ]
        closures = [
            ClosureDay(c.date, c.session_names, c.kind, c.part, c.reason)
            for c in Closure.objects.filter(site=site, date__range=(padded_start, padded_end))
        ]
        return cls(
            start=start,
            end=end,
            years=years,
            terms=terms,
            closures=closures,
            knows_all_history=not all_years or padded_start <= all_years[0].starts_on,
        )

    @classmethod
    def for_academic_year(cls, site: Site, academic_year: AcademicYear) -> SchoolCalendar:
        return cls.for_site(site, academic_year.starts_on, academic_year.ends_on)

    # -- single days ---------------------------------------------------------------------

    def _offset(self, d: dt.date) -> int:
        offset = d.toordinal() - self._start_ordinal
        if not 0 <= offset < len(self._flags):
            raise OutsideCalendar(f"{d} is outside this calendar ({self.start} to {self.end})")
        return offset

    def is_school_day(self, d: dt.date) -> bool:
        return bool(self._flags[self._offset(d)] & _OPEN)

    def sessions(self, d: dt.date) -> tuple[str, ...]:
        """The sessions held on `d`: (), ("AM",), ("PM",) or ("AM", "PM")."""
        return _SESSIONS_FOR_BITS[self._flags[self._offset(d)] & _OPEN]

    def scheduled_sessions(self, d: dt.date) -> tuple[str, ...]:
        """The sessions the school meant to hold on `d`: the open ones plus any Y4 ones.

        The register takes a mark on each of these; a Y4 session takes the code Y4.
        """
        return _SESSIONS_FOR_BITS[(self._flags[self._offset(d)] >> 2) & _OPEN]

    def closure(self, d: dt.date, session: str) -> ClosureDay | None:
        """The closure covering that session, if any (INSET, #, Y4, or a Y3 partial one)."""
        self._offset(d)
        return self._closures.get((d, session))

    def bank_holiday(self, d: dt.date) -> str | None:
        self._offset(d)
        return self.bank_holidays.get(d)

    # -- ranges --------------------------------------------------------------------------

    def school_days_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The school days from `start` to `end`, both included, in order."""
        self._offset(start), self._offset(end)
        return self._school_days[bisect_left(self._school_days, start) : bisect_right(self._school_days, end)]

    def school_day_count(self, start: dt.date, end: dt.date) -> int:
        self._offset(start), self._offset(end)
        return max(0, bisect_right(self._school_days, end) - bisect_left(self._school_days, start))

    def sessions_between(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """The sessions held from `start` to `end`, both included, as ordered (date, session)."""
        return [(d, s) for d in self.school_days_between(start, end) for s in self.sessions(d)]

    def nth_school_day_after(self, d: dt.date, n: int) -> dt.date:
        """The n-th school day after `d` (not counting `d`): n=1 is the next school day."""
        if n < 1:
            raise ValueError("n must be 1 or more")
        self._offset(d)
        i = bisect_right(self._school_days, d) + n - 1
        if i >= len(self._school_days):
            raise OutsideCalendar(f"no {n}th school day after {d} before {self.end}: no term dates yet?")
        return self._school_days[i]

    def nth_school_day_before(self, d: dt.date, n: int) -> dt.date:
        """The n-th school day before `d` (not counting `d`): n=1 is the previous school day."""
        if n < 1:
            raise ValueError("n must be 1 or more")
        self._offset(d)
        i = bisect_left(self._school_days, d) - n
        if i < 0:
            raise OutsideCalendar(f"no {n}th school day before {d} after {self.start}")
        return self._school_days[i]

    # -- weeks ---------------------------------------------------------------------------

    def school_week_of(self, d: dt.date) -> dt.date | None:
        """The Monday of `d`'s week when that week has at least one session, else None."""
        self._offset(d)
        monday = monday_of(d)
        i = bisect_left(self._school_weeks, monday)
        return monday if i < len(self._school_weeks) and self._school_weeks[i] == monday else None

    def last_school_weeks(self, d: dt.date, n: int = 10) -> list[dt.date]:
        """The Mondays of the last `n` school weeks up to and including `d`'s week, oldest first.

        Weeks without a session are skipped, so the window may span holidays, terms and
        years (statutory.md §4 [S]: 10 school weeks, any week with at least one session).
        The week of `d` counts whole, even the days after `d`: the caller judges sessions
        after "today" (they have no marks yet).
        """
        if n < 1:
            raise ValueError("n must be 1 or more")
        self._offset(d)
        i = bisect_right(self._school_weeks, monday_of(d))
        if i < n and not self._knows_all_history:
            raise OutsideCalendar(
                f"fewer than {n} school weeks loaded before {d}: build the calendar from an earlier date"
            )
        return self._school_weeks[max(0, i - n) : i]

    # -- the session index ---------------------------------------------------------------

    def year(self, d: dt.date | str) -> YearSessions:
        """The academic year containing date `d` (or named `d`, e.g. "2026/27")."""
        for year in self.years:
            if (isinstance(d, str) and year.name == d) or (isinstance(d, dt.date) and d in year):
                return year
        raise OutsideCalendar(f"no academic year {d} in this calendar")

    def session_index(self, d: dt.date, session: str) -> int:
        """The position of (d, session) in its academic year's session index."""
        slot = self._day_slot[self._offset(d)]
        if slot < 0 or session not in _BITS:
            return self.year(d).session_index(d, session)  # raises the precise error
        return slot if session == AM else slot + 1

    def year_sessions(self, year: dt.date | str | None = None) -> tuple[tuple[dt.date, str], ...]:
        """Every (date, session) of the year's index, in index order (weekdays, not only school
        sessions: see `open_session_mask`). With one year loaded, `year` may be left out."""
        return self._year_or_only(year).sessions()

    def open_session_mask(self, year: dt.date | str | None = None) -> np.ndarray:
        """A boolean array over the year's session index: True where a session is held."""
        return self._year_mask(self._year_or_only(year), scheduled=False)

    def scheduled_session_mask(self, year: dt.date | str | None = None) -> np.ndarray:
        """True where the school meant to meet: the open sessions plus Y4 ones."""
        return self._year_mask(self._year_or_only(year), scheduled=True)

    def _year_or_only(self, year: dt.date | str | None) -> YearSessions:
        if year is not None:
            return self.year(year)
        if len(self.years) != 1:
            raise ValueError("this calendar holds several academic years: name one")
        return self.years[0]

    def _year_mask(self, year: YearSessions, *, scheduled: bool) -> np.ndarray:
        mask = np.zeros(len(year), dtype=bool)
        shift = 2 if scheduled else 0
        for index, (d, session) in enumerate(year.sessions()):
            bit = _BITS[session][0] << shift
            mask[index] = bool(self._flags[self._offset(d)] & bit)
        return mask

    # -- for pages -----------------------------------------------------------------------

    def terms_of(self, year: str) -> list[TermDates]:
        return [t for t in self.terms if t.academic_year == year]

    def bank_holidays_between(self, start: dt.date, end: dt.date) -> dict[dt.date, str]:
        return {d: name for d, name in self.bank_holidays.items() if start <= d <= end}

    def closures_between(self, start: dt.date, end: dt.date) -> list[ClosureDay]:
        return [c for c in self.closures if start <= c.date <= end]
