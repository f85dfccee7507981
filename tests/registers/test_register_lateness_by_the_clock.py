"""L before the register closes, U after it until the session ends, the absence code after
that (reg 10(2) Table 1 [C]; U [S]; statutory.md §9), by London wall-clock time across
the October 2026 clock change (BST ends Sunday 25 October).

North: AM register 08:45–09:15, PM register 13:15–13:45; it records no session ends, so the
morning session ends when the afternoon register opens and the afternoon one at 15:30 (the
defaults of schools.models.Site). A site that records its own ends gets U only until them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance.lateness import NotLate, late_code, session_of_arrival
from safewell.attendance.models import Mark, MarkAmendment, SessionRegister
from safewell.attendance.registers import MarkInput, late_arrival_record
from safewell.schools.services import site_session_ends_set
from tests.registers.register_school import london, submit

UTC = dt.UTC
FRI_BST = dt.date(2026, 10, 23)  # last day before half term: British Summer Time
MON_GMT = dt.date(2026, 11, 2)  # first day after half term: Greenwich Mean Time

# (arrival as an aware instant, expected session, code, minutes late) — hand-computed.
TABLE = [
    # BST: 08:46 local is 07:46 UTC.
    (dt.datetime(2026, 10, 23, 7, 46, tzinfo=UTC), "AM", "L", 1),
    (dt.datetime(2026, 10, 23, 8, 0, tzinfo=UTC), "AM", "L", 15),   # 09:00 BST
    (dt.datetime(2026, 10, 23, 8, 14, tzinfo=UTC), "AM", "L", 29),  # 09:14 BST
    (dt.datetime(2026, 10, 23, 8, 15, tzinfo=UTC), "AM", "U", 30),  # 09:15 BST: the register has closed
    (dt.datetime(2026, 10, 23, 12, 14, tzinfo=UTC), "AM", "U", 269),  # 13:14 BST, still the morning
    (dt.datetime(2026, 10, 23, 12, 20, tzinfo=UTC), "PM", "L", 5),  # 13:20 BST
    (dt.datetime(2026, 10, 23, 12, 45, tzinfo=UTC), "PM", "U", 30),  # 13:45 BST
    (dt.datetime(2026, 10, 23, 14, 29, tzinfo=UTC), "PM", "U", 134),  # 15:29 BST
    # GMT: local time is UTC.
    (dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC), "AM", "L", 15),
    (dt.datetime(2026, 11, 2, 9, 15, tzinfo=UTC), "AM", "U", 30),
    (dt.datetime(2026, 11, 2, 13, 44, tzinfo=UTC), "PM", "L", 29),
]
# Arrivals that make no late mark: present at the opening, or after the session ended.
NOT_LATE = [
    dt.datetime(2026, 10, 23, 7, 45, tzinfo=UTC),  # 08:45 BST: the register opens; present
    dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC),  # 08:00 GMT (would be 09:00 in BST)
    dt.datetime(2026, 10, 23, 14, 30, tzinfo=UTC),  # 15:30 BST: the afternoon session is over
    dt.datetime(2026, 11, 2, 13, 15, tzinfo=UTC),  # 13:15 GMT: here for the afternoon register
]


@pytest.mark.parametrize(("arrived", "session", "code", "minutes"), TABLE)
def test_the_clock_decides_l_or_u_and_the_minutes_late(school, arrived, session, code, minutes):
    day, found_session = session_of_arrival(school.north, arrived)
    late = late_code(site=school.north, date=day, session=found_session, arrived_at=arrived)

    assert (found_session, late.code, late.minutes_late) == (session, code, minutes)


@pytest.mark.parametrize("arrived", NOT_LATE)
def test_arriving_at_the_opening_or_after_the_session_is_not_late(school, arrived):
    day, session = session_of_arrival(school.north, arrived)
    with pytest.raises(NotLate):
        late_code(site=school.north, date=day, session=session, arrived_at=arrived)


def test_the_register_opens_at_0845_local_in_summer_time_and_in_winter(school):
    summer = late_code(site=school.north, date=FRI_BST, session="AM", arrived_at=london(FRI_BST, 9, 0))
    winter = late_code(site=school.north, date=MON_GMT, session="AM", arrived_at=london(MON_GMT, 9, 0))

    assert summer.opens_at.astimezone(UTC).time() == dt.time(7, 45)
    assert winter.opens_at.astimezone(UTC).time() == dt.time(8, 45)
    assert (summer.code, summer.minutes_late) == (winter.code, winter.minutes_late) == ("L", 15)


def test_a_late_arrival_while_the_register_is_open_becomes_l(school):
    submit(school, [(school.ada, "N"), (school.bea, "/")], date=FRI_BST, now=london(FRI_BST, 8, 50))

    late = late_arrival_record(pupil=school.ada, arrived_at=london(FRI_BST, 9, 5), actor=school.personas.attendance_officer,
                               now=london(FRI_BST, 9, 5))

    assert (late.session, late.code, late.minutes_late) == ("AM", "L", 20)
    mark = Mark.objects.get(pupil=school.ada, date=FRI_BST, session="AM")
    assert (mark.code, mark.minutes_late) == ("L", 20)
    amendment = MarkAmendment.objects.get()
    assert (amendment.old_code, amendment.new_code, amendment.out_of_window) == ("N", "L", False)
    assert SessionRegister.objects.get().version == 2


def test_a_late_arrival_after_the_close_becomes_u_kept_as_an_amendment_with_its_time(school):
    submit(school, [(school.ada, "N"), (school.bea, "/")], date=MON_GMT, now=london(MON_GMT, 8, 50))

    late = late_arrival_record(pupil=school.ada, arrived_at=london(MON_GMT, 9, 40), actor=school.personas.attendance_officer,
                               now=london(MON_GMT, 9, 41))

    assert (late.code, late.minutes_late) == ("U", 55)
    amendment = MarkAmendment.objects.get()
    assert (amendment.old_code, amendment.new_code, amendment.new_minutes_late) == ("N", "U", 55)
    assert amendment.out_of_window and amendment.reason == "Late arrival signed in at 09:40"
    assert amendment.amended_by == school.personas.attendance_officer


def test_arriving_after_the_morning_session_keeps_its_absence_code(school):
    submit(school, [(school.ada, "N")], date=MON_GMT, now=london(MON_GMT, 8, 50))

    late = late_arrival_record(pupil=school.ada, arrived_at=london(MON_GMT, 13, 20), actor=school.personas.attendance_officer,
                               now=london(MON_GMT, 13, 20))

    assert (late.session, late.code) == ("PM", "L")
    assert Mark.objects.get(pupil=school.ada, date=MON_GMT, session="AM").code == "N"
    assert Mark.objects.get(pupil=school.ada, date=MON_GMT, session="PM").code == "L"


def test_signing_the_same_arrival_in_twice_applies_it_once(school):
    arrived = london(MON_GMT, 9, 0)
    first = late_arrival_record(pupil=school.ada, arrived_at=arrived, actor=None, now=arrived)
    again = late_arrival_record(pupil=school.ada, arrived_at=arrived, actor=None, now=arrived)

    assert (first.result.replayed, again.result.replayed) == (False, True)
    assert SessionRegister.objects.get().version == 1


def test_an_arrival_time_in_a_submission_is_turned_into_l_or_u_by_the_server(school):
    submit(school, [MarkInput(school.ada.pk, "L", arrived_at=london(MON_GMT, 9, 20))], date=MON_GMT,
           now=london(MON_GMT, 9, 21))

    mark = Mark.objects.get(pupil=school.ada)
    assert (mark.code, mark.minutes_late) == ("U", 35)


# A site whose morning ends at 12:00 (lunch) and afternoon at 15:00, registers as North's.
# reg 10 2024 Regulations [S] (statutory.md §1, §9): U is "attended after the taking of the
# register ended but before the end of the session"; after the end, no late mark at all.
# (arrival in London time on MON_GMT, session, code or None for "not late", minutes) — hand-computed.
OWN_ENDS = [
    ((9, 16), "AM", "U", 31),
    ((11, 59), "AM", "U", 194),
    ((12, 0), "AM", None, None),  # the morning has ended
    ((12, 50), "AM", None, None),  # lunch: still before the afternoon register opens
    ((13, 44), "PM", "L", 29),
    ((14, 59), "PM", "U", 104),
    ((15, 0), "PM", None, None),  # the afternoon has ended
    ((15, 20), "PM", None, None),  # would still have been U under the 15:30 default
]


@pytest.mark.parametrize(("clock", "session", "code", "minutes"), OWN_ENDS)
def test_u_runs_only_until_the_end_of_the_session_the_site_records(school, clock, session, code, minutes):
    site_session_ends_set(site=school.north, am_ends_at=dt.time(12, 0), pm_ends_at=dt.time(15, 0))
    arrived = london(MON_GMT, *clock)
    day, found_session = session_of_arrival(school.north, arrived)
    assert found_session == session
    if code is None:
        with pytest.raises(NotLate):
            late_code(site=school.north, date=day, session=found_session, arrived_at=arrived)
        return
    late = late_code(site=school.north, date=day, session=found_session, arrived_at=arrived)
    assert (late.code, late.minutes_late) == (code, minutes)


def test_an_arrival_after_the_recorded_end_of_the_morning_is_refused_by_the_register(school):
    from safewell.attendance.registers import SubmissionRejected

    site_session_ends_set(site=school.north, am_ends_at=dt.time(12, 0), pm_ends_at=dt.time(15, 0))
    submit(school, [(school.ada, "N")], date=MON_GMT, now=london(MON_GMT, 8, 50))

    with pytest.raises(SubmissionRejected) as caught:
        submit(school, [MarkInput(school.ada.pk, "L", arrived_at=london(MON_GMT, 12, 10))], date=MON_GMT,
               now=london(MON_GMT, 12, 11), base=1, reason="Arrived at lunch")

    assert [e["path"] for e in caught.value.errors] == ["marks[0].arrived_at"]
    assert "after the morning session ended at 12:00" in caught.value.errors[0]["message"]
    assert Mark.objects.get(pupil=school.ada).code == "N"
