"""A reintegration plan: actions with owners and due dates, a monitoring period, and an
attendance target checked against the register; reviews are enforced, and a part-time
timetable (C2) in it is time-limited and reviewed (reg 11(6), 2024 Regulations [C])."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.attendance.models import PlannedAbsence, session_bit
from safewell.attendance.store import MarkInput, mark_write
from safewell.safeguarding import selectors, services
from safewell.safeguarding.models import ReintegrationPlan, Task
from tests.safeguarding.casework_factory import NOW, case_of

MONDAY = dt.date(2026, 11, 9)
WEEK = [MONDAY + dt.timedelta(days=d) for d in range(5)]  # Mon 9 – Fri 13 Nov 2026, all school days
AFTERNOONS = sum(session_bit(d, "PM") for d in range(5))


def terms(**changes) -> services.PlanTerms:
    fields = dict(starts_on=MONDAY, monitoring_ends_on=MONDAY + dt.timedelta(weeks=6), attendance_target_percent=90,
                  support="A key adult meets him at the gate; a quiet room at lunch.",
                  next_review_on=MONDAY + dt.timedelta(weeks=2))
    return services.PlanTerms(**{**fields, **changes})


def mark_week(pupil, codes: list[str]) -> None:
    """Ten codes, AM then PM, Monday to Friday; '.' is present."""
    marks = []
    for index, code in enumerate(codes):
        day, session = WEEK[index // 2], ("AM", "PM")[index % 2]
        marks.append(MarkInput(pupil.pk, day, session, code if code != "." else ("/" if session == "AM" else "\\"), None))
    mark_write(marks=marks)


# Attended ÷ expected, where expected is possible sessions less the agreed C2 ones.
@pytest.mark.parametrize(("codes", "part_time", "expected", "attended", "percent", "on_track"), [
    ([".", ".", ".", ".", ".", ".", ".", ".", ".", "."], False, 10, 10, 100.0, True),
    ([".", ".", ".", ".", ".", ".", ".", ".", ".", "O"], False, 10, 9, 90.0, True),      # exactly the target
    ([".", ".", ".", ".", ".", ".", ".", ".", "N", "O"], False, 10, 8, 80.0, False),
    ([".", "C2", ".", "C2", ".", "C2", ".", "C2", ".", "C2"], True, 5, 5, 100.0, True),  # mornings only, all attended
    ([".", "C2", ".", "C2", "O", "C2", ".", "C2", ".", "C2"], True, 5, 4, 80.0, False),
    ([".", ".", "X", "X", ".", ".", ".", ".", ".", "."], False, 8, 8, 100.0, True),      # X is not a possible session
])
def test_the_attendance_target_is_checked_against_the_register(term_dates, north_pupil, codes, part_time, expected,
                                                               attended, percent, on_track):
    timetable_id = None
    if part_time:
        timetable_id = PlannedAbsence.objects.create(
            pupil=north_pupil, code="C2", starts_on=MONDAY, ends_on=MONDAY + dt.timedelta(weeks=4), sessions=AFTERNOONS,
            review_on=MONDAY + dt.timedelta(weeks=2), reason="Mornings only after a long absence.").pk
    plan = services.reintegration_plan_create(case=case_of(term_dates, north_pupil), actor=term_dates.dsl, now=NOW,
                                              terms=terms(part_time_timetable_id=timetable_id))
    mark_week(north_pupil, codes)

    progress = selectors.plan_progress(plan, today=dt.date(2026, 11, 13))

    assert (progress.expected_sessions, progress.attended_sessions, progress.percent, progress.on_track) == (
        expected, attended, percent, on_track)


def test_before_any_session_the_target_is_neither_met_nor_missed(term_dates, north_pupil):
    plan = services.reintegration_plan_create(case=case_of(term_dates, north_pupil), actor=term_dates.dsl, now=NOW,
                                              terms=terms())
    progress = selectors.plan_progress(plan, today=dt.date(2026, 11, 6))
    assert progress.percent is None and progress.on_track is None


def test_the_plans_actions_become_tasks_with_owners_and_due_dates(personas, north_pupil):
    plan = services.reintegration_plan_create(
        case=case_of(personas, north_pupil), actor=personas.dsl, now=NOW, terms=terms(),
        actions=[services.Action("Meet at the gate each morning", personas.teacher, MONDAY),
                 services.Action("Phone the social worker weekly", personas.dsl, MONDAY + dt.timedelta(days=4))])
    assert [(t.title, t.owner, t.plan) for t in Task.objects.order_by("due_on")] == [
        ("Meet at the gate each morning", personas.teacher, plan), ("Phone the social worker weekly", personas.dsl, plan)]


@pytest.mark.parametrize(("changes", "actions", "field", "message"), [
    ({"monitoring_ends_on": MONDAY}, [], "monitoring_ends_on", services.MONITORING_BEFORE_START),
    ({"attendance_target_percent": 101}, [], "attendance_target_percent", services.TARGET_OUT_OF_RANGE),
    ({"next_review_on": MONDAY - dt.timedelta(days=1)}, [], "next_review_on", services.REVIEW_BEFORE_START),
    ({"support": ""}, [], "support", services.REQUIRED),
    ({}, [("Home visit", None, MONDAY)], "actions.0.owner", services.REQUIRED),
    ({}, [("Home visit", "external", MONDAY)], "actions.0.owner", "The owner must be a member of staff at North site."),
])
def test_a_plan_with_bad_terms_is_refused_whole(personas, north_pupil, changes, actions, field, message):
    case = case_of(personas, north_pupil)
    made = [services.Action(title, getattr(personas, owner) if owner else None, due) for title, owner, due in actions]
    with pytest.raises(ValidationError) as refused:
        services.reintegration_plan_create(case=case, actor=personas.dsl, now=NOW, terms=terms(**changes), actions=made)
    assert refused.value.message_dict[field] == [message]
    assert not ReintegrationPlan.objects.exists() and not Task.objects.exists()


def test_the_plan_is_reviewed_no_later_than_its_part_time_timetable(personas, north_pupil):
    timetable = PlannedAbsence.objects.create(
        pupil=north_pupil, code="C2", starts_on=MONDAY, ends_on=MONDAY + dt.timedelta(weeks=4), sessions=AFTERNOONS,
        review_on=MONDAY + dt.timedelta(days=10), reason="Mornings only.")
    with pytest.raises(ValidationError) as refused:
        services.reintegration_plan_create(case=case_of(personas, north_pupil), actor=personas.dsl, now=NOW,
                                           terms=terms(part_time_timetable_id=timetable.pk))
    assert refused.value.message_dict == {"next_review_on": [services.REVIEW_AFTER_TIMETABLE.format(review=timetable.review_on)]}


def test_another_childs_part_time_timetable_is_refused(personas, north_pupil, south_pupil):
    theirs = PlannedAbsence.objects.create(pupil=south_pupil, code="C2", starts_on=MONDAY, ends_on=MONDAY + dt.timedelta(weeks=4),
                                           sessions=AFTERNOONS, review_on=MONDAY + dt.timedelta(weeks=3), reason="x")
    with pytest.raises(ValidationError) as refused:
        services.reintegration_plan_create(case=case_of(personas, north_pupil), actor=personas.dsl, now=NOW,
                                           terms=terms(part_time_timetable_id=theirs.pk))
    assert refused.value.message_dict == {"part_time_timetable": [services.TIMETABLE_NOT_THE_CHILDS]}


def test_a_review_records_the_registers_figure_and_moves_the_next_review_or_ends_the_plan(term_dates, north_pupil):
    plan = services.reintegration_plan_create(case=case_of(term_dates, north_pupil), actor=term_dates.dsl, now=NOW,
                                              terms=terms())
    mark_week(north_pupil, [".", ".", ".", ".", ".", ".", ".", ".", "O", "O"])
    friday = dt.datetime(2026, 11, 13, 15, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        services.reintegration_review_record(plan=plan, actor=term_dates.dsl, now=friday, reviewed_on=friday.date(),
                                             notes="Fine.", next_review_on=None)
    assert refused.value.message_dict == {"next_review_on": [services.NEXT_REVIEW_OR_END]}

    review = services.reintegration_review_record(plan=plan, actor=term_dates.dsl, now=friday, reviewed_on=friday.date(),
                                                  notes="Friday afternoons are hard.", next_review_on=dt.date(2026, 11, 27))
    assert str(review.attendance_percent) == "80.0"
    services.reintegration_review_record(plan=plan, actor=term_dates.dsl, now=friday, reviewed_on=friday.date(),
                                         notes="Settled.", next_review_on=None, end_reason="Attendance back to normal.")
    plan.refresh_from_db()
    assert plan.ended_on == friday.date() and plan.next_review_on == dt.date(2026, 11, 27)
