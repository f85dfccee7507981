"""Age from the date of birth: compulsory school age, and 18 or over.

Not in statutory.md, so every fact here is [U]: from the legislation as we remember it,
not checked against legislation.gov.uk (not reachable from here). Check before relying on
the edges in a conformance test:

- s8(2) Education Act 1996 and the Education (Start of Compulsory School Age) Order 1998
  [U]: a child begins to be of compulsory school age on the first *prescribed day* on or
  after their 5th birthday. The prescribed days are 31 August, 31 December and 31 March.
- s8(3)-(4) Education Act 1996 and the Education (School Leaving Date) Order 1997 [U]: a
  child ceases to be of compulsory school age at the *end* of the school leaving date (the
  last Friday in June) of the school year (1 September - 31 August) in which they turn 16.
  That covers all three cases of s8(3): turning 16 between the leaving date and 31 August
  (they leave on that June's date, before the birthday), on the leaving date itself, and
  otherwise the next leaving date after the birthday.
- A person attains an age at the start of the anniversary of their birth (s9 Family Law
  Reform Act 1969) [U]. For a 29 February birthday in a common year we take 1 March [U]:
  it never moves a prescribed day or a school year, but it does decide the 18th birthday.

Seed 004 treats pupils aged 18 or over differently: their parents are not notified.
"""

from __future__ import annotations

import datetime as dt

PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))  # (month, day), in calendar order
COMPULSORY_FROM_AGE = 5
COMPULSORY_UNTIL_AGE = 16
ADULT_AGE = 18


def birthday(date_of_birth: dt.date, age: int) -> dt.date:
    """The day a person born on `date_of_birth` attains `age`."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:  # 29 February in a common year
        return dt.date(date_of_birth.year + age, 3, 1)


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    years = on.year - date_of_birth.year
    return years if on >= birthday(date_of_birth, years) else years - 1


def last_friday_in_june(year: int) -> dt.date:
    june_30 = dt.date(year, 6, 30)
    return june_30 - dt.timedelta(days=(june_30.weekday() - 4) % 7)


def school_year_ending(day: dt.date) -> int:
    """The calendar year in which the school year (1 Sep - 31 Aug) containing `day` ends."""
    return day.year + 1 if day.month >= 9 else day.year


def compulsory_school_age_starts(date_of_birth: dt.date) -> dt.date:
    fifth = birthday(date_of_birth, COMPULSORY_FROM_AGE)
    for month, day in PRESCRIBED_DAYS:
        prescribed = dt.date(fifth.year, month, day)
        if prescribed >= fifth:
            return prescribed
    raise AssertionError("31 December is always on or after a birthday in its year")


def compulsory_school_age_ends(date_of_birth: dt.date) -> dt.date:
    """The last day of compulsory school age (the school leaving date, inclusive)."""
    sixteenth = birthday(date_of_birth, COMPULSORY_UNTIL_AGE)
    return last_friday_in_june(school_year_ending(sixteenth))


def compulsory_school_age(date_of_birth: dt.date, on: dt.date) -> bool:
    """Whether a child born on `date_of_birth` is of compulsory school age on `on`."""
    return compulsory_school_age_starts(date_of_birth) <= on <= compulsory_school_age_ends(
        date_of_birth
    )


def is_over_18(date_of_birth: dt.date, on: dt.date) -> bool:
    """18 or over on `on` (an adult: seed 004 sends no parent notification)."""
    return on >= birthday(date_of_birth, ADULT_AGE)
