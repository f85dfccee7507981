"""A referral records its date, reference, lawful basis or consent, and outcome; it cannot
be sent without a lawful basis, or without the DSL's recorded override."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from safewell.safeguarding import services
from safewell.safeguarding.models import ChronologyEntry, Referral, ReferralStatus
from tests.conftest import make_user
from tests.safeguarding.casework_factory import NOW, TODAY, case_of


def refer(personas, case, *, actor=None, sending=None, kind="child_in_need"):
    return services.referral_record(case=case, actor=actor or personas.dsl, now=NOW, kind=kind,
                                    agency="Testshire MASH", reason="Neglect concerns and 8 days' absence.",
                                    sending=sending)


def test_a_referral_sent_without_a_lawful_basis_is_refused_and_nothing_is_written(personas, north_pupil):
    case = case_of(personas, north_pupil)
    entries = ChronologyEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        refer(personas, case, sending=services.Sending(sent_on=TODAY))
    assert refused.value.message_dict == {"lawful_basis": [services.NEEDS_LAWFUL_BASIS]}
    assert not Referral.objects.exists() and ChronologyEntry.objects.count() == entries


def test_consent_must_say_whose(personas, north_pupil):
    case = case_of(personas, north_pupil)
    with pytest.raises(ValidationError) as refused:
        refer(personas, case, sending=services.Sending(sent_on=TODAY, lawful_basis="consent"))
    assert refused.value.message_dict == {"consent_details": [services.CONSENT_NEEDS_DETAILS]}


def test_only_the_dsl_may_override_and_the_override_is_recorded(personas, north_pupil):
    deputy = make_user("deputy_north", personas.north, "deputy_dsl")
    case = case_of(personas, north_pupil)
    override = services.Sending(sent_on=TODAY, override_reason="Risk to life tonight; consent would alert the abuser.")
    with pytest.raises(ValidationError) as refused:
        refer(personas, case, actor=deputy, sending=override)
    assert refused.value.message_dict == {"override_reason": [services.OVERRIDE_NEEDS_THE_DSL]}

    referral = refer(personas, case, sending=override)
    assert referral.status == ReferralStatus.SENT and referral.lawful_basis == ""
    assert referral.override_by == personas.dsl and "Risk to life" in referral.override_reason


def test_a_prepared_referral_is_sent_acknowledged_and_given_its_outcome(personas, north_pupil):
    case = case_of(personas, north_pupil)
    referral = refer(personas, case)
    assert referral.status == ReferralStatus.DRAFT

    services.referral_send(referral=referral, actor=personas.dsl, now=NOW, sending=services.Sending(
        sent_on=TODAY, lawful_basis="public_task", reference="MASH-2026-1142"))
    with pytest.raises(ValidationError) as refused:
        services.referral_acknowledge(referral=referral, actor=personas.dsl, now=NOW,
                                      acknowledged_on=TODAY - dt.timedelta(days=1))
    assert refused.value.message_dict == {"acknowledged_on": [services.BEFORE_SENT.format(sent=TODAY)]}
    services.referral_acknowledge(referral=referral, actor=personas.dsl, now=NOW, acknowledged_on=TODAY)
    services.referral_outcome_record(referral=referral, actor=personas.dsl, now=NOW, outcome="accepted",
                                     outcome_on=TODAY, notes="Allocated to a social worker.")

    referral.refresh_from_db()
    assert (referral.sent_on, referral.reference, referral.acknowledged_on, referral.outcome) == (
        TODAY, "MASH-2026-1142", TODAY, "accepted")
    titles = list(case.entries.filter(kind="referral").values_list("title", flat=True))
    assert titles[-3:] == ["Referral sent: Child in need (s17 Children Act 1989) (Testshire MASH)",
                           "Referral acknowledged by Testshire MASH",
                           "Referral outcome (Testshire MASH): Accepted: the agency is acting"]


def test_a_sent_referral_is_not_sent_twice(personas, north_pupil):
    referral = refer(personas, case_of(personas, north_pupil),
                     sending=services.Sending(sent_on=TODAY, lawful_basis="public_task"))
    with pytest.raises(ValidationError, match="was sent on"):
        services.referral_send(referral=referral, actor=personas.dsl, now=NOW,
                               sending=services.Sending(sent_on=TODAY, lawful_basis="public_task"))


def test_the_cme_notification_is_made_with_its_case_not_as_a_loose_referral(personas, north_pupil):
    with pytest.raises(ValidationError) as refused:
        refer(personas, case_of(personas, north_pupil), kind="cme_notification")
    assert refused.value.message_dict == {"kind": [services.CME_NOTIFICATION_COMES_WITH_THE_CASE]}


def test_the_form_shows_the_refusal_against_the_lawful_basis(client, personas, north_pupil):
    case = case_of(personas, north_pupil)
    client.force_login(personas.dsl)
    response = client.post(f"/safeguarding/cases/{case.pk}/referrals/new/", {
        "kind": "early_help", "agency": "Early Help hub", "reason": "Family asked for support.",
        "already_sent": "on", "sent_on": "2026-11-02",
    })
    assert response.status_code == 400
    assert services.NEEDS_LAWFUL_BASIS in response.content.decode()
    assert not Referral.objects.exists()
