"""Telling the others the same day (issue 6 §4): the social worker, the virtual school, the
placing school; through the outbox with their status, each one on the pupil's record."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from safewell.followup import agency, messages
from safewell.followup.models import ContactAttempt, OutboundMessage
from safewell.pupils.models import Enrolment
from safewell.pupils.services import professional_contact_add
from safewell.schools.models import PlacingSchool
from tests.followup.followup_school import TUESDAY, london

NOW = london(TUESDAY, 9, 20)


def test_the_social_worker_of_an_absent_child_is_emailed_once_and_it_is_on_her_record(school):
    school.take_register(TUESDAY, "AM", {school.ada: "N", school.dan: "N"})
    assert agency.agency_notices_send(site=school.north, day=TUESDAY, now=NOW) == 1
    assert agency.agency_notices_send(site=school.north, day=TUESDAY, now=NOW + dt.timedelta(minutes=10)) == 0
    notice = OutboundMessage.objects.get()
    assert (notice.pupil, notice.address, notice.purpose) == (school.ada, "sam.worker@example.org", "agency_notice")
    assert "Ada Calltest (date of birth 9 March 2014) is absent from Testbridge Academy" in notice.body
    assert "allocated social worker" in notice.body and "child protection" not in notice.body.lower()
    attempt = ContactAttempt.objects.get(message=notice)
    assert (attempt.contacted_kind, attempt.contacted_name, attempt.recorded_by) == ("agency", "Sam Worker", None)
    messages.messages_deliver_due(now=NOW)
    assert mail.outbox[0].to == ["sam.worker@example.org"]
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_the_virtual_school_and_the_placing_school_are_told_too(school):
    professional_contact_add(pupil=school.dan, role="virtual_school", name="Vic Head", organisation="Suffolk Virtual School",
                             starts_on=dt.date(2026, 9, 1), email="virtual.school@example.org")
    placing = PlacingSchool.objects.create(organisation=school.personas.organisation, name="Larkfield High", kind="school",
                                           attendance_contact_name="Pat Lead", attendance_contact_email="pat@example.org")
    Enrolment.objects.filter(pupil=school.dan).update(placing_school=placing)
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    agency.agency_notices_send(site=school.north, day=TUESDAY, now=NOW)
    assert sorted(OutboundMessage.objects.values_list("address", flat=True)) == ["pat@example.org", "virtual.school@example.org"]


def test_a_professional_with_no_email_is_not_sent_one(school):
    professional_contact_add(pupil=school.dan, role="youth_justice", name="Yan Worker", organisation="Suffolk YOT",
                             starts_on=dt.date(2026, 9, 1), phone="07700 900160")
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    assert agency.agency_notices_send(site=school.north, day=TUESDAY, now=NOW) == 0


def test_no_notice_once_the_family_has_been_reached(school):
    from safewell.followup.services import contact_attempt_log

    school.take_register(TUESDAY, "AM", {school.ada: "N"})
    contact_attempt_log(actor=school.personas.attendance_officer, pupil=school.ada, absence_date=TUESDAY, channel="phone",
                        contacted_kind="contact", contact=school.contact(school.ada), outcome="reached", attempted_at=NOW,
                        now=NOW, whereabouts_known=True, reason_category="illness")
    assert agency.agency_notices_send(site=school.north, day=TUESDAY, now=NOW) == 0


def test_the_job_sends_the_days_notices_at_every_site(school):
    school.take_register(TUESDAY, "AM", {school.ada: "N"})
    assert agency.agency_notices_send_due(now=NOW) == 1
