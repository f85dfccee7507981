"""Any member of staff raises a concern; the DSL team is alerted in the same transaction and
triages it: into a case, a new case, or no further action with the rationale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safewell.policy.models import Alert, AlertState
from safewell.safeguarding import services
from safewell.safeguarding.models import CaseKind, Concern, ConcernTriage
from tests.safeguarding.casework_factory import NOW, case_of


def raise_concern(personas, pupil, **changes):
    fields = dict(pupil=pupil, actor=personas.teacher, now=NOW, categories=["criminal_exploitation", "bullying"],
                  description="Seen getting into a car with older boys after school.", action_taken="Told the DSL.",
                  observed_at=NOW - dt.timedelta(hours=16))
    return services.concern_raise(**{**fields, **changes})


def test_a_raised_concern_alerts_the_dsl_team_at_once(personas, north_pupil):
    concern = raise_concern(personas, north_pupil)

    alert = Alert.objects.get(rule_id="concern_awaiting_triage")
    assert alert.pupil == north_pupil and alert.episode_key == f"concern:{concern.pk}"
    assert alert.evidence["categories"] == ["Child criminal exploitation (CCE) and county lines", "Bullying"]
    assert concern.raised_by == personas.teacher
    assert north_pupil.chronology.get().title == (
        "Concern raised by teacher: Child criminal exploitation (CCE) and county lines, Bullying")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"categories": []}, "categories", services.CATEGORY_REQUIRED),
    ({"categories": ["witchcraft"]}, "categories", "'witchcraft' is not one of the choices."),
    ({"description": "  "}, "description", services.DESCRIPTION_REQUIRED),
    ({"observed_at": NOW + dt.timedelta(days=1)}, "observed_at", services.IN_THE_FUTURE),
    ({"observed_at": None}, "observed_at", services.REQUIRED),
])
def test_a_concern_without_what_it_is_about_is_refused_and_nothing_is_written(personas, north_pupil, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        raise_concern(personas, north_pupil, **changes)
    assert refused.value.message_dict[field] == [message]
    assert not Concern.objects.exists() and not Alert.objects.exists()


def test_an_external_user_cannot_raise_a_concern(personas, north_pupil):
    with pytest.raises(PermissionDenied):
        raise_concern(personas, north_pupil, actor=personas.external)


def test_no_further_action_needs_its_rationale_and_closes_the_alert(personas, north_pupil):
    concern = raise_concern(personas, north_pupil)
    with pytest.raises(ValidationError) as refused:
        services.concern_triage(concern=concern, actor=personas.dsl, decision="no_further_action", rationale="", now=NOW)
    assert refused.value.message_dict == {"rationale": [services.RATIONALE_REQUIRED]}

    services.concern_triage(concern=concern, actor=personas.dsl, decision="no_further_action", now=NOW,
                            rationale="His uncle collects him on Mondays; confirmed with mum.")

    concern.refresh_from_db()
    assert concern.triage == ConcernTriage.NO_FURTHER_ACTION and concern.triaged_by == personas.dsl
    alert = Alert.objects.get(rule_id="concern_awaiting_triage")
    assert alert.state == AlertState.ACTIONED and alert.actions.get(action="action").actor == personas.dsl


def test_a_concern_can_open_a_case_or_join_an_open_one_of_the_same_child(personas, north_pupil, south_pupil):
    first = raise_concern(personas, north_pupil)
    services.concern_triage(concern=first, actor=personas.dsl, decision="case_opened", rationale="Exploitation risk.", now=NOW)
    first.refresh_from_db()
    assert first.case.kind == CaseKind.ABSENCE_CONCERN and first.case.owner == personas.dsl

    second = raise_concern(personas, north_pupil)
    other_child = case_of(personas, south_pupil, actor=personas.deputy_dsl_south)
    with pytest.raises(ValidationError) as refused:
        services.concern_triage(concern=second, actor=personas.dsl, decision="added_to_case", rationale="Same worry.",
                                now=NOW, case=other_child)
    assert refused.value.message_dict == {"case": [services.TRIAGE_CASE_OTHER_CHILD]}
    services.concern_triage(concern=second, actor=personas.dsl, decision="added_to_case", rationale="Same worry.",
                            now=NOW, case=first.case)
    assert set(first.case.concerns.all()) == {first, second}


def test_a_concern_is_triaged_once(personas, north_pupil):
    concern = raise_concern(personas, north_pupil)
    services.concern_triage(concern=concern, actor=personas.dsl, decision="no_further_action", rationale="Known.", now=NOW)
    with pytest.raises(ValidationError, match="already triaged"):
        services.concern_triage(concern=concern, actor=personas.dsl, decision="case_opened", rationale="x", now=NOW)


def test_the_other_sites_deputy_cannot_triage_a_north_concern(personas, north_pupil):
    concern = raise_concern(personas, north_pupil)
    with pytest.raises(PermissionDenied):
        services.concern_triage(concern=concern, actor=personas.deputy_dsl_south, decision="no_further_action",
                                rationale="Not mine.", now=NOW)
