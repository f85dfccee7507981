"""Reception's late book: find the pupil, enter the arrival time (now by default), and the
register gets L before it closes or U after, with the minutes late counted from the
register opening (reg 10 2024 Regulations; statutory.md §9)."""

from __future__ import annotations

import pytest

from safewell.attendance.lateness import ARRIVED_BEFORE_OPENING
from safewell.attendance.models import Mark, MarkAmendment
from safewell.attendance.register_views import ARRIVAL_IN_THE_FUTURE, CHOOSE_A_PUPIL
from tests.register_pages.register_pages_school import DAY, london


def test_a_search_finds_the_pupil_and_the_time_defaults_to_now(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    content = client.get("/attendance/late-book/", {"q": "copper"}).content.decode()
    assert "Copperfold, Cal" in content
    assert 'name="pupil" value="%d"' % school.pupils[2].pk in content
    assert 'id="arrived" name="arrived" type="time" value="08:50"' in content


def test_a_search_finds_only_pupils_of_the_site(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    content = client.get("/attendance/late-book/", {"q": "Hollins"}).content.decode()
    assert "No pupils at North site match" in content


@pytest.mark.parametrize(
    ("now", "arrived", "code", "minutes"),
    [
        # Before the 09:15 close: L, minutes from the 08:45 opening.
        (london(DAY, 9, 10), "09:03", "L", 18),
        # After the close, before the session ends: U.
        (london(DAY, 10, 30), "10:20", "U", 95),
    ],
)
def test_an_arrival_becomes_l_or_u_with_the_minutes_late(client, school, clock, now, arrived, code, minutes):
    clock.set(now)
    cal = school.pupils[2]
    client.force_login(school.personas.attendance_officer)
    response = client.post("/attendance/late-book/", {"pupil": cal.pk, "arrived": arrived, "idempotency_key": "k1"}, follow=True)
    mark = Mark.objects.get(pupil=cal, date=DAY, session="AM")
    assert (mark.code, mark.minutes_late) == (code, minutes)
    assert f"Cal Copperfold signed in at {arrived}: {code} (" in response.content.decode()
    assert f"{minutes} minutes late" in response.content.decode()


def test_a_u_after_the_close_is_an_out_of_window_amendment(client, school, clock):
    clock.set(london(DAY, 10, 30))
    client.force_login(school.personas.attendance_officer)
    client.post("/attendance/late-book/", {"pupil": school.pupils[0].pk, "arrived": "10:00"})
    amendment = MarkAmendment.objects.get(pupil=school.pupils[0])
    assert (amendment.new_code, amendment.out_of_window) == ("U", True)
    assert amendment.reason == "Late arrival signed in at 10:00"


def test_resending_the_same_sign_in_records_it_once(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    data = {"pupil": school.pupils[0].pk, "arrived": "08:49", "idempotency_key": "late-key-1"}
    client.post("/attendance/late-book/", data)
    client.post("/attendance/late-book/", data)
    assert Mark.objects.filter(pupil=school.pupils[0]).count() == 1
    assert MarkAmendment.objects.count() == 0


def test_an_arrival_later_than_now_is_refused(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.post("/attendance/late-book/", {"pupil": school.pupils[0].pk, "arrived": "09:10"})
    assert response.status_code == 422
    assert ARRIVAL_IN_THE_FUTURE.format(arrived=london(DAY, 9, 10), now=london(DAY, 8, 50)) in response.content.decode()
    assert not Mark.objects.exists()


def test_an_arrival_before_the_register_opened_is_not_late(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.post("/attendance/late-book/", {"pupil": school.pupils[0].pk, "arrived": "08:30"})
    assert response.status_code == 422
    message = ARRIVED_BEFORE_OPENING.format(arrived=london(DAY, 8, 30), opens=london(DAY, 8, 45))
    assert message in response.content.decode()
    assert not Mark.objects.exists()


def test_no_pupil_chosen_is_refused(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.post("/attendance/late-book/", {"arrived": "08:50"})
    assert CHOOSE_A_PUPIL in response.content.decode()


def test_a_pupil_of_another_site_is_not_found(client, school, clock):
    client.force_login(school.personas.attendance_officer)
    response = client.post("/attendance/late-book/", {"pupil": school.south_pupil.pk, "arrived": "08:50"})
    assert response.status_code == 404
    assert not Mark.objects.exists()


def test_teachers_do_not_use_the_late_book(client, school, clock):
    client.force_login(school.personas.teacher)
    assert client.get("/attendance/late-book/").status_code == 403
    assert client.post("/attendance/late-book/", {"pupil": school.pupils[0].pk, "arrived": "08:50"}).status_code == 403
