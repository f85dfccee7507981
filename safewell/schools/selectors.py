"""Reads for organisations, sites and the calendar, scoped to the person asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from safewell.schools.calendar import ClosureDay, SchoolCalendar, TermDates
from safewell.schools.models import AcademicYear, ClosureKind, Site

SITE_NOT_FOUND = "There is no site with that code."
SITE_NOT_YOURS = "You can see the calendar of the sites where you work only."
NO_SUCH_YEAR = "This organisation has no academic year of that name."

# reg 10 / statutory.md §9 [C]: a school meets for at least 380 sessions (190 days) a year.
MINIMUM_SESSIONS_A_YEAR = 380


def site_for_member(*, user, code: str) -> Site:
    """The site with `code` when `user` holds any role there; 404 or 403 otherwise."""
    site = Site.objects.select_related("organisation").filter(code=code).first()
    if site is None:
        raise Http404(SITE_NOT_FOUND)
    # The reverse relation keeps schools free of an import of accounts (design.md: shape).
    if not user.is_authenticated or not site.memberships.filter(user=user).exists():
        raise PermissionDenied(SITE_NOT_YOURS)
    return site


def academic_years_of(site: Site) -> QuerySet[AcademicYear]:
    return AcademicYear.objects.filter(organisation_id=site.organisation_id).order_by("starts_on")


def academic_year_for(*, site: Site, name: str | None, today: dt.date) -> AcademicYear | None:
    """The year named `name`, else the one containing `today`, else the last one begun, else
    the first one; None when the organisation has no years yet."""
    years = list(academic_years_of(site))
    if name:
        for year in years:
            if year.name == name:
                return year
        raise Http404(NO_SUCH_YEAR)
    for year in years:
        if year.starts_on <= today <= year.ends_on:
            return year
    begun = [y for y in years if y.starts_on <= today]
    return (begun or years or [None])[-1 if begun else 0]


@dataclass(frozen=True)
class TermSummary:
    term: TermDates
    school_days: int
    sessions: int


@dataclass(frozen=True)
class Holiday:
    """A gap between two terms of the year."""

    starts_on: dt.date
    ends_on: dt.date
    after: str


@dataclass(frozen=True)
class ClosureLine:
    date: dt.date
    sessions: str
    kind: str
    code: str
    part: str
    reason: str

    @classmethod
    def of(cls, closure: ClosureDay) -> ClosureLine:
        sessions = "Whole day" if len(closure.sessions) == 2 else closure.sessions[0]
        return cls(closure.date, sessions, ClosureKind(closure.kind).label,
                   closure.register_code or "none", closure.part, closure.reason)


@dataclass(frozen=True)
class BankHoliday:
    date: dt.date
    name: str
    in_term: bool


@dataclass(frozen=True)
class CalendarYearOverview:
    academic_year: AcademicYear
    terms: list[TermSummary]
    holidays: list[Holiday]
    closures: list[ClosureLine]
    bank_holidays: list[BankHoliday]
    school_days: int
    sessions: int

    @property
    def below_minimum(self) -> bool:
        return self.sessions < MINIMUM_SESSIONS_A_YEAR


def calendar_year_overview(*, site: Site, academic_year: AcademicYear) -> CalendarYearOverview:
    calendar = SchoolCalendar.for_academic_year(site, academic_year)
    terms = calendar.terms_of(academic_year.name)
    start, end = academic_year.starts_on, academic_year.ends_on
    return CalendarYearOverview(
        academic_year=academic_year,
        terms=[
            TermSummary(t, calendar.school_day_count(t.starts_on, t.ends_on),
                        len(calendar.sessions_between(t.starts_on, t.ends_on)))
            for t in terms
        ],
        holidays=[
            Holiday(a.ends_on + dt.timedelta(days=1), b.starts_on - dt.timedelta(days=1), a.name)
            for a, b in zip(terms, terms[1:])
            if (b.starts_on - a.ends_on).days > 1
        ],
        closures=[ClosureLine.of(c) for c in calendar.closures_between(start, end)],
        bank_holidays=[
            BankHoliday(d, name, any(t.starts_on <= d <= t.ends_on for t in terms))
            for d, name in calendar.bank_holidays_between(start, end).items()
        ],
        school_days=calendar.school_day_count(start, end),
        sessions=len(calendar.sessions_between(start, end)),
    )
