"""A task that asks for something is done when that thing is recorded (issue 11 §6): the CME
notification sent, a safe-and-well check, the return home interview held or declined, the
plan reviewed. Such a task cannot be ticked by hand, so a case never says "sent on time"
beside a task "send the notification" that is overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.safeguarding import services
from safewell.safeguarding.models import CaseKind, Task, TaskDoneWhen
from tests.safeguarding.casework_factory import NOW, case_of, london, missing_case

MONDAY = dt.date(2026, 11, 9)


def cme_case(personas, pupil):
    return case_of(personas, pupil, kind=CaseKind.CME, cme_due_on=MONDAY)


def send(case, personas, *, on=dt.date(2026, 11, 2)):
    return services.referral_send(referral=case.referrals.get(), actor=personas.dsl, now=NOW,
                                  sending=services.Sending(sent_on=on, lawful_basis="legal_obligation"))


def test_sending_the_notification_completes_the_task_that_asks_for_it(personas, north_pupil):
    case = cme_case(personas, north_pupil)
    task = case.tasks.get(done_when=TaskDoneWhen.CME_NOTIFICATION_SENT)
    assert not task.is_done

    send(case, personas)

    task.refresh_from_db()
    assert task.is_done and task.completed_by == personas.dsl
    assert task.completion_note == "The notification was sent on 2 November 2026."
    assert case.entries.filter(title=f"Task done: {task.title}").exists()


def test_the_notification_task_cannot_be_ticked_while_the_notification_is_unsent(personas, north_pupil):
    task = cme_case(personas, north_pupil).tasks.get(done_when=TaskDoneWhen.CME_NOTIFICATION_SENT)

    with pytest.raises(ValidationError) as refused:
        services.task_complete(task=task, actor=personas.dsl, now=NOW)

    assert "when the CME notification is recorded as sent" in refused.value.message_dict["note"][0]
    task.refresh_from_db()
    assert not task.is_done


def _task_item(page: str, title: str) -> str:
    return next(item for item in page.split('id="tasks"')[1].split("</ul>")[0].split("<li") if title in item)


def test_the_done_button_is_not_offered_for_a_task_its_record_completes(client, personas, north_pupil):
    case = cme_case(personas, north_pupil)
    title = "Make reasonable enquiries, then send the CME notification"
    client.force_login(personas.dsl)

    item = _task_item(client.get(f"/safeguarding/cases/{case.pk}/").content.decode(), title)
    assert "Done when the CME notification is recorded as sent" in item
    assert "<button" not in item and ">Done<" not in item

    send(case, personas)
    item = _task_item(client.get(f"/safeguarding/cases/{case.pk}/").content.decode(), title)
    assert ">Done<" in item and "Overdue" not in item and "The notification was sent on 2 November 2026." in item


def test_a_safe_and_well_check_completes_the_task_that_asks_for_one(personas, north_pupil):
    case = cme_case(personas, north_pupil)
    task = services.task_add(case=case, actor=personas.dsl, now=NOW, action=services.Action(
        "Ask the LA for a safe-and-well check", personas.dsl, dt.date(2026, 11, 4),
        done_when=TaskDoneWhen.SAFE_AND_WELL_CHECK))

    services.safe_and_well_check_record(case=case, actor=personas.dsl, now=NOW, checked_by="local_authority",
                                        checked_by_name="CME officer", checked_at=NOW - dt.timedelta(hours=1),
                                        child_seen=True, outcome="safe_and_well")

    task.refresh_from_db()
    assert task.is_done and "checked on 2 November 2026" in task.completion_note


def test_the_return_home_interview_held_completes_its_task_and_one_offered_does_not(personas, north_pupil):
    returned = london(dt.date(2026, 11, 1), 18)
    episode = missing_case(personas, north_pupil, returned_at=returned)
    task = services.task_add(case=episode.case, actor=personas.dsl, now=NOW, action=services.Action(
        "Ask the missing service to hold the return home interview", personas.dsl, dt.date(2026, 11, 4),
        done_when=TaskDoneWhen.RETURN_HOME_INTERVIEW))

    services.return_home_interview_record(episode=episode, actor=personas.dsl, now=NOW, interview=services.Interview(
        status="offered", offered_at=returned + dt.timedelta(hours=2), offered_by="Kim Example, Missing Service"))
    task.refresh_from_db()
    assert not task.is_done

    services.return_home_interview_record(episode=episode, actor=personas.dsl, now=NOW, interview=services.Interview(
        status="completed", offered_at=returned + dt.timedelta(hours=2), offered_by="Kim Example, Missing Service",
        completed_at=returned + dt.timedelta(hours=14), conducted_by="Kim Example, Missing Service"))
    task.refresh_from_db()
    assert task.is_done and task.completion_note == "The return home interview was completed on 2 November 2026."


def test_a_plan_review_completes_the_plans_review_action_and_no_other(personas, north_pupil):
    plan = services.reintegration_plan_create(
        case=case_of(personas, north_pupil), actor=personas.dsl, now=NOW,
        terms=services.PlanTerms(starts_on=dt.date(2026, 11, 2), monitoring_ends_on=dt.date(2026, 12, 14),
                                 attendance_target_percent=90, support="A key adult at the gate.",
                                 next_review_on=dt.date(2026, 11, 16)),
        actions=[services.Action("Meet at the gate each morning", personas.dsl, dt.date(2026, 11, 3)),
                 services.Action("Review meeting with the family", personas.dsl, dt.date(2026, 11, 16),
                                 done_when=TaskDoneWhen.PLAN_REVIEWED)])

    services.reintegration_review_record(plan=plan, actor=personas.dsl, now=london(dt.date(2026, 11, 16), 16),
                                         reviewed_on=dt.date(2026, 11, 16), notes="Going well.",
                                         next_review_on=dt.date(2026, 11, 30))

    done = {t.title: t.is_done for t in Task.objects.filter(plan=plan)}
    assert done == {"Meet at the gate each morning": False, "Review meeting with the family": True}


def test_an_unknown_done_when_is_refused(personas, north_pupil):
    with pytest.raises(ValidationError) as refused:
        services.task_add(case=case_of(personas, north_pupil), actor=personas.dsl, now=NOW, action=services.Action(
            "Something", personas.dsl, dt.date(2026, 11, 4), done_when="when pigs fly"))
    assert "done_when" in refused.value.message_dict
