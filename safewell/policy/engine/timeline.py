"""A site's school sessions as one time axis: the columns the rules work over.

Each academic year's session store is indexed by weekday, AM then PM (schools.calendar
YearSessions), holidays included. The rules want only the sessions that were held: a
`Timeline` is the site's *open* sessions (SchoolCalendar.open_session_mask) from the start
of the current academic year to `today`, optionally preceded by the last weeks of the
previous academic year (the "tail"), so that a run of absence or a rolling 10 school weeks
can reach back over the summer (statutory.md §4 [S]: the 10 weeks "may span terms or
school years").

From the columns it derives the school days (a day's one or two held sessions), the school
weeks (statutory.md §4 [S]: any week with at least one session; Monday to Sunday, as the
calendar counts them) and which days sit next to a weekend or holiday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from safewell.schools.calendar import OutsideCalendar, SchoolCalendar, YearSessions

# The previous year's last 100 weekdays (20 calendar weeks, 200 sessions): holds more than 10
# school weeks and 20 school days even across a six-week summer holiday.
TAIL_WEEKDAYS = 100
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def year_dates(year: YearSessions, indexes: np.ndarray) -> np.ndarray:
    """The dates (datetime64[D]) of session indexes of a year (2 per weekday)."""
    return np.busday_offset(np.datetime64(year.starts_on, "D"), indexes // 2, roll="forward")


def sessions_through(year: YearSessions, today: dt.date) -> int:
    """How many of the year's session indexes fall on or before `today`."""
    if today < year.starts_on:
        return 0
    end = min(today, year.ends_on) + dt.timedelta(days=1)
    return int(2 * np.busday_count(np.datetime64(year.starts_on, "D"), np.datetime64(end, "D")))


def to_date(value: np.datetime64) -> dt.date:
    return value.astype("datetime64[D]").astype(dt.date)


