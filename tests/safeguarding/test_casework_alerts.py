"""Overdue case work raises real alerts (routed, escalated, in the inbox): written with the
event that raises them, re-checked by the schedule as clocks run out, closed by the person
who resolves them; the policy engine's own evaluations leave them alone. The engine reads
an open case and a previous missing episode as vulnerability markers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from safewell.attendance.models import PlannedAbsence
from safewell.policy.engine.evaluate import evaluate_and_sync
from safewell.policy.models import Alert, AlertState
from safewell.pupils.vulnerability import vulnerable_pupils
from safewell.safeguarding import services
from safewell.safeguarding.casework_alerts import casework_alerts_sync
from safewell.safeguarding.registrations import vulnerability_markers
from tests.pupils.pupil_factory import make_pupil
from tests.safeguarding.casework_factory import NOW, TODAY, case_of, london, missing_case

RETURNED = london(dt.date(2026, 11, 1), 23)


def rhi_alert():
    return Alert.objects.get(rule_id="return_home_interview_due")


def test_the_interview_alert_opens_when_the_child_comes_back(personas, north_pupil):
    episode = missing_case(personas, north_pupil)
    assert not Alert.objects.filter(rule_id="return_home_interview_due").exists()

    services.missing_episode_return(episode=episode, actor=personas.dsl, now=NOW, back=services.Return(RETURNED, "returned"))

    alert = rhi_alert()
    assert alert.severity == "high" and alert.evidence["due_by"] == "2026-11-04T23:00:00+00:00"
    assert alert.routed_to_role == "dsl" and alert.site == personas.north


def test_the_schedule_makes_it_urgent_once_72_hours_have_passed(personas, north_pupil):
    missing_case(personas, north_pupil, returned_at=RETURNED)
    casework_alerts_sync(now=RETURNED + dt.timedelta(hours=72, minutes=5))
    alert = rhi_alert()
    assert alert.severity == "urgent" and alert.evidence["overdue"] is True


def test_a_completed_interview_closes_its_alert_in_the_interviewers_name(personas, north_pupil):
    episode = missing_case(personas, north_pupil, returned_at=RETURNED)
    services.return_home_interview_record(episode=episode, actor=personas.dsl, now=NOW, interview=services.Interview(
        status="completed", offered_at=RETURNED + dt.timedelta(hours=9), offered_by="Missing Service",
        completed_at=NOW, conducted_by="Kim Example, Missing Service", push_factors=["feeling_unsafe"],
        pull_factors=["gang_involvement"]))
    alert = rhi_alert()
    assert alert.state == AlertState.ACTIONED and alert.condition_cleared_at == NOW


def test_three_episodes_in_thirty_days_raise_the_repeat_alert(personas, north_pupil):
    case = missing_case(personas, north_pupil, returned_at=RETURNED).case
    for days_ago in (10, 20):
        seen = RETURNED - dt.timedelta(days=days_ago)
        services.missing_episode_record(
            pupil=north_pupil, actor=personas.dsl, now=NOW, case=case,
            sighting=services.Sighting(missing_from="care_placement", last_seen_at=seen, last_seen_place="Town",
                                       clothing="Jeans"), back=services.Return(seen + dt.timedelta(hours=3), "returned"))
    alert = Alert.objects.get(rule_id="repeat_missing_episodes")
    assert len(alert.evidence["episodes"]) == 3 and alert.evidence["window_days"] == 30


def test_two_episodes_in_thirty_days_do_not(personas, north_pupil):
    missing_case(personas, north_pupil, returned_at=RETURNED)
    assert not Alert.objects.filter(rule_id="repeat_missing_episodes").exists()


def plan(personas, pupil, **terms):
    fields = dict(starts_on=TODAY, monitoring_ends_on=TODAY + dt.timedelta(weeks=6), attendance_target_percent=90,
                  support="Key adult each morning.", next_review_on=TODAY + dt.timedelta(weeks=2))
    return services.reintegration_plan_create(case=case_of(personas, pupil), actor=personas.dsl, now=NOW,
                                              terms=services.PlanTerms(**{**fields, **terms}))


def test_an_overdue_plan_review_raises_an_alert_and_the_review_closes_it(personas, north_pupil):
    made = plan(personas, north_pupil)
    later = NOW + dt.timedelta(weeks=2, days=1)
    casework_alerts_sync(now=later)
    alert = Alert.objects.get(rule_id="reintegration_review_overdue")
    assert alert.evidence["what"] == "reintegration plan" and alert.evidence["days_overdue"] == 1

    services.reintegration_review_record(plan=made, actor=personas.dsl, now=later, reviewed_on=later.date(),
                                         notes="Going well.", next_review_on=later.date() + dt.timedelta(weeks=2))
    alert.refresh_from_db()
    assert alert.state == AlertState.ACTIONED


def test_a_part_time_timetable_past_its_review_date_raises_the_alert(personas, north_pupil):
    timetable = PlannedAbsence.objects.create(pupil=north_pupil, code="C2", starts_on=TODAY, ends_on=TODAY + dt.timedelta(weeks=4),
                                              sessions=0b1010101010, review_on=TODAY + dt.timedelta(days=7),
                                              reason="Mornings only after an operation.")
    plan(personas, north_pupil, part_time_timetable_id=timetable.pk, next_review_on=TODAY + dt.timedelta(days=7))
    casework_alerts_sync(now=NOW + dt.timedelta(days=8))
    alert = Alert.objects.get(rule_id="reintegration_review_overdue")
    assert alert.evidence["review_was_due"] == "2026-11-09"


def test_the_engines_full_evaluation_leaves_casework_alerts_alone(personas, north_pupil):
    missing_case(personas, north_pupil, returned_at=RETURNED)
    evaluate_and_sync(today=TODAY, now=NOW)
    alert = rhi_alert()
    assert alert.condition_cleared_at is None and alert.is_live


def test_the_engine_reads_an_open_case_and_a_previous_episode_as_vulnerability_markers(personas, django_assert_num_queries):
    with_case, with_episode, neither = (make_pupil(personas.north) for _ in range(3))
    case_of(personas, with_case)
    missing_case(personas, with_episode, returned_at=RETURNED)
    closed = make_pupil(personas.north)
    services.case_close(case=case_of(personas, closed), actor=personas.dsl, outcome="other", rationale="Done.", now=NOW)

    with django_assert_num_queries(1):
        found = vulnerability_markers(today=TODAY, pupil_ids=None, organisation_ids=[personas.organisation.pk])

    assert found[with_case.pk] == {"open_case"}
    assert found[with_episode.pk] == {"open_case", "previous_missing_episode"}
    assert neither.pk not in found and closed.pk not in found
    marked = vulnerable_pupils(today=TODAY, markers={"open_case"}, pupil_ids=[with_case.pk, neither.pk])
    assert marked[with_case.pk].kinds == ("open_case",) and neither.pk not in marked


def test_the_casework_alerts_are_rechecked_on_a_schedule():
    jobs = {job["task"]: job["cron"] for job in settings.SAFEWELL_SCHEDULE}
    assert jobs["safewell.safeguarding.jobs.sync_casework_alerts"] == "*/10 * * * *"
