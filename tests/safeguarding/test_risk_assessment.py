"""The risk assessment: seed 004's questions, push and pull factors, contextual and online
factors, the register's evidence pre-filled and kept, and the DSL's judgement, rationale and
review date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.attendance.models import LessonMark, LessonRegister
from safewell.attendance.store import MarkInput, mark_write
from safewell.policy.profile_services import policy_profile_install
from safewell.policy.profiles import shipped_profile_text
from safewell.pupils.models import Lesson, Period, Subject, TeachingClass
from safewell.pupils.services import characteristic_add
from safewell.safeguarding import questions, services
from safewell.safeguarding.models import RiskAssessment
from tests.safeguarding.casework_factory import NOW, case_of

FRIDAY = dt.date(2026, 11, 13)
NOW_FRIDAY = dt.datetime(2026, 11, 13, 16, tzinfo=dt.UTC)


def assess(personas, case, *, now=NOW, **changes):
    fields = dict(answers={"around_weekend": {"answer": "yes", "notes": "Always Mondays."}}, judgement="medium",
                  rationale="A pattern around weekends, no contact with the father.", review_on=dt.date(2026, 12, 1),
                  push_factors=["bullying"], pull_factors=["gang_involvement"], contextual_factors=["young_carer"])
    return services.risk_assessment_record(case=case, actor=personas.dsl, now=now, **{**fields, **changes})


def test_the_questions_are_seed_004s_three_groups():
    assert [s.title for s in questions.SECTIONS] == [
        "The DSL and staff considerations", "Single missing days", "Continuous missing days"]
    assert len(questions.QUESTION_KEYS) == 24


def test_the_register_evidence_is_taken_and_kept_with_the_assessment(personas, term_dates, north_pupil):
    marks = [MarkInput(north_pupil.pk, dt.date(2026, 11, 9), s, "O", None) for s in ("AM", "PM")]  # a Monday
    marks += [MarkInput(north_pupil.pk, dt.date(2026, 11, d), s, "/" if s == "AM" else "\\", None)
              for d in (10, 11, 12, 13) for s in ("AM", "PM")]
    mark_write(marks=marks)
    subject = Subject.objects.create(organisation=personas.organisation, name="PE", is_pe=True)
    lesson = Lesson.objects.create(
        teaching_class=TeachingClass.objects.create(site=personas.north, name="8 PE", subject=subject), weekday=1,
        period=Period.objects.create(site=personas.north, name="P1", starts_at=dt.time(9, 30), ends_at=dt.time(10, 30)))
    LessonMark.objects.create(lesson_register=LessonRegister.objects.create(lesson=lesson, date=dt.date(2026, 11, 10)),
                              pupil=north_pupil, code="N")

    assessment = assess(personas, case_of(personas, north_pupil), now=NOW_FRIDAY)

    evidence = assessment.attendance_evidence
    assert (evidence["possible_sessions"], evidence["absent_sessions"], evidence["attendance_percent"]) == (10, 2, 80.0)
    assert evidence["absences_by_weekday"] == {"Monday": 2, "Tuesday": 0, "Wednesday": 0, "Thursday": 0, "Friday": 0}
    assert evidence["lessons_missed_by_subject"] == [{"subject": "PE", "missed": 1, "of": 1}]
    assert evidence["by_code"] == {"/": 4, "\\": 4, "O": 2}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"judgement": ""}, "judgement", services.REQUIRED),
    ({"rationale": ""}, "rationale", services.RATIONALE_REQUIRED),
    ({"review_on": dt.date(2026, 11, 2)}, "review_on", services.REVIEW_NOT_AFTER_TODAY),
    ({"answers": {"around_weekend": {"answer": "maybe"}}}, "answers", services.ANSWER_INVALID),
    ({"push_factors": ["the weather"]}, "push_factors", "'the weather' is not one of the choices."),
    ({"online_safety_lead_consulted": True}, "online_safety_lead_name", services.ONLINE_LEAD_NAME_REQUIRED),
])
def test_an_assessment_without_a_judgement_rationale_and_review_is_refused(personas, north_pupil, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        assess(personas, case_of(personas, north_pupil), **changes)
    assert refused.value.message_dict[field] == [message]
    assert not RiskAssessment.objects.exists()


def test_a_seed_004_setting_must_consider_the_digital_footprint(personas, north_pupil):
    policy_profile_install(organisation=personas.organisation, yaml_text=shipped_profile_text("seed-004-special"),
                           actor=personas.admin)
    case = case_of(personas, north_pupil)
    with pytest.raises(ValidationError) as refused:
        assess(personas, case)
    assert refused.value.message_dict == {"online_considerations": [services.ONLINE_REVIEW_REQUIRED]}
    made = assess(personas, case, online_considerations="Gaming chat with adults at night.",
                  online_safety_lead_consulted=True, online_safety_lead_name="Online safety lead")
    assert made.online_safety_lead_consulted


def test_a_reassessment_supersedes_the_last_one(personas, north_pupil):
    case = case_of(personas, north_pupil)
    first = assess(personas, case)
    second = assess(personas, case, judgement="high", now=NOW + dt.timedelta(days=1))
    assert second.supersedes == first
    assert [a.judgement for a in case.assessments.all()] == ["high", "medium"]


def test_the_form_ticks_the_childs_recorded_contextual_factors(client, personas, north_pupil):
    characteristic_add(pupil=north_pupil, kind="young_carer", starts_on=dt.date(2026, 1, 1))
    case = case_of(personas, north_pupil)
    client.force_login(personas.dsl)
    page = client.get(f"/safeguarding/cases/{case.pk}/assessments/new/").content.decode()
    assert 'value="young_carer" checked' in page and 'value="youth_justice" checked' not in page
    assert "Are they late because of a caring responsibility?" in page


def test_the_assessment_page_shows_the_answers_in_the_seeds_words(client, personas, north_pupil):
    assessment = assess(personas, case_of(personas, north_pupil))
    client.force_login(personas.dsl)
    page = client.get(f"/safeguarding/assessments/{assessment.pk}/").content.decode()
    assert "Is it before or after the weekend, suggesting the child is away from the area?" in page
    assert "Always Mondays." in page and "Gang involvement" in page
