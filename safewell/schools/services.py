"""Writes for organisations, sites, placing schools and the calendar. All-or-nothing."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db import IntegrityError, transaction

from safewell.core.import_problems import ImportProblem, ImportRejected
from safewell.schools.models import (
    AcademicYear,
    Closure,
    ClosureSessions,
    Organisation,
    PlacingSchool,
    PlacingSchoolKind,
    Site,
    Term,
)
from safewell.schools.term_dates import CLOSURE_KINDS, TERM, TermDatesRow, parse_csv, parse_ical


@transaction.atomic
def site_register_times_set(
    *,
    site: Site,
    am_opens_at: dt.time,
    am_closes_at: dt.time,
    pm_opens_at: dt.time,
    pm_closes_at: dt.time,
) -> Site:
    """Set the AM/PM register windows (local wall clock). Raises ValidationError, saves nothing,
    when a register would close before it opens or stay open longer than 30 minutes."""
    site.am_register_opens_at = am_opens_at
    site.am_register_closes_at = am_closes_at
    site.pm_register_opens_at = pm_opens_at
    site.pm_register_closes_at = pm_closes_at
    site.full_clean()
    site.save(update_fields=[
        "am_register_opens_at", "am_register_closes_at",
        "pm_register_opens_at", "pm_register_closes_at",
    ])
    return site


@transaction.atomic
def site_session_ends_set(*, site: Site, am_ends_at: dt.time | None, pm_ends_at: dt.time) -> Site:
    """Set when the morning and afternoon sessions end (local wall clock; `am_ends_at` None:
    when the afternoon register opens). A pupil arriving after the register closed is U
    only until the session ends (reg 10 2024 Regulations [S], statutory.md §9). Raises
    ValidationError, saves nothing, when a session would end before its register closes."""
    site.am_session_ends_at = am_ends_at
    site.pm_session_ends_at = pm_ends_at
    site.full_clean()
    site.save(update_fields=["am_session_ends_at", "pm_session_ends_at"])
    return site


@transaction.atomic
def placing_school_create(
    *,
    organisation: Organisation,
    name: str,
    kind: PlacingSchoolKind | str,
    urn: str = "",
    local_authority_code: str = "",
    attendance_contact_name: str = "",
    attendance_contact_email: str = "",
    attendance_contact_phone: str = "",
) -> PlacingSchool:
    placing_school = PlacingSchool(
        organisation=organisation,
        name=name,
        kind=kind,
        urn=urn,
        local_authority_code=local_authority_code,
        attendance_contact_name=attendance_contact_name,
        attendance_contact_email=attendance_contact_email,
        attendance_contact_phone=attendance_contact_phone,
    )
    placing_school.full_clean()
    placing_school.save()
    return placing_school


# --- Term dates: import (all or nothing) and single closures --------------------------------

CROSSES_YEAR_END = "ends on {ends_on}, after academic year {year} ends on {year_ends_on}"
YEAR_OVERLAPS = (
    "no academic year contains {starts_on}, and the year it would start ({year}, "
    "{year_starts_on} to {year_ends_on}) overlaps the stored year {other}"
)
TERM_OVERLAPS = "overlaps {other} ({other_starts_on} to {other_ends_on}{where})"
TERM_NAME_TAKEN = "{name} appears twice in {year}{where}"
UNKNOWN_SITE = "no site {code!r} in {organisation} (its sites: {codes})"
NO_SITES = "{organisation} has no sites to close"
ONLY_WEEKEND = "{starts_on} to {ends_on} is a weekend: there is nothing to close"
NOT_IN_TERM = "{date} is not in any term (holidays are already not school days)"
CLOSURE_CLASH = "{site} already has a closure on {date} ({session}){where}"
CHANGED_WHILE_IMPORTING = "the term dates changed while this file was being imported: try again"


def _read_bytes(file: bytes | str | os.PathLike | IO) -> bytes:
    """The file's bytes. A `str` is the file's text; use a Path for a file name."""
    if isinstance(file, bytes):
        return file
    if isinstance(file, str):
        return file.encode("utf-8")
    if isinstance(file, os.PathLike):
        return Path(file).read_bytes()
    content = file.read()
    return content.encode("utf-8") if isinstance(content, str) else content


@dataclass(frozen=True)
class TermDatesImported:
    academic_years: tuple[str, ...]
    terms: int
    closures: int

    def __str__(self) -> str:
        return (
            f"imported {self.terms} terms and {self.closures} closure sessions "
            f"for {', '.join(self.academic_years) or 'no academic year'}"
        )


def term_dates_import_csv(
    *, organisation: Organisation, file: bytes | str | os.PathLike | IO, replace: bool = False
) -> TermDatesImported:
    """Store the terms and closures of a CSV file (docs/calendar-import.md), all or nothing.

    Raises ImportRejected listing every problem by line and field; then nothing is stored.
    With `replace`, the terms and closures already stored for the academic years the file
    covers are removed first.
    """
    rows, problems = parse_csv(_read_bytes(file))
    return _term_dates_store(organisation=organisation, rows=rows, problems=problems, replace=replace)


def term_dates_import_ical(
    *, organisation: Organisation, file: bytes | str | os.PathLike | IO, replace: bool = False
) -> TermDatesImported:
    """The same as `term_dates_import_csv`, from an iCalendar file (docs/calendar-import.md)."""
    rows, problems = parse_ical(_read_bytes(file))
    return _term_dates_store(organisation=organisation, rows=rows, problems=problems, replace=replace)


@dataclass
class _Year:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    stored: AcademicYear | None = None

    def __contains__(self, d: dt.date) -> bool:
        return self.starts_on <= d <= self.ends_on


@dataclass(frozen=True)
class _TermSpan:
    year: str
    name: str
    starts_on: dt.date
    ends_on: dt.date
    row: TermDatesRow | None  # None: already stored

    @property
    def line(self) -> int | None:
        return self.row.line if self.row else None


def _default_year_for(d: dt.date) -> _Year:
    # The "school year" starts with the first term after July (s579(1) Education Act 1996)
    # [U: from memory, not in statutory.md]; the DfE's autumn term data also start on
    # 1 August. So a year nobody defined runs 1 August to 31 July.
    first = d.year if d.month >= 8 else d.year - 1
    return _Year(f"{first}/{(first + 1) % 100:02d}", dt.date(first, 8, 1), dt.date(first + 1, 7, 31))


class _TermDatesPlan:
    """Checks the rows against the database; collects problems; knows what to write."""

    def __init__(self, organisation: Organisation, rows: list[TermDatesRow], replace: bool) -> None:
        self.organisation = organisation
        self.replace = replace
        self.problems: list[ImportProblem] = []
        self.years: dict[str, _Year] = {
            y.name: _Year(y.name, y.starts_on, y.ends_on, y)
            for y in AcademicYear.objects.filter(organisation=organisation)
        }
        self.sites = {s.code: s for s in organisation.sites.all()}
        self._check_site_codes(rows)
        rows = [r for r in rows if r.complete]
        self.term_rows = [r for r in rows if r.kind == TERM]
        self.closure_rows = [r for r in rows if r.kind != TERM]
        self.new_terms: list[_TermSpan] = []
        self.new_closures: list[Closure] = []
        self._plan_terms()
        self.replaced = self._replaced_years()
        self.kept_terms = self._stored_terms_kept()
        self._check_terms()
        self._plan_closures()

    def problem(self, row: TermDatesRow, key: str, message: str) -> None:
        self.problems.append(row.problem(key, message))

    def _year_for(self, row: TermDatesRow) -> _Year | None:
        for year in self.years.values():
            if row.starts_on in year:
                return year
        year = _default_year_for(row.starts_on)
        for other in self.years.values():
            if other.starts_on <= year.ends_on and year.starts_on <= other.ends_on or other.name == year.name:
                self.problem(row, "starts_on", YEAR_OVERLAPS.format(
                    starts_on=row.starts_on, year=year.name, year_starts_on=year.starts_on,
                    year_ends_on=year.ends_on, other=other.name,
                ))
                return None
        self.years[year.name] = year
        return year

    def _plan_terms(self) -> None:
        for row in self.term_rows:
            year = self._year_for(row)
            if year is None:
                continue
            if row.ends_on not in year:
                self.problem(row, "ends_on", CROSSES_YEAR_END.format(
                    ends_on=row.ends_on, year=year.name, year_ends_on=year.ends_on))
                continue
            self.new_terms.append(_TermSpan(year.name, row.name, row.starts_on, row.ends_on, row))

    def _replaced_years(self) -> list[_Year]:
        if not self.replace:
            return []
        names = {t.year for t in self.new_terms}
        for row in self.closure_rows:
            names |= {y.name for y in self.years.values() if row.starts_on in y}
        return [self.years[n] for n in sorted(names)]

    def _in_replaced_year(self, d: dt.date) -> bool:
        return any(d in year for year in self.replaced)

    def _stored_terms_kept(self) -> list[_TermSpan]:
        replaced = {y.name for y in self.replaced}
        return [
            _TermSpan(t.academic_year.name, t.name, t.starts_on, t.ends_on, None)
            for t in Term.objects.filter(academic_year__organisation=self.organisation).select_related("academic_year")
            if t.academic_year.name not in replaced
        ]

    def _check_terms(self) -> None:
        spans = sorted(self.kept_terms + self.new_terms, key=lambda t: (t.starts_on, t.line or 0))
        names: dict[tuple[str, str], _TermSpan] = {}
        latest: _TermSpan | None = None
        for span in spans:
            if latest is not None and span.starts_on <= latest.ends_on and (span.line or latest.line):
                row_span, other = (span, latest) if span.row else (latest, span)
                self.problem(row_span.row, "starts_on" if span.row else "ends_on", TERM_OVERLAPS.format(
                    other=other.name, other_starts_on=other.starts_on, other_ends_on=other.ends_on,
                    where=f", line {other.line}" if other.line else ", already stored"))
            if latest is None or span.ends_on > latest.ends_on:
                latest = span
            key = (span.year, span.name.casefold())
            if key in names and (span.line or names[key].line):
                first = names[key]
                self.problem(span.row or first.row, "name", TERM_NAME_TAKEN.format(
                    name=span.name, year=span.year,
                    where=f" (also line {first.line})" if first.line and span.line else " (already stored)"))
            names.setdefault(key, span)
        self._all_terms = spans

    def _in_term(self, d: dt.date) -> bool:
        return any(t.starts_on <= d <= t.ends_on for t in self._all_terms)

    def _plan_closures(self) -> None:
        taken = self._stored_closure_sessions()
        for row in self.closure_rows:
            sites = self._closure_sites(row)
            dates = self._closure_dates(row)
            if sites is None or dates is None:
                continue
            for site in sites:
                for d in dates:
                    self._plan_closure(row, site, d, taken)

    def _check_site_codes(self, rows: list[TermDatesRow]) -> None:
        """Every closure's site, even on rows with other problems (terms have no site)."""
        for row in rows:
            if row.kind not in CLOSURE_KINDS:
                continue
            if not row.site_code and not self.sites:
                self.problem(row, "site_code", NO_SITES.format(organisation=self.organisation))
            elif row.site_code and row.site_code not in self.sites:
                self.problem(row, "site_code", UNKNOWN_SITE.format(
                    code=row.site_code, organisation=self.organisation,
                    codes=", ".join(sorted(self.sites)) or "none"))

    def _closure_sites(self, row: TermDatesRow) -> list[Site] | None:
        """The sites a closure closes; None when its site is unknown (already reported)."""
        if not row.site_code:
            return list(self.sites.values()) or None
        site = self.sites.get(row.site_code)
        return [site] if site else None

    def _closure_dates(self, row: TermDatesRow) -> list[dt.date] | None:
        days = [
            row.starts_on + dt.timedelta(days=i) for i in range((row.ends_on - row.starts_on).days + 1)
        ]
        weekdays = [d for d in days if d.weekday() < 5]
        if not weekdays:
            self.problem(row, "starts_on", ONLY_WEEKEND.format(
                starts_on=row.starts_on, ends_on=row.ends_on))
            return None
        for d in weekdays:
            if not self._in_term(d):
                field = "starts_on" if d == row.starts_on else "ends_on"
                self.problem(row, field, NOT_IN_TERM.format(date=d))
                return None
        return weekdays

    def _stored_closure_sessions(self) -> dict[tuple[int, dt.date, str], int | None]:
        if not self.closure_rows:
            return {}
        first = min(r.starts_on for r in self.closure_rows)
        last = max(r.ends_on for r in self.closure_rows)
        taken: dict[tuple[int, dt.date, str], int | None] = {}
        for closure in Closure.objects.filter(site__organisation=self.organisation, date__range=(first, last)):
            if self._in_replaced_year(closure.date):
                continue
            for session in closure.session_names:
                taken[(closure.site_id, closure.date, session)] = None
        return taken

    def _plan_closure(self, row: TermDatesRow, site: Site, d: dt.date, taken: dict) -> None:
        for session in row.sessions:
            key = (site.pk, d, session)
            if key in taken:
                other = taken[key]
                self.problem(row, "starts_on", CLOSURE_CLASH.format(
                    site=site.code, date=d, session=session,
                    where=f" (line {other})" if other else " already stored"))
                return
        for session in row.sessions:
            taken[(site.pk, d, session)] = row.line
        sessions = ClosureSessions.BOTH if len(row.sessions) == 2 else row.sessions[0]
        self.new_closures.append(Closure(
            site=site, date=d, sessions=sessions, kind=row.kind, part=row.part, reason=row.reason))

    def apply(self) -> TermDatesImported:
        for year in self.replaced:
            if year.stored is not None:
                Term.objects.filter(academic_year=year.stored).delete()
            Closure.objects.filter(
                site__organisation=self.organisation, date__range=(year.starts_on, year.ends_on)
            ).delete()
        for year in self.years.values():
            if year.stored is None and any(t.year == year.name for t in self.new_terms):
                year.stored = AcademicYear.objects.create(
                    organisation=self.organisation, name=year.name,
                    starts_on=year.starts_on, ends_on=year.ends_on)
        Term.objects.bulk_create([
            Term(academic_year=self.years[t.year].stored, name=t.name, starts_on=t.starts_on, ends_on=t.ends_on)
            for t in self.new_terms
        ])
        Closure.objects.bulk_create(self.new_closures)
        return TermDatesImported(
            academic_years=tuple(sorted({t.year for t in self.new_terms})),
            terms=len(self.new_terms),
            closures=sum(len(c.session_names) for c in self.new_closures),
        )


def _term_dates_store(
    *, organisation: Organisation, rows: list[TermDatesRow], problems: list[ImportProblem], replace: bool
) -> TermDatesImported:
    try:
        with transaction.atomic():
            plan = _TermDatesPlan(organisation, rows, replace)
            problems = problems + plan.problems
            if problems:
                raise ImportRejected(problems)
            return plan.apply()
    except IntegrityError as error:
        raise ImportRejected([ImportProblem(0, "file", CHANGED_WHILE_IMPORTING)]) from error
