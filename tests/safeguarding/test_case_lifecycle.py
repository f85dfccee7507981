"""A case has an owner from the DSL team, a status, and a closure with an outcome and a
rationale; a closed case changes no more, and a child still missing keeps their case open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.safeguarding import services
from safewell.safeguarding.models import CaseStatus
from tests.safeguarding.casework_factory import NOW, case_of, missing_case


def test_the_owner_must_be_in_the_childs_dsl_team(personas, north_pupil):
    with pytest.raises(ValidationError) as refused:
        services.case_open(pupil=north_pupil, kind="absence_concern", summary="Absent.", owner=personas.teacher,
                           actor=personas.dsl, now=NOW)
    assert refused.value.message_dict == {"owner": [services.OWNER_NOT_IN_TEAM.format(site="North site")]}
    with pytest.raises(ValidationError):
        services.case_open(pupil=north_pupil, kind="absence_concern", summary="Absent.",
                           owner=personas.deputy_dsl_south, actor=personas.dsl, now=NOW)


def test_a_case_moves_to_monitoring_and_changes_owner_with_a_chronology_entry(personas, south_pupil):
    case = case_of(personas, south_pupil, actor=personas.deputy_dsl_south)
    services.case_update(case=case, actor=personas.dsl, now=NOW, owner=personas.dsl, status=CaseStatus.MONITORING,
                         next_review_on=dt.date(2026, 12, 1))
    case.refresh_from_db()
    assert case.status == CaseStatus.MONITORING and case.owner == personas.dsl
    assert case.entries.last().body == "Owner: deputy_south → dsl. Status: Open → Monitoring. Next case review: 1 December 2026."


def test_closing_needs_an_outcome_and_a_rationale(personas, north_pupil):
    case = case_of(personas, north_pupil)
    with pytest.raises(ValidationError) as refused:
        services.case_close(case=case, actor=personas.dsl, outcome="", rationale=" ", now=NOW)
    assert refused.value.message_dict == {"outcome": [services.REQUIRED], "rationale": [services.RATIONALE_REQUIRED]}

    services.case_close(case=case, actor=personas.dsl, outcome="back_in_education", now=NOW,
                        rationale="Attending every day for four weeks.")
    case.refresh_from_db()
    assert (case.status, case.closed_by, case.closed_at) == (CaseStatus.CLOSED, personas.dsl, NOW)


def test_a_closed_case_takes_no_more_work(personas, north_pupil):
    case = case_of(personas, north_pupil)
    services.case_close(case=case, actor=personas.dsl, outcome="other", rationale="Left the area.", now=NOW)
    with pytest.raises(ValidationError, match="closed"):
        services.task_add(case=case, actor=personas.dsl, now=NOW,
                          action=services.Action("Visit", personas.dsl, dt.date(2026, 11, 5)))


def test_a_case_cannot_close_while_the_child_is_still_missing(personas, north_pupil):
    episode = missing_case(personas, north_pupil)
    with pytest.raises(ValidationError, match="still missing"):
        services.case_close(case=episode.case, actor=personas.dsl, outcome="child_located_safe", rationale="x", now=NOW)
