"""Bad submissions: each gets a specific error with its path, and nothing of it is applied."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance import codes, registers
from safewell.attendance.models import Mark, MarkAmendment, SessionRegister, SubmissionReceipt
from safewell.attendance.registers import MarkInput, SubmissionRejected
from safewell.audit.models import AuditEvent
from tests.registers.register_school import DAY, WHILE_OPEN, london, submit


def nothing_applied() -> bool:
    return (
        not Mark.objects.exists()
        and not SubmissionReceipt.objects.exists()
        and not MarkAmendment.objects.exists()
        and not SessionRegister.objects.filter(version__gt=0).exists()
        and not AuditEvent.objects.filter(target_type="attendance.sessionregister").exists()
    )


def refused(school, marks, **options) -> list[dict]:
    with pytest.raises(SubmissionRejected) as caught:
        submit(school, marks, **options)
    assert nothing_applied()
    return caught.value.errors


def test_it_refuses_an_unknown_code_naming_the_mark(school):
    errors = refused(school, [(school.ada, "/"), (school.bea, "ZZ"), (school.cal, "/")])

    assert errors == [{"path": "marks[1].code", "message": codes.UNKNOWN_CODE.format(code="ZZ")}]


@pytest.mark.parametrize(("withdrawn", "advice"), [("H", "record G"), ("J", "Use J1"), ("Y", "Y1-Y7")])
def test_it_refuses_a_code_withdrawn_in_2024(school, withdrawn, advice):
    errors = refused(school, [(school.ada, withdrawn)])

    assert [e["path"] for e in errors] == ["marks[0].code"]
    assert "withdrawn on 19 August 2024" in errors[0]["message"] and advice in errors[0]["message"]


def test_it_refuses_a_pupil_not_yet_on_roll_that_day(school):
    # Eve is in 7A but was admitted on 5 October.
    errors = refused(school, [(school.ada, "/"), (school.eve, "/")])

    assert errors == [{
        "path": "marks[1].pupil",
        "message": registers.NOT_ON_ROLL.format(pupil_id=school.eve.pk, group="7A", date=DAY),
    }]


def test_it_accepts_the_same_pupil_from_the_day_of_admission(school):
    result = submit(school, [(school.eve, "/")], date=dt.date(2026, 10, 5), now=london(dt.date(2026, 10, 5), 8, 50))

    assert result.applied == 1


def test_it_refuses_a_pupil_who_left_before_the_day(school):
    from safewell.pupils.services import enrolment_end

    enrolment_end(enrolment=school.cal.enrolments.get(), leaving_date=dt.date(2026, 9, 9),
                  deletion_ground="registered_at_another_school")
    errors = refused(school, [(school.cal, "/")])

    assert [e["path"] for e in errors] == ["marks[0].pupil"]


def test_it_refuses_a_pupil_of_another_group(school):
    errors = refused(school, [(school.dot, "/")])

    assert [e["path"] for e in errors] == ["marks[0].pupil"]


def test_it_refuses_a_pupil_that_does_not_exist(school):
    errors = refused(school, [(999_999, "/")])

    assert [e["path"] for e in errors] == ["marks[0].pupil"]


def test_it_refuses_a_duplicate_pupil_naming_the_first_mark(school):
    errors = refused(school, [(school.ada, "/"), (school.bea, "/"), (school.ada, "N")])

    assert errors == [{"path": "marks[2].pupil", "message": registers.DUPLICATE_PUPIL.format(pupil_id=school.ada.pk, first=0)}]


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (dt.date(2026, 9, 12), "Saturday"),
        (dt.date(2026, 9, 1), "INSET day"),
        (dt.date(2026, 10, 28), "October half term"),
        (dt.date(2026, 12, 25), "Christmas holidays (and a bank holiday)"),
    ],
)
def test_it_refuses_a_day_that_is_not_a_school_day(school, day, why):
    errors = refused(school, [(school.ada, "/")], date=day, now=london(day, 10))

    assert errors == [{"path": "date", "message": registers.NOT_A_SCHOOL_SESSION.format(site="North site", session="AM", date=day)}], why


def test_it_refuses_a_day_outside_every_academic_year(school):
    day = dt.date(2025, 9, 10)
    errors = refused(school, [(school.ada, "/")], date=day, now=london(day, 10))

    assert errors[0] == {"path": "date", "message": registers.DATE_OUTSIDE_CALENDAR.format(date=day, site="North site")}
    # Nobody was on roll then, either.
    assert [e["path"] for e in errors[1:]] == ["marks[0].pupil"]


def test_it_refuses_a_register_for_a_future_day(school):
    errors = refused(school, [(school.ada, "/")], date=dt.date(2026, 9, 11))

    assert errors == [{"path": "date", "message": registers.FUTURE_DATE.format(date=dt.date(2026, 9, 11))}]


def test_it_refuses_minutes_late_with_a_code_that_is_not_late(school):
    errors = refused(school, [MarkInput(school.ada.pk, "/", minutes_late=5)])

    assert errors == [{"path": "marks[0].minutes_late", "message": registers.MINUTES_LATE_NOT_LATE.format(code="/")}]


def test_it_refuses_a_base_version_the_register_has_not_reached(school):
    errors = refused(school, [(school.ada, "/")], base=3)

    assert errors == [{"path": "base_version", "message": registers.BASE_VERSION_AHEAD.format(version=0, base=3)}]


def test_it_refuses_a_group_of_another_site(school):
    with pytest.raises(SubmissionRejected) as caught:
        registers.register_submit(
            site=school.north, registration_group=school.south_group, date=DAY, session="AM",
            marks=[MarkInput(school.dot.pk, "/")], idempotency_key="k", base_version=0,
            actor=school.personas.teacher, now=WHILE_OPEN,
        )
    assert [e["path"] for e in caught.value.errors] == ["registration_group"]
    assert nothing_applied()


def test_it_reports_every_problem_at_once_and_applies_none_of_the_good_marks(school):
    errors = refused(school, [(school.ada, "/"), (school.bea, "QQ"), (school.eve, "/"), (school.cal, "H")])

    assert [e["path"] for e in errors] == ["marks[1].code", "marks[3].code", "marks[2].pupil"]


def test_an_arrival_time_outside_the_session_is_refused(school):
    errors = refused(school, [MarkInput(school.ada.pk, "L", arrived_at=london(DAY, 8, 30))])

    assert [e["path"] for e in errors] == ["marks[0].arrived_at"]
