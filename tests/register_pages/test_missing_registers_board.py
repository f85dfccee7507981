"""The missing registers board: which registers of the current session are not taken yet,
per site, refreshed by htmx every 20 seconds, with a one-click nudge to the teacher."""

from __future__ import annotations

import re
import uuid

from safewell.attendance.models import RegisterNudge
from safewell.attendance.registers import MarkInput, register_submit
from tests.register_pages.register_pages_school import DAY, WHILE_OPEN, london

BOARD = "/attendance/missing-registers/"


def groups_listed(content: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/attendance/registers/\d+/2026-09-10/(?:AM|PM)/">([^<]+)</a>', content)


def test_before_the_register_opens_nothing_is_missing(client, school, clock):
    clock.set(london(DAY, 8, 30))
    client.force_login(school.personas.attendance_officer)
    content = client.get(BOARD).content.decode()
    assert "The morning register opens at 08:45: nothing is missing yet." in content
    assert groups_listed(content) == []


def test_the_board_lists_the_groups_whose_register_is_not_taken(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    content = client.get(BOARD).content.decode()
    assert groups_listed(content) == ["7A", "8B"]
    assert "2 of 2 morning registers not taken" in content
    assert "First-day calling cannot start well until every register is in" in content


def test_a_taken_register_leaves_the_board(client, school, clock):
    register_submit(
        site=school.north, registration_group=school.form_7a, date=DAY, session="AM",
        marks=[MarkInput(p.pk, "/") for p in school.pupils], idempotency_key=str(uuid.uuid4()),
        base_version=0, actor=school.personas.teacher, now=WHILE_OPEN,
    )
    client.force_login(school.personas.dsl)
    assert groups_listed(client.get(BOARD).content.decode()) == ["8B"]


def test_the_board_fragment_polls_itself_every_20_seconds(client, school, clock):
    client.force_login(school.personas.admin)
    content = client.get(f"{BOARD}board/", {"site": "north", "session": "AM"}).content.decode()
    assert 'hx-trigger="every 20s"' in content
    assert f'hx-get="{BOARD}board/?site=north&amp;session=AM"' in content
    assert "<html" not in content
    assert groups_listed(content) == ["7A", "8B"]


def test_the_afternoon_board_follows_the_clock(client, school, clock):
    clock.set(london(DAY, 13, 20))
    client.force_login(school.personas.attendance_officer)
    content = client.get(BOARD).content.decode()
    assert "2 of 2 afternoon registers not taken" in content


def test_a_nudge_reminds_the_teacher_and_the_board_says_when(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.post(f"{BOARD}nudge/", {"site": "north", "session": "AM", "group": school.form_7a.pk}, follow=True)
    nudge = RegisterNudge.objects.get()
    assert (nudge.registration_group, nudge.sent_to, nudge.nudged_by) == (
        school.form_7a, school.personas.teacher, school.personas.attendance_officer,
    )
    content = response.content.decode()
    assert "7A: teacher has been reminded to take the morning register." in content
    assert re.search(r">7A</a></td>\s*<td[^>]*>5</td>\s*<td[^>]*>08:5\d</td>", content)


def test_a_nudge_from_htmx_returns_the_board_itself(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.post(
        f"{BOARD}nudge/", {"site": "north", "session": "AM", "group": school.form_8b.pk}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert 'id="missing-board"' in content
    assert "8B: teacher has been reminded" in content


def test_a_nudge_with_no_known_teacher_says_so(client, school, clock):
    from tests.conftest import make_user
    from safewell.accounts.models import Role

    make_user("second_teacher", school.north, Role.TEACHER)
    client.force_login(school.personas.attendance_officer)
    response = client.post(f"{BOARD}nudge/", {"site": "north", "session": "AM", "group": school.form_8b.pk}, follow=True)
    assert "Safewell does not know who takes 8B" in response.content.decode()
    assert RegisterNudge.objects.get().sent_to is None


def test_teachers_cannot_nudge(client, school, clock):
    client.force_login(school.personas.teacher)
    response = client.post(f"{BOARD}nudge/", {"site": "north", "session": "AM", "group": school.form_7a.pk})
    assert response.status_code == 403
    assert not RegisterNudge.objects.exists()


def test_a_group_at_another_site_cannot_be_nudged(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.post(f"{BOARD}nudge/", {"site": "north", "session": "AM", "group": school.form_9s.pk})
    assert response.status_code == 404
    response = client.post(f"{BOARD}nudge/", {"site": "south", "session": "AM", "group": school.form_9s.pk})
    assert response.status_code == 404
    assert not RegisterNudge.objects.exists()
