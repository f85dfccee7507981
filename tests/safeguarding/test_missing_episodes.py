"""Missing from home or care: when and where last seen, the police's reference and risk
grade (recorded, never assigned), the return, the 72-hour return home interview clock, and
episodes counted in rolling windows (statutory.md §7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.safeguarding import selectors, services
from safewell.safeguarding.models import CaseKind, MissingEpisode, ReturnHomeInterview
from tests.safeguarding.casework_factory import NOW, london, missing_case

SATURDAY_EVENING = london(dt.date(2026, 10, 31), 19)


def sighting(**changes) -> services.Sighting:
    fields = dict(missing_from="care_placement", last_seen_at=SATURDAY_EVENING, last_seen_place="Outside the chip shop",
                  clothing="Grey hoodie, black trainers")
    return services.Sighting(**{**fields, **changes})


def test_an_episode_opens_a_missing_case_and_records_the_polices_own_grade(personas, north_pupil):
    episode = services.missing_episode_record(
        pupil=north_pupil, actor=personas.dsl, now=NOW, sighting=sighting(),
        police=services.PoliceReport(reported_at=SATURDAY_EVENING + dt.timedelta(hours=2), reference="CC-26-1031-77",
                                     risk_grade="medium"))
    assert episode.case.kind == CaseKind.MISSING_FROM_HOME_OR_CARE and episode.case.owner == personas.dsl
    assert (episode.police_reference, episode.police_risk_grade) == ("CC-26-1031-77", "medium")


def test_no_risk_grade_is_assigned_when_the_police_have_not_given_one(personas, north_pupil):
    episode = services.missing_episode_record(pupil=north_pupil, actor=personas.dsl, now=NOW, sighting=sighting())
    assert episode.police_risk_grade == ""


def test_a_missing_episode_that_ends_before_it_starts_is_refused(personas, north_pupil):
    back = services.Return(SATURDAY_EVENING - dt.timedelta(hours=1), "returned")
    with pytest.raises(ValidationError) as refused:
        services.missing_episode_record(pupil=north_pupil, actor=personas.dsl, now=NOW, sighting=sighting(), back=back)
    assert refused.value.message_dict["returned_at"] == [services.EPISODE_ENDS_BEFORE_IT_STARTS.format(
        returned=back.returned_at, last_seen=SATURDAY_EVENING)]
    assert "31 October 2026 18:00" in refused.value.message_dict["returned_at"][0]
    assert not MissingEpisode.objects.exists() and not north_pupil.safeguarding_cases.exists()


def test_a_return_recorded_later_that_ends_before_the_episode_started_is_refused(personas, north_pupil):
    episode = missing_case(personas, north_pupil)
    with pytest.raises(ValidationError) as refused:
        services.missing_episode_return(episode=episode, actor=personas.dsl, now=NOW,
                                        back=services.Return(SATURDAY_EVENING, "found_by_police"))
    assert "before they were last seen" in refused.value.message_dict["returned_at"][0]
    episode.refresh_from_db()
    assert episode.returned_at is None


@pytest.mark.parametrize(("changes", "field"), [
    ({"last_seen_place": ""}, "last_seen_place"),
    ({"clothing": " "}, "clothing"),
    ({"last_seen_at": NOW + dt.timedelta(hours=1)}, "last_seen_at"),
    ({"missing_from": "the moon"}, "missing_from"),
])
def test_part_two_of_the_philomena_protocol_is_required(personas, north_pupil, changes, field):
    with pytest.raises(ValidationError) as refused:
        services.missing_episode_record(pupil=north_pupil, actor=personas.dsl, now=NOW, sighting=sighting(**changes))
    assert field in refused.value.message_dict


def test_the_police_cannot_have_been_told_before_the_child_was_last_seen(personas, north_pupil):
    with pytest.raises(ValidationError) as refused:
        services.missing_episode_record(pupil=north_pupil, actor=personas.dsl, now=NOW, sighting=sighting(),
                                        police=services.PoliceReport(reported_at=SATURDAY_EVENING - dt.timedelta(hours=1)))
    assert refused.value.message_dict == {"reported_to_police_at": [services.REPORTED_BEFORE_LAST_SEEN]}


def interview(status="offered", offered_at=None, **changes) -> services.Interview:
    return services.Interview(status=status, offered_at=offered_at or NOW, offered_by="Kim Example, Missing Service",
                              **changes)


def test_a_return_home_interview_dated_before_the_return_is_refused(personas, north_pupil):
    returned = london(dt.date(2026, 11, 1), 23)
    episode = missing_case(personas, north_pupil, returned_at=returned)
    with pytest.raises(ValidationError) as refused:
        services.return_home_interview_record(episode=episode, actor=personas.dsl, now=NOW,
                                              interview=interview(offered_at=returned - dt.timedelta(minutes=30)))
    assert refused.value.message_dict == {"offered_at": [services.RHI_BEFORE_RETURN.format(returned=returned)]}
    assert not ReturnHomeInterview.objects.exists()


def test_no_return_home_interview_before_the_child_is_back(personas, north_pupil):
    episode = missing_case(personas, north_pupil)
    with pytest.raises(ValidationError) as refused:
        services.return_home_interview_record(episode=episode, actor=personas.dsl, now=NOW, interview=interview())
    assert refused.value.message_dict == {"offered_at": [services.RHI_CHILD_NOT_BACK]}


def test_a_completed_interview_says_when_and_by_whom(personas, north_pupil):
    episode = missing_case(personas, north_pupil, returned_at=london(dt.date(2026, 11, 1), 23))
    with pytest.raises(ValidationError) as refused:
        services.return_home_interview_record(episode=episode, actor=personas.dsl, now=NOW,
                                              interview=interview(status="completed"))
    assert refused.value.message_dict == {"completed_at": [services.REQUIRED], "conducted_by": [services.RHI_NEEDS_CONDUCTOR]}


RETURNED = london(dt.date(2026, 11, 2), 10)  # Monday 10:00, GMT


# statutory.md §7.2 [S]: offered within 72 hours of the return; the child may decline.
@pytest.mark.parametrize(("now", "interview_fields", "status", "due"), [
    (london(dt.date(2026, 11, 2), 11), None, "running", london(dt.date(2026, 11, 5), 10)),
    (london(dt.date(2026, 11, 5), 9, 59), {"status": "accepted"}, "running", london(dt.date(2026, 11, 5), 10)),
    (london(dt.date(2026, 11, 5), 10, 1), None, "overdue", london(dt.date(2026, 11, 5), 10)),
    (london(dt.date(2026, 11, 6), 9), {"status": "completed", "completed_at": london(dt.date(2026, 11, 5), 9, 59)},
     "done_in_time", london(dt.date(2026, 11, 5), 10)),
    (london(dt.date(2026, 11, 6), 9), {"status": "completed", "completed_at": london(dt.date(2026, 11, 5), 10, 30)},
     "done_late", london(dt.date(2026, 11, 5), 10)),
    (london(dt.date(2026, 11, 6), 9), {"status": "declined"}, "declined", london(dt.date(2026, 11, 5), 10)),
])
def test_the_return_home_interview_clock_runs_72_hours_from_the_return(personas, north_pupil, now, interview_fields,
                                                                       status, due):
    episode = missing_case(personas, north_pupil, returned_at=RETURNED, now=now)
    if interview_fields:
        services.return_home_interview_record(episode=episode, actor=personas.dsl, now=now, interview=services.Interview(
            offered_at=RETURNED + dt.timedelta(hours=2), offered_by="Missing Service",
            conducted_by="Kim Example, Missing Service", **interview_fields))
        episode = MissingEpisode.objects.get(pk=episode.pk)
    clock = selectors.interview_clock(episode, now=now)
    assert (clock.status, clock.due_by) == (status, due)


def test_the_clock_counts_elapsed_hours_across_the_autumn_clock_change(personas, north_pupil):
    # Clocks go back at 02:00 BST on Sunday 25 October 2026: 72 elapsed hours after Saturday
    # noon BST is Tuesday 11:00 GMT, not noon.
    saturday_noon = london(dt.date(2026, 10, 24), 12)
    sighting_before = services.Sighting(missing_from="home", last_seen_at=saturday_noon - dt.timedelta(hours=3),
                                        last_seen_place="Home", clothing="School uniform")
    episode = services.missing_episode_record(pupil=north_pupil, actor=personas.dsl, now=NOW, sighting=sighting_before,
                                              back=services.Return(saturday_noon, "returned"))
    clock = selectors.interview_clock(episode, now=NOW)
    assert clock.due_by == london(dt.date(2026, 10, 27), 11)


def test_episodes_are_counted_in_rolling_windows(personas, north_pupil):
    case = missing_case(personas, north_pupil, returned_at=SATURDAY_EVENING + dt.timedelta(hours=5)).case
    for days_ago in (20, 60, 200, 400):
        seen = SATURDAY_EVENING - dt.timedelta(days=days_ago)
        services.missing_episode_record(pupil=north_pupil, actor=personas.dsl, now=NOW, case=case,
                                        sighting=sighting(last_seen_at=seen),
                                        back=services.Return(seen + dt.timedelta(hours=4), "returned"))
    counts = selectors.episode_counts(north_pupil, today=dt.date(2026, 11, 2))
    assert counts == {"30 days": 2, "90 days": 3, "365 days": 4, "ever": 5}
