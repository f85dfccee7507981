"""Pupil pages: the list (search by name or UPN, filter by site) and one pupil's record."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safewell.accounts.selectors import sites_for
from safewell.pupils import age
from safewell.pupils.selectors import pupil_record_for_user, pupil_search

PUPILS_PER_PAGE = 50


@require_GET
@login_required
def pupil_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    sites = list(sites_for(request.user).order_by("organisation__name", "name"))
    site_code = request.GET.get("site", "")
    if site_code not in {site.code for site in sites}:
        site_code = ""
    pupils = pupil_search(request.user, query=query, site_code=site_code)
    page = Paginator(pupils, PUPILS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "pupils/pupil_list.html", {
        "page": page, "query": query, "sites": sites, "site_code": site_code,
    })


@require_GET
@login_required
def pupil_detail(request: HttpRequest, pupil_id: int) -> HttpResponse:
    record = pupil_record_for_user(request.user, pupil_id)
    # The one place the page reads the clock: domain code is always given "today".
    today = timezone.localdate()
    pupil = record.pupil
    return render(request, "pupils/pupil_detail.html", {
        "record": record,
        "pupil": pupil,
        "today": today,
        "age": age.age_on(pupil.date_of_birth, today),
        "compulsory_school_age": age.compulsory_school_age(pupil.date_of_birth, today),
        "over_18": age.is_over_18(pupil.date_of_birth, today),
    })

