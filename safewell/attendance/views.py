"""Attendance pages: one pupil's year (heat-map, tables, totals) and the CSV export of marks."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safewell.accounts.models import Role
from safewell.accounts.selectors import sites_for
from safewell.attendance import codes, summaries
from safewell.attendance.heatmap import legend_items, pupil_year_heatmap
from safewell.attendance.models import MarkSource
from safewell.accounts.current_site import current_site
from safewell.pupils.selectors import pupil_for_user
from safewell.schools.selectors import academic_year_for, academic_years_of


@require_GET
@login_required
def pupil_attendance(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A pupil's academic year: the heat-map, its tables, and the statutory figures of each
    enrolment over the period shown. 404 for a pupil the user may not see."""
    pupil, _ = pupil_for_user(request.user, pupil_id)
    # The one place this page reads the clock: everything below is given "today".
    today = timezone.localdate()
    academic_year = academic_year_for(site=pupil.site, name=request.GET.get("year") or None, today=today)
    context: dict = {
        "pupil": pupil,
        "today": today,
        "years": academic_years_of(pupil.site),
        "academic_year": academic_year,
        "lessons": summaries.lesson_marks_recent(pupil_id=pupil.id, today=today),
        "lesson_weeks": summaries.LESSON_WEEKS,
        "persistent_percent": summaries.PERSISTENT_ABSENCE_PERCENT,
        "severe_percent": summaries.SEVERE_ABSENCE_PERCENT,
    }
    if academic_year is not None:
        period = summaries.academic_year_period(academic_year, today)
        context.update(
            period=period,
            counted_to=period.counted_to(today),
            enrolments=[
                EnrolmentFigures.of(summary) for summary in summaries.summarise_pupil(pupil.id, period=period, today=today)
            ],
            heatmap=pupil_year_heatmap(pupil=pupil, academic_year=academic_year, today=today),
            legend=legend_items(),
        )
    return render(request, "attendance/pupil_attendance.html", context)


_CATEGORY_LABELS = {
    codes.Category.PRESENT: "Present (including late, L)",
    codes.Category.APPROVED_EDUCATIONAL_ACTIVITY: "Approved educational activity",
    codes.Category.AUTHORISED: "Authorised absence",
    codes.Category.UNAUTHORISED: "Unauthorised absence",
    codes.Category.NOT_POSSIBLE: "Not a possible session",
    codes.Category.ADMINISTRATIVE: "Administrative",
}


@dataclass(frozen=True)
class CodeLine:
    code: str
    meaning: str
    category: str
    sessions: int


@dataclass(frozen=True)
class EnrolmentFigures:
    """One enrolment's summary with its totals by code and by category, for the template."""

    summary: summaries.EnrolmentSummary
    by_code: list[CodeLine]
    by_category: list[tuple[str, int]]

    @classmethod
    def of(cls, summary: summaries.EnrolmentSummary) -> EnrolmentFigures:
        sessions = summary.sessions
        lines = []
        for code, count in sessions.by_code.items():
            found = codes.by_code(code)
            lines.append(CodeLine(code, found.meaning, _CATEGORY_LABELS[found.category], count))
        categories = [(_CATEGORY_LABELS[c], sessions.category(c)) for c in summaries.CATEGORIES]
        return cls(summary, lines, categories + [(summaries.NO_MARK_LABEL, sessions.no_mark)])


# --- CSV export of marks --------------------------------------------------------------------------

# A whole site's marks in one file: for the people who run attendance and safeguarding
# there (least privilege, design.md principle 6), not for every teacher or an outside agency.
EXPORT_ROLES = frozenset({Role.ADMIN, Role.DSL, Role.DEPUTY_DSL, Role.ATTENDANCE_OFFICER})
EXPORT_NOT_ALLOWED = (
    "Exporting a site's marks is for administrators, the DSL team and attendance officers of that site."
)
EXPORT_ENDS_BEFORE_START = "The end date must be on or after the start date."
EXPORT_HEADER = (
    "upn", "surname", "forename", "year_group", "registration_group", "date", "session", "code",
    "category", "possible_session", "minutes_late", "source", "recorded_at",
)
_SOURCE_LABELS = dict(MarkSource.choices)
_CATEGORY_OF = {c.code: c.category.value for c in codes.ALL_CODES}
_POSSIBLE = {c.code: c.is_possible for c in codes.ALL_CODES}


