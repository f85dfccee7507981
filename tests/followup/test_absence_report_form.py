"""The parents' absence report (issue 6 §6): a public form, rate limited, with a
confirmation that does not say whether the child was found; it lands as a pre-notification
that only an attendance officer's acceptance turns into anything."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from safewell.attendance.models import Mark
from safewell.followup import services
from safewell.followup.models import AbsenceReport, CodeProposal, ContactAttempt
from safewell.followup.public_views import REPORTS_PER_HOUR, TOO_MANY_REPORTS
from safewell.followup.selectors import calling_list
from tests.followup.followup_school import TUESDAY, london

NOW = london(TUESDAY, 8, 0)


@pytest.fixture(autouse=True)
def clock(monkeypatch, db):
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    cache.clear()


def form(**changes) -> dict:
    return {
        "child_name": "Dan Calltest", "dob_day": "9", "dob_month": "3", "dob_year": "2014",
        "first_day": TUESDAY.isoformat(), "last_day": TUESDAY.isoformat(), "reason_category": "illness",
        "reason_text": "Sick in the night", "reporter_name": "Dina Calltest", "reporter_relationship": "Mother",
        "reporter_phone": "07700 900104", **changes,
    }


def url(school):
    return reverse("absence_report", kwargs={"site_code": school.north.code})


def test_anyone_can_open_the_form(client, school):
    response = client.get(url(school))
    assert response.status_code == 200 and "Report your child's absence" in response.content.decode()


def test_a_report_is_matched_by_name_and_date_of_birth_and_changes_nothing_yet(client, school):
    response = client.post(url(school), form())
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    report = AbsenceReport.objects.get()
    assert (report.pupil, report.status, report.reason_category) == (school.dan, "pending", "illness")
    assert not ContactAttempt.objects.exists() and not CodeProposal.objects.exists()


def test_an_unmatched_report_gets_the_same_confirmation(client, school):
    response = client.post(url(school), form(child_name="Nobody Known"))
    assert response.status_code == 302 and response["Location"].endswith("/thanks/")
    assert AbsenceReport.objects.get().pupil is None


# (the field, the bad value, the message)
BAD = [
    ("child_name", "", "This field is required."),
    ("dob_day", "31", "Enter a real date of birth."),  # with month 2: there is no 31 February
    ("first_day", (TUESDAY - dt.timedelta(days=1)).isoformat(), services.REPORT_IN_THE_PAST),
    ("last_day", (TUESDAY + dt.timedelta(days=20)).isoformat(), services.REPORT_TOO_LONG.format(days=10)),
    ("reason_category", "bored", "Select a valid choice. bored is not one of the available choices."),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_report_says_what_is_wrong_by_field_and_stores_nothing(client, school, field, value, message):
    changes = {field: value, **({"dob_month": "2"} if field == "dob_day" else {})}
    response = client.post(url(school), form(**changes))
    assert response.status_code == 400 and message in response.content.decode().replace("&#x27;", "'")
    assert not AbsenceReport.objects.exists()


def test_the_form_is_rate_limited_per_address(client, school):
    for _ in range(REPORTS_PER_HOUR):
        assert client.post(url(school), form()).status_code == 302
    response = client.post(url(school), form())
    assert response.status_code == 429 and TOO_MANY_REPORTS in response.content.decode()
    assert AbsenceReport.objects.count() == REPORTS_PER_HOUR


def test_a_waiting_report_keeps_the_child_on_the_calling_list_and_an_accepted_one_takes_them_off(client, school):
    client.post(url(school), form())
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    after_close = london(TUESDAY, 9, 30)
    assert [e.pupil for f in calling_list(site=school.north, day=TUESDAY, now=after_close).families for e in f.entries] == [school.dan]
    report = services.absence_report_accept(report=AbsenceReport.objects.get(), actor=school.personas.attendance_officer,
                                            now=after_close)
    assert calling_list(site=school.north, day=TUESDAY, now=after_close).families == []
    attempt = report.attempt
    assert (attempt.channel, attempt.outcome, attempt.whereabouts_known) == ("online_form", "reached", True)
    proposal = CodeProposal.objects.get()
    assert (proposal.date, proposal.code) == (TUESDAY, "I")
    assert Mark.objects.get(pupil=school.dan, date=TUESDAY, session="AM").code == "N"  # until the proposal is accepted


def test_declining_a_report_needs_a_reason(client, school):
    client.post(url(school), form(child_name="Nobody Known"))
    report = AbsenceReport.objects.get()
    with pytest.raises(Exception, match="Say why"):
        services.absence_report_reject(report=report, actor=school.personas.attendance_officer, note="", now=NOW)
    services.absence_report_reject(report=report, actor=school.personas.attendance_officer,
                                   note="No such child at North", now=NOW)
    report.refresh_from_db()
    assert report.status == "rejected"
