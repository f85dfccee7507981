"""The site calendar page: terms, holidays, closures and bank holidays of one year."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safewell.schools.selectors import (
    MINIMUM_SESSIONS_A_YEAR,
    academic_year_for,
    academic_years_of,
    calendar_year_overview,
    site_for_member,
)


@login_required
@require_GET
def site_calendar(request: HttpRequest, code: str) -> HttpResponse:
    site = site_for_member(user=request.user, code=code)
    academic_year = academic_year_for(
        site=site, name=request.GET.get("year"), today=timezone.localdate()
    )
    overview = calendar_year_overview(site=site, academic_year=academic_year) if academic_year else None
    return render(request, "schools/site_calendar.html", {
        "site": site,
        "overview": overview,
        "years": academic_years_of(site),
        "minimum_sessions": MINIMUM_SESSIONS_A_YEAR,
    })