@dataclass(frozen=True)
class Timeline:
    """The held sessions of one site up to `today`: column j is `dates[j]` (`is_pm[j]`).

    Columns [0, tail_length) come from the previous year's store (`tail_indexes` into it);
    the rest from the current year's (`year_indexes`)."""

    calendar: SchoolCalendar
    year: YearSessions
    previous: YearSessions | None
    today: dt.date
    tail_indexes: np.ndarray
    year_indexes: np.ndarray

    @property
    def has_tail(self) -> bool:
        return len(self.tail_indexes) > 0

    @property
    def tail_length(self) -> int:
        return len(self.tail_indexes)

    @cached_property
    def columns(self) -> int:
        return len(self.tail_indexes) + len(self.year_indexes)

    @cached_property
    def dates(self) -> np.ndarray:
        parts = [year_dates(self.previous, self.tail_indexes)] if self.has_tail else []
        parts.append(year_dates(self.year, self.year_indexes))
        return np.concatenate(parts).astype("datetime64[D]")

    @cached_property
    def date_texts(self) -> list[str]:
        """ISO date of each column, for evidence."""
        return [str(d) for d in self.dates]

    @cached_property
    def session_texts(self) -> list[str]:
        return ["PM" if pm else "AM" for pm in self.is_pm]

    @cached_property
    def is_pm(self) -> np.ndarray:
        return np.concatenate([self.tail_indexes % 2, self.year_indexes % 2]).astype(bool)

    # -- days --------------------------------------------------------------------------------

    @cached_property
    def day_starts(self) -> np.ndarray:
        """The first column of each school day."""
        if self.columns == 0:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.r_[True, self.dates[1:] != self.dates[:-1]])

    @cached_property
    def days(self) -> np.ndarray:
        return self.dates[self.day_starts]

    @property
    def day_count(self) -> int:
        return len(self.day_starts)

    @cached_property
    def day_of_column(self) -> np.ndarray:
        return np.cumsum(np.r_[False, self.dates[1:] != self.dates[:-1]]) if self.columns else np.zeros(0, np.int64)

    @cached_property
    def day_ends(self) -> np.ndarray:
        """One past the last column of each day."""
        return np.append(self.day_starts[1:], self.columns)

    @cached_property
    def weekday(self) -> np.ndarray:
        """Monday = 0 … Friday = 4, per day."""
        return ((self.days.astype(np.int64) + 3) % 7).astype(np.int64)

    @cached_property
    def first_year_day(self) -> int:
        """The index of the current year's first school day (the tail's days come before)."""
        return int(np.searchsorted(self.days, np.datetime64(self.year.starts_on, "D")))

    @cached_property
    def adjacent(self) -> np.ndarray:
        """Per day: the calendar day before or after is not a school day (a weekend, a
        holiday, a bank holiday, an INSET or closure day)."""
        out = np.zeros(self.day_count, dtype=bool)
        for i, day in enumerate(self.days.astype(dt.date)):
            out[i] = not (self._is_school_day(day - dt.timedelta(days=1)) and self._is_school_day(day + dt.timedelta(days=1)))
        return out

    def _is_school_day(self, day: dt.date) -> bool:
        try:
            return self.calendar.is_school_day(day)
        except OutsideCalendar:
            return False

    @cached_property
    def today_day(self) -> int | None:
        """The index of today among the days, when today is a school day."""
        if self.day_count and to_date(self.days[-1]) == self.today:
            return self.day_count - 1
        return None

    # -- weeks -------------------------------------------------------------------------------

    @cached_property
    def mondays(self) -> np.ndarray:
        """The Monday of each school week, in order."""
        monday_of_day = self.days - self.weekday.astype("timedelta64[D]")
        return np.unique(monday_of_day)

    @cached_property
    def week_of_day(self) -> np.ndarray:
        return np.searchsorted(self.mondays, self.days - self.weekday.astype("timedelta64[D]"))

    @cached_property
    def week_starts(self) -> np.ndarray:
        """The first column of each school week."""
        first_day = np.searchsorted(self.week_of_day, np.arange(len(self.mondays)))
        return self.day_starts[first_day] if len(first_day) else np.zeros(0, dtype=np.int64)

    @property
    def week_count(self) -> int:
        return len(self.mondays)

    @cached_property
    def first_year_week(self) -> int:
        if self.first_year_day >= self.day_count:
            return self.week_count
        return int(self.week_of_day[self.first_year_day])

    # -- looking up --------------------------------------------------------------------------

    def column_of(self, dates: np.ndarray, is_pm: np.ndarray) -> np.ndarray:
        """The column of each (date, session), or -1 where that session is not on the timeline."""
        keys = self.dates.astype(np.int64) * 2 + self.is_pm
        wanted = dates.astype("datetime64[D]").astype(np.int64) * 2 + is_pm.astype(np.int64)
        found = np.searchsorted(keys, wanted)
        found = np.minimum(found, max(0, len(keys) - 1))
        hit = (len(keys) > 0) & (keys[found] == wanted) if len(keys) else np.zeros(len(wanted), dtype=bool)
        return np.where(hit, found, -1)

    @cached_property
    def day_dates(self) -> list[dt.date]:
        return self.days.astype(dt.date).tolist()

    @cached_property
    def day_texts(self) -> list[str]:
        return [d.isoformat() for d in self.day_dates]

    def date_of_day(self, day: int) -> dt.date:
        return self.day_dates[day]

    @cached_property
    def monday_dates(self) -> list[dt.date]:
        return self.mondays.astype(dt.date).tolist()

    def monday_of_week(self, week: int) -> dt.date:
        return self.monday_dates[week]


def timeline_build(
    calendar: SchoolCalendar, year: YearSessions, previous: YearSessions | None, today: dt.date, *, tail: bool
) -> Timeline:
    """The open sessions of the site from the year's start (after the previous year's tail,
    with `tail`) to `today`."""
    mask = calendar.open_session_mask(year.name)
    year_indexes = np.flatnonzero(mask[: sessions_through(year, today)])
    tail_indexes = np.zeros(0, dtype=np.int64)
    if tail and previous is not None:
        previous_mask = calendar.open_session_mask(previous.name)
        first = max(0, len(previous_mask) - 2 * TAIL_WEEKDAYS)
        tail_indexes = first + np.flatnonzero(previous_mask[first:])
    return Timeline(calendar, year, previous if tail else None, today, tail_indexes, year_indexes)
