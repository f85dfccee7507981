"""Every bad contact attempt is refused with a clear message on its field, and nothing is
written (issue 6: "An attempt logged against a pupil the user cannot see is refused")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from safewell.followup import services
from safewell.followup.models import CodeProposal, ContactAttempt
from safewell.pupils.services import professional_contact_add
from tests.followup.followup_school import TUESDAY, london
from tests.pupils.pupil_factory import make_pupil

NOW = london(TUESDAY, 10, 0)


def log(school, **changes):
    arguments = dict(
        actor=school.personas.attendance_officer, pupil=school.dan, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.dan.contacts.get(relationship="mother"), outcome="no_answer",
        attempted_at=NOW, now=NOW,
    )
    arguments.update(changes)
    return services.contact_attempt_log(**arguments)


# (what is wrong, the changes, the field, the message)
REFUSALS = [
    ("a contact who must not be contacted", lambda s: {"contact": s.dan.contacts.get(relationship="father")},
     "contact", "Dev Calltest must not be contacted: Court order"),
    ("another pupil's contact", lambda s: {"contact": s.contact(s.ada)},
     "contact", services.CONTACT_OF_ANOTHER_PUPIL.format(pupil="Dan Calltest")),
    ("no contact named", lambda s: {"contact": None}, "contact", services.REQUIRED),
    ("an unknown outcome", lambda s: {"outcome": "gone_fishing"}, "outcome", "“gone_fishing” is not one of the choices."),
    ("a home visit alone", lambda s: {"channel": "home_visit", "outcome": "no_answer"}, "accompanied_by",
     services.HOME_VISIT_NEEDS_SECOND),
    ("a home visit 'with' yourself", lambda s: {"channel": "home_visit", "accompanied_by": s.personas.attendance_officer},
     "accompanied_by", services.SECOND_IS_YOU),
    ("whereabouts from someone not reached", lambda s: {"whereabouts_known": True}, "whereabouts_known",
     services.WHEREABOUTS_NEED_CONTACT),
    ("the child 'seen' on a phone call", lambda s: {"outcome": "reached", "child_seen": True}, "child_seen",
     services.SEEN_NEEDS_VISIT),
    ("safe and well without seeing the child", lambda s: {"outcome": "reached", "child_safe_and_well": True},
     "child_safe_and_well", services.SAFE_AND_WELL_NEEDS_SEEN),
    ("a reason from no one", lambda s: {"reason_category": "illness"}, "reason_category", services.REASON_NEEDS_CONTACT),
    ("an attempt in the future", lambda s: {"attempted_at": NOW + dt.timedelta(hours=1)}, "attempted_at",
     "The attempt is dated 10 November 2026 11:00, later than now."),
    ("an absence in the future", lambda s: {"absence_date": TUESDAY + dt.timedelta(days=1)}, "absence_date",
     "The absence date 11 November 2026 is in the future."),
    ("a younger pupil phoned themselves", lambda s: {"contacted_kind": "pupil", "contact": None}, "contacted_kind",
     services.PUPIL_NOT_ADULT.format(pupil="Dan Calltest")),
    ("an agency with no name", lambda s: {"contacted_kind": "agency", "contact": None}, "contacted_name",
     services.NAME_THE_AGENCY),
]


@pytest.mark.parametrize(("what", "changes", "field", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_bad_attempt_is_refused_on_its_field_and_nothing_is_written(school, what, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        log(school, **changes(school))
    assert message in refused.value.message_dict[field]
    assert not ContactAttempt.objects.exists() and not CodeProposal.objects.exists()


def test_every_problem_is_reported_at_once(school):
    with pytest.raises(ValidationError) as refused:
        log(school, outcome="nope", channel="pigeon", attempted_at=NOW + dt.timedelta(hours=2))
    assert set(refused.value.message_dict) == {"outcome", "channel", "attempted_at"}


def test_the_family_of_an_adult_student_is_contacted_only_with_her_consent(school, settings):
    from safewell.demo.policy import demo_profile_install

    # seed 004: parents are told of absence only for under-18s (over_18_parent_notification: false).
    demo_profile_install(school.personas.organisation, "seed-004-special")
    mother = school.contact(school.eli)
    with pytest.raises(ValidationError) as refused:
        log(school, pupil=school.eli, contact=mother)
    assert services.OVER_18_NO_CONSENT.format(pupil="Eli Calltest") in refused.value.message_dict["contact"]
    services.parent_contact_consent_record(pupil=school.eli, consents=True, note="Said yes at review",
                                           actor=school.personas.attendance_officer, now=NOW)
    assert log(school, pupil=school.eli, contact=mother).contacted_name == "Erin Calltest"
    # The student herself may always be called.
    assert log(school, pupil=school.eli, contact=school.eli.contacts.get(relationship="self")).contacted_role == "The pupil (18 or over)"


def test_a_pupil_at_a_site_where_the_user_has_no_role_does_not_exist_for_them(school):
    south_pupil = make_pupil(school.personas.south)
    with pytest.raises(Http404):
        log(school, pupil=south_pupil, contact=None, contacted_kind="agency", contacted_name="Someone")
    assert not ContactAttempt.objects.exists()


@pytest.mark.parametrize("persona", ["teacher", "admin", "external"])
def test_staff_without_follow_up_duties_may_not_log_attempts(school, persona):
    with pytest.raises(PermissionDenied):
        log(school, actor=getattr(school.personas, persona))
    assert not ContactAttempt.objects.exists()


def test_an_agency_attempt_may_name_the_pupils_own_professional(school):
    worker = professional_contact_add(pupil=school.dan, role="youth_justice", name="Yasmin Worker",
                                      organisation="Suffolk YOT", starts_on=dt.date(2026, 9, 1), phone="07700 900150")
    attempt = log(school, contacted_kind="agency", contact=None, professional=worker, outcome="reached")
    assert (attempt.contacted_name, attempt.address) == ("Yasmin Worker", "+447700900150")
    with pytest.raises(ValidationError) as refused:
        log(school, pupil=school.bea, contact=None, contacted_kind="agency", professional=worker)
    assert services.PROFESSIONAL_OF_ANOTHER_PUPIL.format(pupil="Bea Calltest") in refused.value.message_dict["professional"]
