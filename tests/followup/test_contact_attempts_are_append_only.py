"""Contact attempts are an append-only ledger (seed 000 §5, seed 004: "all attempts are
recorded"): never changed or deleted; a correction is a new attempt pointing at the old;
each is in the audit log's hash chain."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from safewell.audit.models import AuditEvent
from safewell.followup.models import APPEND_ONLY, ContactAttempt
from safewell.followup.services import contact_attempt_log
from tests.followup.followup_school import TUESDAY, london

NOW = london(TUESDAY, 10, 0)


@pytest.fixture
def attempt(school) -> ContactAttempt:
    return contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=school.dan, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.contact(school.dan), outcome="no_answer", attempted_at=NOW, now=NOW,
    )


def test_an_attempt_cannot_be_saved_again(attempt):
    attempt.outcome = "reached"
    with pytest.raises(ValidationError, match=APPEND_ONLY):
        attempt.save()
    assert ContactAttempt.objects.get().outcome == "no_answer"


def test_an_attempt_cannot_be_deleted_one_by_one_or_in_bulk(attempt):
    with pytest.raises(ValidationError, match=APPEND_ONLY):
        attempt.delete()
    with pytest.raises(ValidationError, match=APPEND_ONLY):
        ContactAttempt.objects.all().delete()
    with pytest.raises(ValidationError, match=APPEND_ONLY):
        ContactAttempt.objects.filter(pk=attempt.pk).update(outcome="reached")
    assert ContactAttempt.objects.count() == 1


def test_a_correction_is_a_new_attempt_that_points_at_the_old_one(school, attempt):
    correction = contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=school.dan, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.contact(school.dan), outcome="voicemail", attempted_at=NOW, now=NOW,
        notes="Logged as no answer by mistake: a voicemail was left.", corrects=attempt,
    )
    assert correction.corrects == attempt and list(attempt.corrections.all()) == [correction]
    assert ContactAttempt.objects.count() == 2


def test_each_attempt_is_in_the_audit_log(attempt):
    event = AuditEvent.objects.get(target_type="followup.contactattempt", target_id=str(attempt.pk))
    assert event.action == "create" and event.changes["outcome"] == [None, "no_answer"]