class MarksExportForm(forms.Form):
    site = forms.ChoiceField(label="Site")
    start = forms.DateField(label="From")
    end = forms.DateField(label="To")

    def __init__(self, *args, sites, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sites = {site.code: site for site in sites}
        self.fields["site"].choices = [(site.code, site.name) for site in sites]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", EXPORT_ENDS_BEFORE_START)
            elif (end - start).days + 1 > summaries.MAX_MARK_RANGE_DAYS:
                self.add_error("end", summaries.MARK_RANGE_TOO_LONG.format(days=summaries.MAX_MARK_RANGE_DAYS))
        return data


class _Echo:
    """csv.writer writes to this and gets each line back, so lines can be streamed."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    # A name beginning with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _csv_lines(marks) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_HEADER)
    rows = marks.order_by("pupil__legal_surname", "pupil_id", "date", "session").values_list(
        "pupil__upn", "pupil__legal_surname", "pupil__legal_forename", "pupil__year_group",
        "pupil__registration_group__name", "date", "session", "code", "minutes_late", "source", "recorded_at",
    )
    for upn, surname, forename, year_group, group, day, session, code, minutes, source, recorded_at in rows.iterator(
        chunk_size=2000
    ):
        yield writer.writerow((
            upn, _cell(surname), _cell(forename), year_group, _cell(group or ""), day.isoformat(), session,
            code, _CATEGORY_OF[code], "yes" if _POSSIBLE[code] else "no",
            "" if minutes is None else minutes, _SOURCE_LABELS.get(source, source),
            timezone.localtime(recorded_at).isoformat(timespec="seconds"),
        ))


@require_GET
@login_required
def export_marks(request: HttpRequest) -> HttpResponse:
    """Without parameters, a form; with site, start and end, the marks as CSV (streamed),
    written to the audit log first."""
    sites = list(sites_for(request.user, roles=EXPORT_ROLES).order_by("organisation__name", "name"))
    if not sites:
        raise PermissionDenied(EXPORT_NOT_ALLOWED)
    if not request.GET:
        return _export_form(request, MarksExportForm(initial=_export_defaults(request, sites), sites=sites))
    form = MarksExportForm(request.GET, sites=sites)
    if not form.is_valid():
        return _export_form(request, form, status=400)
    site, start, end = form.sites[form.cleaned_data["site"]], form.cleaned_data["start"], form.cleaned_data["end"]
    marks = summaries.marks_at_site(request.user, site, start, end)
    _audit_export(site, start, end, marks.count())
    response = StreamingHttpResponse(_csv_lines(marks), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="marks-{site.code}-{start}-to-{end}.csv"'
    return response


def _export_defaults(request: HttpRequest, sites: list) -> dict:
    today = timezone.localdate()
    chosen = current_site(request)
    site = chosen if chosen in sites else sites[0]
    period = summaries.year_to_date(organisation_id=site.organisation_id, as_of=today)
    return {"site": site.code, "start": period.start, "end": today}


def _export_form(request: HttpRequest, form: MarksExportForm, status: int = 200) -> HttpResponse:
    return render(request, "attendance/export_marks.html", {"form": form}, status=status)


def _audit_export(site, start: dt.date, end: dt.date, count: int) -> None:
    from safewell.audit.services import audit_log

    audit_log(
        action="export",
        target_type="attendance.mark",
        target_id=site.code,
        detail=f"marks.csv of {site.name}, {start:%-d %B %Y} to {end:%-d %B %Y}: {count} marks",
    )
