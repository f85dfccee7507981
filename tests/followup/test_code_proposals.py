"""A reason becomes a code proposal; only an attendance officer's acceptance changes the mark,
through the register amendment path, with the old value, who, when and why (issue 6 §2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from safewell.attendance.models import Mark, MarkAmendment
from safewell.audit.models import AuditEvent
from safewell.followup import reasons, services
from safewell.followup.models import CodeProposal
from tests.followup.followup_school import TUESDAY, london

NOW = london(TUESDAY, 10, 0)

# The code each reason proposes, read from statutory.md §1 (not from our table): I illness,
# M medical or dental appointment, R religious observance, G holiday not granted, Y1 transport
# normally provided not available; leave for exceptional circumstances (C) is granted only by
# an authorised person (reg 11(1) [C]), so "family circumstances" proposes nothing.
STATUTORY_CODES = [
    ("illness", "I"), ("medical_appointment", "M"), ("religious_observance", "R"), ("holiday", "G"),
    ("transport", "Y1"), ("family_circumstances", None), ("refusing_school", None), ("other", None),
    ("none_given", None),
]


@pytest.mark.parametrize(("reason", "code"), STATUTORY_CODES)
def test_each_reason_proposes_the_code_the_regulations_give_it(reason, code):
    proposed = reasons.proposed_code(reason)
    assert (proposed.code if proposed else None) == code


def reached(school, pupil, reason: str, *, at=NOW):
    return services.contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=pupil, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.contact(pupil), outcome="reached", attempted_at=at, now=at,
        whereabouts_known=True, reason_category=reason, reason_text="Sick overnight",
    )


def test_a_reason_changes_no_mark_until_it_is_accepted(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    reached(school, school.dan, "illness")
    assert Mark.objects.get(pupil=school.dan, date=TUESDAY, session="AM").code == "N"
    assert CodeProposal.objects.get(pupil=school.dan).status == "pending"


def test_accepting_writes_the_code_to_the_closed_sessions_with_an_amendment_and_an_audit_event(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    school.take_register(TUESDAY, "PM", {school.dan: "N"})
    proposal = reached(school, school.dan, "illness").code_proposals.get()
    accepted = services.code_proposal_accept(proposal=proposal, actor=school.personas.attendance_officer,
                                             now=london(TUESDAY, 14, 0))
    assert accepted.status == "accepted" and accepted.sessions_changed == ["AM", "PM"]
    assert set(Mark.objects.filter(pupil=school.dan, date=TUESDAY).values_list("code", flat=True)) == {"I"}
    assert MarkAmendment.objects.filter(pupil=school.dan, old_code="N", new_code="I").count() == 2
    events = AuditEvent.objects.filter(detail__contains=f"code proposal {proposal.pk} accepted")
    assert sorted(v for e in events for v in e.changes.values() if v[1] == "I") == [["N", "I"], ["N", "I"]]


def test_only_sessions_whose_register_has_closed_are_changed(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    proposal = reached(school, school.dan, "illness").code_proposals.get()
    accepted = services.code_proposal_accept(proposal=proposal, actor=school.personas.attendance_officer,
                                             now=london(TUESDAY, 11, 0))
    assert accepted.sessions_changed == ["AM"]
    assert not Mark.objects.filter(pupil=school.dan, date=TUESDAY, session="PM").exists()


def test_a_present_mark_is_never_overwritten(school):
    school.take_register(TUESDAY, "AM", {school.dan: "L"})
    proposal = reached(school, school.dan, "illness").code_proposals.get()
    with pytest.raises(ValidationError, match="already marked"):
        services.code_proposal_accept(proposal=proposal, actor=school.personas.attendance_officer, now=NOW)
    assert Mark.objects.get(pupil=school.dan, date=TUESDAY, session="AM").code == "L"


def test_a_proposal_is_accepted_once(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    proposal = reached(school, school.dan, "illness").code_proposals.get()
    services.code_proposal_accept(proposal=proposal, actor=school.personas.attendance_officer, now=NOW)
    with pytest.raises(ValidationError, match="already accepted"):
        services.code_proposal_accept(proposal=proposal, actor=school.personas.dsl, now=NOW)


def test_not_accepting_needs_a_reason_and_leaves_the_mark(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    proposal = reached(school, school.dan, "holiday").code_proposals.get()
    with pytest.raises(ValidationError) as refused:
        services.code_proposal_reject(proposal=proposal, actor=school.personas.attendance_officer, note=" ", now=NOW)
    assert services.NOTE_REQUIRED in refused.value.message_dict["note"]
    services.code_proposal_reject(proposal=proposal, actor=school.personas.attendance_officer,
                                  note="The holiday was agreed: leave C recorded separately", now=NOW)
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    assert Mark.objects.get(pupil=school.dan, date=TUESDAY, session="AM").code == "N"


def test_a_newer_reason_replaces_the_proposal_waiting(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    first = reached(school, school.dan, "holiday").code_proposals.get()
    second = reached(school, school.dan, "medical_appointment", at=london(TUESDAY, 10, 5)).code_proposals.get()
    first.refresh_from_db()
    assert (first.status, second.status, second.code) == ("superseded", "pending", "M")


def test_a_pastoral_member_of_staff_logs_calls_but_does_not_accept_codes(school):
    from django.core.exceptions import PermissionDenied

    from tests.conftest import make_user

    pastoral = make_user("pastoral", school.north, "pastoral")
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    proposal = services.contact_attempt_log(
        actor=pastoral, pupil=school.dan, absence_date=TUESDAY, channel="phone", contacted_kind="contact",
        contact=school.contact(school.dan), outcome="reached", attempted_at=NOW, now=NOW, whereabouts_known=True,
        reason_category="illness",
    ).code_proposals.get()
    with pytest.raises(PermissionDenied):
        services.code_proposal_accept(proposal=proposal, actor=pastoral, now=NOW)
