"""The unexplained absences page: a site's N marks, oldest first, each with the last school
day to replace it (reg 10(7)-(9) 2024 Regulations [S]: within 5 school days, else O) and a
link to its register; for attendance officers, the DSL team and administrators. The
N-deadline notice email links here.

School days of Autumn 1 2026 (hand-checked; INSET Tue 1 Sep): Wed 2, Thu 3, Fri 4,
Mon 7, Tue 8, Wed 9, Thu 10 (today), Fri 11, Mon 14, Tue 15, Wed 16, Thu 17 Sep.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from safewell.attendance.jobs import n_marks_notice_send
from safewell.attendance.registers import MarkInput, register_submit
from tests.register_pages.register_pages_school import DAY, WHILE_OPEN, london

D = dt.date


def n_for(school, pupil, day: dt.date, group=None) -> None:
    group = group or school.form_7a
    register_submit(
        site=group.site, registration_group=group, date=day, session="AM", marks=[MarkInput(pupil.pk, "N")],
        idempotency_key=str(uuid.uuid4()), base_version=0, actor=school.personas.teacher, now=london(day, 8, 50),
    )


@pytest.fixture
def n_marks(school):
    ada, bea, cal, dev, eli = school.pupils
    n_for(school, ada, D(2026, 9, 2))  # 5th school day after: Wed 9 Sep, yesterday
    n_for(school, bea, D(2026, 9, 3))  # Thu 10 Sep: today is the last day
    n_for(school, cal, D(2026, 9, 8))  # Tue 15 Sep: 3 school days left (11, 14, 15)
    n_for(school, dev, DAY)  # Thu 17 Sep: 5 left
    # Eli's mark is /, and South's pupil's N is another site's.
    register_submit(site=school.north, registration_group=school.form_7a, date=DAY, session="AM",
                    marks=[MarkInput(eli.pk, "/")], idempotency_key=str(uuid.uuid4()), base_version=1,
                    actor=school.personas.teacher, now=WHILE_OPEN)
    n_for(school, school.south_pupil, DAY, group=school.form_9s)


def test_each_n_mark_is_listed_with_its_deadline_and_status(client, school, clock, n_marks):
    client.force_login(school.personas.attendance_officer)

    response = client.get("/attendance/registers/unexplained/")

    assert response.status_code == 200
    lines = [(m.pupil_name, m.date, m.replace_by, m.school_days_left) for m in (line["mark"] for line in response.context["lines"])]
    assert lines == [
        ("Ada Ashdown", D(2026, 9, 2), D(2026, 9, 9), None),
        ("Bea Birchley", D(2026, 9, 3), D(2026, 9, 10), 0),
        ("Cal Copperfold", D(2026, 9, 8), D(2026, 9, 15), 3),
        ("Dev Dunmere", DAY, D(2026, 9, 17), 5),
    ]
    content = response.content.decode()
    assert "4 N marks; <strong>1 must be replaced today</strong>; 1 past the limit" in content
    assert "Overdue" in content and "Last day today" in content and "3 school days left" in content
    assert f'href="/attendance/registers/{school.form_7a.pk}/2026-09-03/AM/"' in content
    assert "Hal Hollins" not in content


def test_a_site_with_no_n_marks_says_so(client, school, clock):
    client.force_login(school.personas.dsl)
    assert "No N marks at North site" in client.get("/attendance/registers/unexplained/").content.decode()


@pytest.mark.parametrize(("persona", "status"), [
    ("attendance_officer", 200), ("dsl", 200), ("admin", 200), ("teacher", 403), ("external", 403),
])
def test_the_page_is_for_attendance_officers_the_dsl_team_and_administrators(client, school, clock, persona, status):
    client.force_login(getattr(school.personas, persona))
    assert client.get("/attendance/registers/unexplained/?site=north").status_code == status


def test_the_other_sites_deputy_sees_their_own_site_and_not_north(client, school, clock, n_marks):
    client.force_login(school.personas.deputy_dsl_south)
    assert client.get("/attendance/registers/unexplained/?site=north").status_code == 404
    content = client.get("/attendance/registers/unexplained/").content.decode()
    assert "Hal Hollins" in content and "Ada Ashdown" not in content


def test_the_n_deadline_email_links_to_this_page(client, school, clock, mailoutbox):
    n_for(school, school.pupils[0], D(2026, 9, 3))  # its last day is Thu 10 Sep
    assert n_marks_notice_send(today=D(2026, 9, 10)) == 1
    path = re.search(r"https?://[^/\s]*(/attendance/\S+)|(/attendance/\S+)", mailoutbox[0].body)
    link = path.group(1) or path.group(2)
    client.force_login(school.personas.attendance_officer)

    response = client.get(link)

    assert response.status_code == 200
    assert [line["mark"].pupil_name for line in response.context["lines"]] == ["Ada Ashdown"]
