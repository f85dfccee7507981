"""The out-of-window amendments report: marks changed (or first recorded) after their
register closed, for a range of sessions: pupil, session, old → new, who, when and why;
and the same list as CSV, whose download is audited."""

from __future__ import annotations

import csv
import io
import uuid

from safewell.attendance.register_views import AMENDMENTS_END_BEFORE_START, AMENDMENTS_HEADER
from safewell.attendance.registers import MarkInput, register_submit
from safewell.audit.models import AuditEvent
from tests.register_pages.register_pages_school import AFTER_CLOSE, DAY, WHILE_OPEN

REPORT = "/attendance/amendments/"


def submit(school, marks, *, now, base, reason=""):
    register_submit(
        site=school.north, registration_group=school.form_7a, date=DAY, session="AM", marks=marks,
        idempotency_key=str(uuid.uuid4()), base_version=base, actor=school.personas.teacher, now=now, reason=reason,
    )


def amended_school(school):
    ada, bea = school.pupils[0], school.pupils[1]
    submit(school, [MarkInput(p.pk, "/") for p in school.pupils[:4]], now=WHILE_OPEN, base=0)
    submit(school, [MarkInput(ada.pk, "M")], now=AFTER_CLOSE, base=1, reason="=Dentist letter")
    # Eli's first mark, made after the close: shown too (a register completed late).
    submit(school, [MarkInput(school.pupils[4].pk, "N")], now=AFTER_CLOSE, base=2)
    return ada, bea


def test_the_report_lists_each_change_after_the_close(client, school, clock):
    amended_school(school)
    client.force_login(school.personas.attendance_officer)
    response = client.get(REPORT, {"start": "2026-09-01", "end": "2026-09-30"})
    content = response.content.decode()
    assert "2 amendments to sessions from 1 September 2026 to 30 September 2026" in content
    assert "Ada Ashdown" in content and "/ → M" in content and "=Dentist letter" in content
    assert "Eli Elmstead" in content and "no mark → N" in content
    assert "Bea Birchley" not in content  # changed only while the register was open
    assert "10 Sep 2026 10:00" in content


def test_the_default_period_is_the_last_four_weeks(client, school, clock):
    client.force_login(school.personas.dsl)
    content = client.get(REPORT).content.decode()
    assert 'name="start" type="date" value="2026-08-14"' in content
    assert 'name="end" type="date" value="2026-09-10"' in content
    assert "No marks were changed after their register closed in this period." in content


def test_the_csv_has_every_row_and_is_audited(client, school, clock):
    amended_school(school)
    client.force_login(school.personas.attendance_officer)
    response = client.get(REPORT, {"site": "north", "start": "2026-09-01", "end": "2026-09-30", "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="amendments-north-2026-09-01-to-2026-09-30.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == AMENDMENTS_HEADER
    assert [(r[1], r[4], r[5], r[8], r[10]) for r in rows[1:]] == [
        ("Ada Ashdown", "/", "M", "teacher", "'=Dentist letter"),  # a formula is defused
        ("Eli Elmstead", "", "N", "teacher", ""),
    ]
    event = AuditEvent.objects.filter(action="export", target_type="attendance.markamendment").get()
    assert event.target_id == "north" and "2 rows" in event.detail


def test_an_end_before_the_start_is_refused(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.get(REPORT, {"start": "2026-09-10", "end": "2026-09-01"})
    assert response.status_code == 400
    assert AMENDMENTS_END_BEFORE_START in response.content.decode()


def test_another_sites_report_is_not_found_and_teachers_are_refused(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    assert client.get(REPORT, {"site": "south"}).status_code == 404
    client.force_login(school.personas.teacher)
    assert client.get(REPORT).status_code == 403
