"""Two people on one register: a later save is told exactly which marks conflict, and
nothing is silently overwritten (registers.py: what counts as a conflict)."""

from __future__ import annotations

import pytest

from safewell.attendance.models import Mark
from safewell.attendance.registers import MarkInput, SubmissionConflict
from tests.registers.register_school import london, submit, DAY


def codes_now(school) -> dict[str, str]:
    names = {school.ada.pk: "ada", school.bea.pk: "bea", school.cal.pk: "cal"}
    return {names[p]: c for p, c in Mark.objects.values_list("pupil_id", "code")}


@pytest.fixture
def taken(school):
    """7A taken at 08:50 by the teacher (version 1); then the attendance officer marks Ada N
    at 08:55 (version 2). A second teacher's page still shows version 1."""
    submit(school, [(school.ada, "/"), (school.bea, "/"), (school.cal, "/")])
    submit(school, [(school.ada, "N")], base=1, actor=school.personas.attendance_officer, now=london(DAY, 8, 55))
    return school


def test_a_stale_save_is_told_exactly_which_marks_conflict(taken):
    school = taken
    with pytest.raises(SubmissionConflict) as caught:
        submit(school, [(school.ada, "L"), (school.bea, "I")], base=1, now=london(DAY, 9, 0))

    assert caught.value.version == 2
    assert caught.value.conflicts == [{
        "pupil": school.ada.pk, "yours": "L", "yours_minutes_late": None, "theirs": "N", "theirs_minutes_late": None,
        "by": "attendance", "at": "2026-09-10T07:55:00+00:00", "version": 2,
    }]
    # Nothing applied: Bea's I (no conflict on its own) waits for the resend too.
    assert codes_now(school) == {"ada": "N", "bea": "/", "cal": "/"}


def test_marks_changed_only_by_the_other_person_are_kept_and_are_no_conflict(taken):
    school = taken
    result = submit(school, [(school.bea, "I")], base=1, now=london(DAY, 9, 0))

    assert (result.version, result.applied) == (3, 1)
    assert codes_now(school) == {"ada": "N", "bea": "I", "cal": "/"}


def test_sending_the_value_the_server_already_has_is_no_conflict(taken):
    school = taken
    result = submit(school, [(school.ada, "N"), (school.cal, "M")], base=1, now=london(DAY, 9, 0))

    assert (result.version, result.applied) == (3, 1)
    assert codes_now(school) == {"ada": "N", "bea": "/", "cal": "M"}


def test_a_different_number_of_minutes_late_is_a_conflict(school):
    submit(school, [MarkInput(school.ada.pk, "L", minutes_late=5)])
    submit(school, [MarkInput(school.ada.pk, "L", minutes_late=12)], base=1, actor=school.personas.attendance_officer)

    with pytest.raises(SubmissionConflict) as caught:
        submit(school, [MarkInput(school.ada.pk, "L", minutes_late=5)], base=1)
    assert [(c["pupil"], c["theirs_minutes_late"], c["yours_minutes_late"]) for c in caught.value.conflicts] == [
        (school.ada.pk, 12, 5)
    ]


def test_after_reloading_the_same_save_goes_through(taken):
    school = taken
    with pytest.raises(SubmissionConflict) as caught:
        submit(school, [(school.ada, "L")], base=1)

    result = submit(school, [(school.ada, "L")], base=caught.value.version)
    assert (result.version, codes_now(school)["ada"]) == (3, "L")


def test_a_save_from_the_current_version_never_conflicts(taken):
    school = taken
    result = submit(school, [(school.ada, "/"), (school.bea, "/"), (school.cal, "N")], base=2)

    assert result.version == 3
    assert codes_now(school) == {"ada": "/", "bea": "/", "cal": "N"}
