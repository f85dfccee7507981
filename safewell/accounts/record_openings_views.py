"""Who opened this record: the reads of one safeguarding record, for the DSL team."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from safewell.accounts.record_openings import can_see_openings, record_openings

OPENINGS_REFUSED = (
    "Only the designated safeguarding lead, their deputies and administrators of this "
    "record's site can see who opened it."
)
OPENINGS_SHOWN = 500  # the newest; an investigation beyond that uses the audit export


@login_required
@never_cache
@require_GET
def record_opened_by(request: HttpRequest, target_type: str, target_id: str) -> HttpResponse:
    if not can_see_openings(user=request.user, target_type=target_type, target_id=target_id):
        raise PermissionDenied(OPENINGS_REFUSED)
    openings = record_openings(target_type=target_type, target_id=target_id)
    return render(
        request,
        "audit/record_opened_by.html",
        {
            "target_type": target_type,
            "target_id": target_id,
            "openings": openings[:OPENINGS_SHOWN],
            "total": openings.count(),
        },
    )
