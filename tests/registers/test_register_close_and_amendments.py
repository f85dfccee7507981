"""Registers close at the site's close time; later changes need a reason, keep the old
mark, and appear on the out-of-window amendments report (issue 4 §4)."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance.jobs import registers_close_due
from safewell.attendance.models import Mark, MarkAmendment, SessionRegister
from safewell.attendance.registers import SubmissionRejected
from safewell.attendance.selectors import out_of_window_amendments
from tests.registers.register_school import DAY, london, submit


def test_the_job_closes_a_register_at_the_close_time_and_not_before(school):
    submit(school, [(school.ada, "/")])

    assert registers_close_due(now=london(DAY, 9, 14)) == 0
    assert registers_close_due(now=london(DAY, 9, 15)) == 1
    assert SessionRegister.objects.get().closed_at == london(DAY, 9, 15)
    assert registers_close_due(now=london(DAY, 9, 16)) == 0  # already closed: its time is kept


def test_the_job_closes_the_afternoon_register_at_its_own_time(school):
    submit(school, [(school.ada, "\\")], session="PM", now=london(DAY, 13, 20))

    assert registers_close_due(now=london(DAY, 13, 44)) == 0
    assert registers_close_due(now=london(DAY, 13, 45)) == 1


def test_a_missed_run_closes_yesterdays_register_the_next_time(school):
    submit(school, [(school.ada, "/")])

    assert registers_close_due(now=london(DAY + dt.timedelta(days=1), 7, 0)) == 1


def test_after_the_close_a_change_without_a_reason_is_refused_and_nothing_applied(school):
    submit(school, [(school.ada, "/"), (school.bea, "N")])
    registers_close_due(now=london(DAY, 9, 15))

    with pytest.raises(SubmissionRejected) as caught:
        submit(school, [(school.bea, "I"), (school.cal, "/")], base=1, now=london(DAY, 10, 0))

    assert [e["path"] for e in caught.value.errors] == ["reason"]
    assert "closed at 09:15" in caught.value.errors[0]["message"]
    assert dict(Mark.objects.values_list("pupil_id", "code")) == {school.ada.pk: "/", school.bea.pk: "N"}
    assert SessionRegister.objects.get().version == 1


def test_the_close_time_counts_even_if_the_job_has_not_run(school):
    submit(school, [(school.bea, "N")])

    with pytest.raises(SubmissionRejected):
        submit(school, [(school.bea, "I")], base=1, now=london(DAY, 9, 30))


def test_a_change_after_the_close_keeps_the_old_mark_who_when_and_why(school):
    submit(school, [(school.ada, "/"), (school.bea, "N")])
    officer = school.personas.attendance_officer

    submit(school, [(school.bea, "I")], base=1, now=london(DAY, 11, 5), actor=officer, reason="Mother phoned: flu")

    amendment = MarkAmendment.objects.get()
    assert (amendment.pupil, amendment.old_code, amendment.new_code) == (school.bea, "N", "I")
    assert (amendment.amended_by, amendment.amended_at) == (officer, london(DAY, 11, 5))
    assert (amendment.reason, amendment.out_of_window) == ("Mother phoned: flu", True)
    assert Mark.objects.get(pupil=school.bea).code == "I"


def test_a_change_while_the_register_is_open_is_kept_but_is_not_out_of_window(school):
    submit(school, [(school.ada, "/")])
    submit(school, [(school.ada, "N")], base=1, now=london(DAY, 9, 0))

    amendment = MarkAmendment.objects.get()
    assert (amendment.old_code, amendment.new_code, amendment.out_of_window) == ("/", "N", False)


def test_a_register_first_taken_after_the_close_needs_no_reason_but_is_reported(school):
    submit(school, [(school.ada, "/"), (school.bea, "/")], now=london(DAY, 9, 40))

    assert sorted(MarkAmendment.objects.values_list("old_code", "new_code", "out_of_window")) == [("", "/", True)] * 2


def test_the_report_lists_out_of_window_amendments_of_the_site_and_period(school):
    submit(school, [(school.ada, "/"), (school.bea, "N")])
    submit(school, [(school.ada, "N")], base=1, now=london(DAY, 9, 0))  # in the window
    submit(school, [(school.bea, "I")], base=2, now=london(DAY, 12, 0), reason="Letter from home")
    later = dt.date(2026, 9, 14)
    submit(school, [(school.cal, "/")], date=later, now=london(later, 8, 50))
    submit(school, [(school.cal, "M")], date=later, base=1, now=london(later, 10, 0), reason="Dentist card seen")

    report = out_of_window_amendments(school.north, DAY, DAY)
    assert [(a.pupil_id, a.old_code, a.new_code, a.reason) for a in report] == [
        (school.bea.pk, "N", "I", "Letter from home")
    ]
    assert len(out_of_window_amendments(school.north, DAY, later)) == 2
    assert not out_of_window_amendments(school.personas.south, DAY, later).exists()
