"""Attendance endpoints of the REST API (one router, added to /api/ by core/api.py)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from safewell.attendance import codes

router = Router(tags=["attendance"])


class CodeSourceOut(Schema):
    citation: str
    # [C] confirmed from the primary text, [S] secondary source, [U] unconfirmed.
    certainty: str
    checked_against_primary: bool
    evidence: list[str]
    note: str


class AttendanceCodeOut(Schema):
    code: str
    meaning: str
    category: str
    is_possible: bool
    store_byte: int
    in_force: bool
    withdrawn_on: date | None
    replaced_by: list[str]
    source: CodeSourceOut


class AttendanceCodeCatalogueOut(Schema):
    in_force_from: date
    codes: list[AttendanceCodeOut]


def _code_out(code: codes.AttendanceCode) -> AttendanceCodeOut:
    return AttendanceCodeOut(
        code=code.code,
        meaning=code.meaning,
        category=str(code.category),
        is_possible=code.is_possible,
        store_byte=code.store_byte,
        in_force=code.withdrawn_on is None,
        withdrawn_on=code.withdrawn_on,
        replaced_by=list(code.replaced_by),
        source=CodeSourceOut(
            citation=code.source.citation,
            certainty=str(code.source.certainty),
            checked_against_primary=code.source.checked_against_primary,
            evidence=list(code.source.evidence),
            note=code.source.note,
        ),
    )


@router.get(
    "/attendance-codes",
    response=AttendanceCodeCatalogueOut,
    url_name="attendance_codes",
    summary="The national attendance codes, with their sources",
)
def attendance_codes(request: HttpRequest) -> AttendanceCodeCatalogueOut:
    """Every code in force since 19 August 2024, then the withdrawn H, J and Y (marked
    `in_force: false`, for reading older marks). Open to any signed-in user or API token
    (the API's default authentication)."""
    return AttendanceCodeCatalogueOut(
        in_force_from=codes.REGULATIONS_2024_IN_FORCE,
        codes=[_code_out(code) for code in codes.ALL_CODES],
    )
