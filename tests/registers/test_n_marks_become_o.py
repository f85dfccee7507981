"""N ("reason not yet established") must be replaced within 5 school days, else it becomes
O (reg 10(7)-(9) 2024 Regulations [S], statutory.md §1 and §9: school days, not working
days). The attendance officer is told the school day before.

Our reading (selectors.stale_n_cutoff): the 5 school days are counted from the day after
the N; the whole 5th day is allowed; the N becomes O on the next run after it. Dates
hand-counted on the 2026/27 calendar (tests/registers/register_school.py):

| N on          | school days 1..5 after it                              | becomes O on | notice on   |
|---------------|--------------------------------------------------------|--------------|-------------|
| Mon 14 Sep    | Tue 15, Wed 16, Thu 17, Fri 18, Mon 21 Sep             | Tue 22 Sep   | Mon 21 Sep  |
| Fri 16 Oct    | Mon 19, Tue 20, Wed 21, Thu 22, Fri 23 Oct             | Sat 24 Oct   | Fri 23 Oct  |
| Wed 21 Oct    | Thu 22, Fri 23 Oct, (half term), Mon 2, Tue 3, Wed 4 Nov | Thu 5 Nov  | Wed 4 Nov   |
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance.jobs import N_TO_O_REASON, n_marks_notice_send, stale_n_marks_convert
from safewell.attendance.models import Mark, MarkAmendment, MarkSource, SessionRegister
from safewell.attendance.selectors import n_marks_due_tomorrow
from safewell.audit.models import AuditEvent
from tests.registers.register_school import london, submit

D = dt.date
# (the N's date, a day the job runs, whether the N is O after that run)
CONVERSIONS = [
    (D(2026, 9, 14), D(2026, 9, 21), False),
    (D(2026, 9, 14), D(2026, 9, 22), True),
    (D(2026, 10, 16), D(2026, 10, 23), False),
    (D(2026, 10, 16), D(2026, 10, 24), True),
    (D(2026, 10, 21), D(2026, 10, 24), False),  # half term does not count
    (D(2026, 10, 21), D(2026, 10, 30), False),
    (D(2026, 10, 21), D(2026, 11, 2), False),
    (D(2026, 10, 21), D(2026, 11, 4), False),
    (D(2026, 10, 21), D(2026, 11, 5), True),
]
# (the N's date, the day the notice goes, whether that day's notice counts this N)
NOTICES = [
    (D(2026, 9, 14), D(2026, 9, 18), False),
    (D(2026, 9, 14), D(2026, 9, 21), True),
    (D(2026, 9, 14), D(2026, 9, 22), False),  # already O: no longer due
    (D(2026, 10, 16), D(2026, 10, 22), False),
    (D(2026, 10, 16), D(2026, 10, 23), True),
    (D(2026, 10, 21), D(2026, 10, 23), False),
    (D(2026, 10, 21), D(2026, 10, 31), False),  # a Saturday in half term: no notice
    (D(2026, 10, 21), D(2026, 11, 3), False),
    (D(2026, 10, 21), D(2026, 11, 4), True),
]


def n_on(school, day: dt.date, pupil=None):
    submit(school, [(pupil or school.ada, "N")], date=day, now=london(day, 8, 50))


@pytest.mark.parametrize(("n_date", "run_on", "becomes_o"), CONVERSIONS)
def test_an_n_becomes_o_after_5_school_days(school, n_date, run_on, becomes_o):
    n_on(school, n_date)

    converted = stale_n_marks_convert(today=run_on, now=london(run_on, 5, 30))

    assert converted == (1 if becomes_o else 0)
    assert Mark.objects.get().code == ("O" if becomes_o else "N")


@pytest.mark.parametrize(("n_date", "notice_on", "counted"), NOTICES)
def test_the_attendance_officer_is_told_the_school_day_before(school, n_date, notice_on, counted):
    n_on(school, n_date)
    stale_n_marks_convert(today=notice_on, now=london(notice_on, 5, 30))

    assert n_marks_due_tomorrow(site=school.north, today=notice_on).count() == (1 if counted else 0)


def test_the_conversion_is_an_audited_amendment_and_moves_the_register_on(school):
    n_on(school, D(2026, 9, 14))
    submit(school, [(school.bea, "N")], date=D(2026, 9, 14), base=1, now=london(D(2026, 9, 14), 9, 0))
    submit(school, [(school.bea, "I")], date=D(2026, 9, 14), base=2, now=london(D(2026, 9, 16), 9, 0),
           reason="Note from home")

    assert stale_n_marks_convert(today=D(2026, 9, 22), now=london(D(2026, 9, 22), 5, 30)) == 1

    mark = Mark.objects.get(pupil=school.ada)
    assert (mark.code, mark.source, mark.recorded_by) == ("O", MarkSource.AMENDMENT, None)
    assert Mark.objects.get(pupil=school.bea).code == "I"  # replaced in time: untouched
    amendment = MarkAmendment.objects.get(pupil=school.ada)
    assert (amendment.old_code, amendment.new_code, amendment.reason, amendment.out_of_window) == (
        "N", "O", N_TO_O_REASON, True
    )
    register = SessionRegister.objects.get()
    assert register.version == 4
    event = AuditEvent.objects.filter(target_type="attendance.sessionregister").order_by("-id").first()
    assert event.changes[f"{school.ada.pk}/2026-09-14/AM"] == ["N", "O"] and N_TO_O_REASON in event.detail
    assert stale_n_marks_convert(today=D(2026, 9, 23), now=london(D(2026, 9, 23), 5, 30)) == 0


def test_the_notice_emails_a_count_and_a_link_without_pupil_names(school, mailoutbox):
    n_on(school, D(2026, 9, 14))
    submit(school, [(school.bea, "N")], date=D(2026, 9, 14), base=1, now=london(D(2026, 9, 14), 9, 0))

    assert n_marks_notice_send(today=D(2026, 9, 21)) == 1

    (email,) = mailoutbox
    assert email.to == ["attendance@example.org"]
    assert "2 unexplained" in email.subject and "North site" in email.subject
    assert "/attendance/registers/unexplained/?site=north" in email.body
    assert "Tuesday 22 September 2026" in email.body
    assert "Ada" not in email.body + email.subject and "Registertest" not in email.body + email.subject


def test_no_notice_goes_when_nothing_is_due(school, mailoutbox):
    n_on(school, D(2026, 9, 14))

    assert n_marks_notice_send(today=D(2026, 9, 18)) == 0
    assert mailoutbox == []
