"""The policy engine over contact attempts (issue 6 §3): a rung's time passing raises the
ladder alert for the attendance officers; no contact with a safeguarding flag, the ladder at
the DSL, or a parent who does not know where the child is, reaches the DSL at once, in the
transaction that recorded the attempt (design.md principle 4)."""

from __future__ import annotations

from safewell.followup.services import contact_attempt_log
from safewell.policy.engine.jobs import evaluate_absence_episodes
from safewell.policy.models import Alert
from tests.followup.followup_school import TUESDAY, london


def alerts(pupil, rule: str) -> list[Alert]:
    return list(Alert.objects.filter(pupil=pupil, rule_id=rule))


def no_answer(school, pupil, at):
    return contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=pupil, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.contact(pupil), outcome="no_answer", attempted_at=at, now=at,
    )


def test_no_ladder_alert_while_the_first_rung_has_time(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    assert evaluate_absence_episodes(now=london(TUESDAY, 11, 0)) == 1  # the statutory ladder: 2 hours from 09:15
    assert not alerts(school.dan, "first_day_contact_ladder")


def test_when_the_first_rung_runs_out_the_attendance_officers_are_alerted_to_the_next(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    no_answer(school, school.dan, london(TUESDAY, 9, 40))
    evaluate_absence_episodes(now=london(TUESDAY, 11, 20))
    [alert] = alerts(school.dan, "first_day_contact_ladder")
    assert alert.routed_to_role == "attendance_officer" and alert.episode_key == "2026-11-10 AM"
    assert alert.evidence["due"] == "Contact the other emergency contacts"
    assert [r["status"] for r in alert.evidence["ladder"]][:2] == ["passed", "due"]
    assert not alerts(school.dan, "no_contact_safeguarding")  # no flag, and not yet at the DSL rung


def test_a_failed_call_about_a_child_on_a_protection_plan_reaches_the_dsl_at_once(school):
    school.take_register(TUESDAY, "AM", {school.ada: "N"})
    assert not alerts(school.ada, "no_contact_safeguarding")
    no_answer(school, school.ada, london(TUESDAY, 9, 35))  # no job run: the attempt's own transaction
    [alert] = alerts(school.ada, "no_contact_safeguarding")
    assert alert.routed_to_role == "dsl" and alert.severity == "urgent"
    assert "safeguarding flag" in alert.explanation and alert.evidence["attempts_to_family"] == 1


def test_a_parent_who_does_not_know_where_the_child_is_reaches_the_dsl_with_the_police_due(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    at = london(TUESDAY, 9, 30)
    contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=school.dan, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.contact(school.dan), outcome="reached", attempted_at=at, now=at,
        whereabouts_known=False,
    )
    [alert] = alerts(school.dan, "no_contact_safeguarding")
    assert alert.evidence["police"] == "due now" and "definition of missing is met" in alert.explanation


def test_the_ladder_reaching_the_dsl_rung_alerts_the_dsl_for_any_child(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    school.take_register(TUESDAY, "PM", {school.dan: "N"})
    # statutory ladder: 2 + 2 + 24 hours from Tuesday 09:15 → the DSL from Wednesday 13:15.
    evaluate_absence_episodes(now=london(TUESDAY, 23, 0))
    assert not alerts(school.dan, "no_contact_safeguarding")
    school.take_register(TUESDAY.replace(day=11), "AM", {school.dan: "N"}, at=london(TUESDAY.replace(day=11), 8, 50))
    evaluate_absence_episodes(now=london(TUESDAY.replace(day=11), 13, 20))
    [alert] = alerts(school.dan, "no_contact_safeguarding")
    assert "reached the DSL" in alert.explanation


def test_contact_made_resolves_the_alert_by_itself_saying_so(school):
    school.take_register(TUESDAY, "AM", {school.ada: "N"})
    no_answer(school, school.ada, london(TUESDAY, 9, 35))
    at = london(TUESDAY, 9, 50)
    contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=school.ada, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.contact(school.ada), outcome="reached", attempted_at=at, now=at,
        whereabouts_known=True, reason_category="medical_appointment",
    )
    [alert] = alerts(school.ada, "no_contact_safeguarding")
    # Closed by itself, with what ended it; the DSL can reopen it (issue 11 §1).
    assert alert.condition_cleared_at is not None and alert.state == "resolved"
    assert "contact with the family" in alert.actions.get(action="resolve").reason


def test_the_five_minute_job_evaluates_only_pupils_in_an_absence_episode(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N", school.bea: "I"})
    assert evaluate_absence_episodes(now=london(TUESDAY, 9, 20)) == 1
    # An N counts as soon as it is recorded (docs/absence-episodes.md), but the ladder starts
    # at the register's close: before it, nothing is due and nothing is raised.
    assert evaluate_absence_episodes(now=london(TUESDAY, 9, 10)) == 1
    assert not Alert.objects.filter(pupil=school.dan).exists()


def test_after_an_afternoon_register_nobody_took_a_failed_call_still_reaches_the_dsl_at_once(school):
    school.take_register(TUESDAY, "AM", {school.ada: "N"})  # the afternoon register is never taken
    no_answer(school, school.ada, london(TUESDAY, 16, 30))
    alert = alerts(school.ada, "no_contact_safeguarding")
    assert [a.episode_key for a in alert] == ["2026-11-10 AM"]
    assert "1 attempt to reach the family failed" in alert[0].explanation
