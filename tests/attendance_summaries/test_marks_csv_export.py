"""The CSV export of marks: streamed, for the people who run attendance at the site, only the
marks of days a pupil was enrolled there, and written to the audit log."""

from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from safewell.audit.models import AuditEvent
from tests.attendance_summaries.summaries_school import PRESENT as P, WEEK_1, WEEK_2, admit, write_marks

pytestmark = pytest.mark.django_db

URL = "/attendance/export/marks.csv"


@pytest.fixture
def marks(school):
    ada = admit(school.north, "Ada", surname="Archer")
    late = admit(school.north, "Bea", surname="Brook", admitted=WEEK_2[0])
    dot = admit(school.south, "Dot", surname="Dale")
    write_marks(ada, [P] * 9 + ["I"], WEEK_1)
    # Bea was admitted on Mon 15 Sep: a mark from the week before is not hers to export.
    write_marks(late, ["Z", "Z"], WEEK_1[-1:])
    write_marks(late, ["L", P], WEEK_2[:1])
    write_marks(dot, [P, P], WEEK_1[:1])
    return school


def rows_of(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_attendance_officer_downloads_the_sites_marks(client, marks):
    client.force_login(marks.attendance_officer)

    response = client.get(URL, {"site": "north", "start": "2025-09-01", "end": "2025-09-30"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="marks-north-2025-09-01-to-2025-09-30.csv"'
    rows = rows_of(response)
    assert len(rows) == 12
    assert {row["surname"] for row in rows} == {"Archer", "Brook"}
    assert [(r["date"], r["session"], r["code"], r["category"], r["possible_session"], r["minutes_late"])
            for r in rows if r["surname"] == "Brook"] == [
        ("2025-09-15", "AM", "L", "present", "yes", "7"), ("2025-09-15", "PM", "\\", "present", "yes", "")]
    assert rows[9]["code"] == "I" and rows[9]["category"] == "authorised"


def test_the_export_is_written_to_the_audit_log(client, marks):
    client.force_login(marks.dsl)

    rows_of(client.get(URL, {"site": "north", "start": "2025-09-08", "end": "2025-09-12"}))

    event = AuditEvent.objects.get(action="export")
    assert (event.actor_id, event.target_type, event.target_id) == (marks.dsl.id, "attendance.mark", "north")
    assert event.detail == "marks.csv of North site, 8 September 2025 to 12 September 2025: 10 marks"


def test_without_parameters_it_offers_the_form(client, marks):
    client.force_login(marks.deputy_dsl_south)

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="south" selected>South site</option>' in html
    assert "North site" not in html
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("persona", ["teacher", "external"])
def test_teachers_and_outside_agencies_may_not_export(client, marks, persona):
    client.force_login(getattr(marks, persona))

    response = client.get(URL, {"site": "north", "start": "2025-09-01", "end": "2025-09-30"})

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize(("query", "message"), [
    ({"site": "north", "start": "2025-09-30", "end": "2025-09-01"}, "To: The end date must be on or after the start date."),
    ({"site": "north", "start": "2024-09-01", "end": "2025-09-30"}, "To: Ask for at most 366 days of marks at a time."),
    ({"site": "north", "start": "someday", "end": "2025-09-30"}, "From: Enter a valid date."),
    ({"site": "south", "start": "2025-09-01", "end": "2025-09-30"}, "Site: Select a valid choice."),
])
def test_bad_input_is_refused_with_the_field_named(client, marks, query, message):
    client.force_login(marks.attendance_officer)

    response = client.get(URL, query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()
