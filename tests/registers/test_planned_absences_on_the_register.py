"""Planned absences pre-fill the register: leave granted (C, M, J1, S), a part-time
timetable (C2), off-site provision (B/K) and the sessions a dual-registered pupil spends
at the other school (D); the teacher may still override one, with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.attendance import registers
from safewell.attendance.models import Mark, session_bit
from safewell.attendance.registers import SubmissionRejected, planned_absence_record
from tests.registers.register_school import DAY, WHILE_OPEN, admit, london, submit

THU, TUE = 3, 1


@pytest.fixture
def planned(school):
    """Ada: dentist (M) on DAY (a Thursday) morning. Bea: dual registered, at the other
    school on Tuesday and Thursday afternoons (D). Cal: part-time timetable (C2), every
    afternoon from 7 Sep to 16 Oct, reviewed on 2 Oct."""
    officer = school.personas.attendance_officer
    planned_absence_record(pupil=school.ada, code="M", starts_on=DAY, ends_on=DAY, sessions=session_bit(THU, "AM"),
                           reason="Dentist, card seen", recorded_by=officer, now=WHILE_OPEN)
    enrolment = school.bea.enrolments.get()
    enrolment.dual_registration, enrolment.other_school_name = "main", "Heathfield Pupil Referral Unit"
    enrolment.save()
    planned_absence_record(pupil=school.bea, code="D", starts_on=dt.date(2026, 9, 1), enrolment=enrolment,
                           sessions=session_bit(TUE, "PM") | session_bit(THU, "PM"), recorded_by=officer, now=WHILE_OPEN)
    planned_absence_record(pupil=school.cal, code="C2", starts_on=dt.date(2026, 9, 7), ends_on=dt.date(2026, 10, 16),
                           review_on=dt.date(2026, 10, 2), sessions=sum(session_bit(d, "PM") for d in range(5)),
                           reason="Reintegration after illness, agreed with mother", recorded_by=officer, now=WHILE_OPEN)
    return school


def planned_codes_seen(client, user, school, day=DAY, session="AM") -> dict[str, tuple[str, str]]:
    client.force_login(user)
    body = client.get(f"/api/registers/{school.group.pk}/{day.isoformat()}/{session}").json()
    return {row["name"].split()[0]: (row["planned_code"], row["planned_reason"]) for row in body["pupils"]}


def test_the_register_is_pre_filled_with_the_planned_codes(client, planned):
    school = planned
    officer = school.personas.attendance_officer

    assert planned_codes_seen(client, officer, school) == {
        "Ada": ("M", "Dentist, card seen"), "Bea": ("", ""), "Cal": ("", ""),
    }
    assert planned_codes_seen(client, officer, school, session="PM") == {
        "Ada": ("", ""), "Bea": ("D", ""), "Cal": ("C2", "Reintegration after illness, agreed with mother"),
    }
    # Friday afternoon: no D for Bea; Cal's C2 continues until 16 October only.
    assert planned_codes_seen(client, officer, school, day=dt.date(2026, 10, 16), session="PM")["Cal"][0] == "C2"
    assert planned_codes_seen(client, officer, school, day=dt.date(2026, 10, 19), session="PM")["Cal"][0] == ""


def test_a_teacher_sees_the_planned_code_but_not_its_reason(client, planned):
    assert planned_codes_seen(client, planned.personas.teacher, planned)["Ada"] == ("M", "")


def test_submitting_the_planned_code_needs_no_reason(planned):
    submit(planned, [(planned.ada, "M"), (planned.bea, "/"), (planned.cal, "/")])

    assert Mark.objects.get(pupil=planned.ada).code == "M"


def test_overriding_a_planned_code_needs_a_reason(planned):
    school = planned
    with pytest.raises(SubmissionRejected) as caught:
        submit(school, [(school.bea, "/"), (school.ada, "/")])

    assert caught.value.errors == [{
        "path": "marks[1].code",
        "message": registers.REASON_REQUIRED_FOR_PLANNED.format(
            pupil_id=school.ada.pk, planned="M", why="Dentist, card seen", code="/"
        ),
    }]
    assert not Mark.objects.exists()

    submit(school, [(school.bea, "/"), (school.ada, "/")], reason="Appointment cancelled; Ada came in")
    assert Mark.objects.get(pupil=school.ada).code == "/"


def test_a_d_session_is_pre_filled_for_the_dual_registered_pupil(planned):
    school = planned
    submit(school, [(school.bea, "D"), (school.ada, "\\")], session="PM", now=london(DAY, 13, 20))

    assert Mark.objects.get(pupil=school.bea, session="PM").code == "D"


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"code": "I"}, "code", None),
        ({"code": "C2", "ends_on": dt.date(2026, 10, 1)}, "review_on", registers.PLANNED_C2_NEEDS_END_AND_REVIEW),
        ({"code": "D", "reason": ""}, "enrolment", registers.PLANNED_D_NEEDS_DUAL_REGISTRATION),
        ({"code": "M", "ends_on": dt.date(2026, 9, 1)}, "ends_on", None),
        ({"code": "C", "reason": ""}, "reason", registers.PLANNED_REASON_REQUIRED),
        ({"code": "M", "sessions": 0}, "sessions", registers.PLANNED_NO_SESSIONS),
    ],
)
def test_a_planned_absence_is_refused_with_the_field_that_is_wrong(school, options, field, message):
    arguments = {"pupil": school.ada, "starts_on": DAY, "reason": "Leave granted by the head", "now": WHILE_OPEN, **options}
    with pytest.raises(ValidationError) as caught:
        planned_absence_record(**arguments)

    assert field in caught.value.message_dict
    if message:
        assert caught.value.message_dict[field] == [message]


def test_a_planned_absence_of_another_pupils_enrolment_is_refused(school):
    other = admit(school.north, school.group, "Fay", other_school_name="Elsewhere School", dual_registration="main")
    with pytest.raises(ValidationError) as caught:
        planned_absence_record(pupil=school.ada, code="D", starts_on=DAY, enrolment=other.enrolments.get(), now=WHILE_OPEN)

    assert caught.value.message_dict == {"enrolment": [registers.PLANNED_ENROLMENT_OF_ANOTHER_PUPIL]}
