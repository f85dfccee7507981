"""`safewell evaluate --date D [--site S]`: runs every rule, writes the alerts, and prints
what changed: opened, updated, no longer met, and nothing on a second run."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from safewell.policy.engine.jobs import evaluate_nightly
from safewell.policy.models import Alert

D = dt.date


def evaluate(*arguments: str) -> str:
    out = StringIO()
    call_command("evaluate", *arguments, stdout=out)
    return out.getvalue()


@pytest.fixture
def ada(school):
    pupil = school.admit("Ada")
    school.present(pupil, D(2026, 9, 3), D(2026, 10, 23))
    school.mark_days(pupil, school.school_days(D(2026, 11, 3), D(2026, 11, 13)), "N")
    return pupil


def test_it_prints_the_alerts_it_opened_then_nothing_new(school, ada):
    first = evaluate("--date", "2026-11-13", "--site", "north")
    assert "Evaluated 1 pupil(s) at North site as of Friday 13 November 2026" in first
    # Nine school days of N: continuous absence, the penalty threshold (10 sessions on the 5th
    # day) and persistent absence; not yet the CME step or the 10-day return. No one has
    # contacted the family, and every rung of the escalation ladder has run out of time by
    # now (the command evaluates as of the real clock): the ladder alert, and the DSL's.
    assert "opened: 5," in first
    assert "opened        continuous_absence" in first and "Ada Enginetest (episode 2026-11-03)" in first
    assert "opened        first_day_contact_ladder" in first and "opened        no_contact_safeguarding" in first
    assert Alert.objects.filter(pupil=ada).count() == 5
    second = evaluate("--date", "2026-11-13", "--site", "north")
    assert "opened: 0, updated: 0, no longer met: 0" in second and "unchanged: 5." in second


def test_it_prints_what_was_updated_and_what_is_no_longer_met(school, ada):
    evaluate("--date", "2026-11-13")
    school.mark_days(ada, [D(2026, 11, 16)], "N")  # one more day: the evidence changes
    out = evaluate("--date", "2026-11-16")
    assert "updated       continuous_absence" in out
    assert "opened        cme_ten_days" in out and "opened        attendance_return_10_day" in out  # the 10th day
    school.mark_days(ada, school.school_days(D(2026, 11, 3), D(2026, 11, 16)), "I")  # a reason after all
    out = evaluate("--date", "2026-11-16")
    assert "no longer met continuous_absence" in out and "no longer met cme_ten_days" in out


def test_a_dry_run_writes_nothing(school, ada):
    out = evaluate("--date", "2026-11-13", "--dry-run")
    assert "continuous_absence: 1" in out
    assert not Alert.objects.exists()


@pytest.mark.parametrize("arguments,message", [
    (("--date", "13/11/2026"), "--date must be a date like 2026-11-16"),
    (("--date", "2026-11-13", "--site", "west"), "There is no site with the code 'west'"),
    (("--date", "2026-11-13", "--organisation", "Nowhere"), "There is no organisation called 'Nowhere'"),
])
def test_it_refuses_bad_arguments_in_one_sentence(school, arguments, message):
    with pytest.raises(CommandError, match=message):
        evaluate(*arguments)


def test_the_nightly_job_evaluates_every_organisation(school, ada):
    from django.utils import timezone

    totals = evaluate_nightly(today=D(2026, 11, 13), now=timezone.now())
    # The three of the test above, and the escalation ladder's two (no contact made).
    assert totals["organisations"] == 1 and totals["pupils"] == 1 and totals["opened"] == 5 and totals["failed"] == 0
    assert evaluate_nightly(today=D(2026, 11, 13), now=timezone.now())["opened"] == 0
