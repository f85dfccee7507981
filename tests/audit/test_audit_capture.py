"""Every create, update and delete of a domain record writes one audit event, secrets redacted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction

from safewell.accounts.models import ApiToken, User
from safewell.audit.changes import REDACTED
from safewell.audit.models import AuditEvent
from safewell.audit.selectors import audit_chain_verify
from safewell.audit.services import audit_bulk, audit_log
from safewell.core.request_context import acting_as
from safewell.schools.models import Organisation, OrganisationKind, Site

pytestmark = pytest.mark.django_db


def make_organisation(name: str = "Fernhill School") -> Organisation:
    return Organisation.objects.create(
        name=name, kind=OrganisationKind.SCHOOL, local_authority_code="935", local_authority_name="Suffolk"
    )


def events_for(record) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type=record._meta.label_lower, target_id=str(record.pk)))


def test_creating_a_domain_record_writes_one_create_event_with_its_values_and_actor(personas):
    with acting_as(personas.admin.pk, ip_address="192.0.2.10") as context:
        organisation = make_organisation()

    [event] = events_for(organisation)
    assert event.action == "create"
    assert event.target_type == "schools.organisation"
    assert event.actor == personas.admin
    assert event.actor_username == "admin"
    assert event.ip_address == "192.0.2.10"
    assert event.request_id == context.request_id
    assert event.changes["name"] == [None, "Fernhill School"]
    assert event.changes["local_authority_code"] == [None, "935"]


def test_updating_writes_one_event_with_only_the_changed_fields_old_and_new(personas):
    organisation = make_organisation()
    with acting_as(personas.dsl.pk):
        organisation.name = "Fernhill Academy"
        organisation.local_authority_name = "Norfolk"
        organisation.save()

    [update] = [event for event in events_for(organisation) if event.action == "update"]
    assert update.changes == {
        "name": ["Fernhill School", "Fernhill Academy"],
        "local_authority_name": ["Suffolk", "Norfolk"],
    }
    assert update.actor == personas.dsl


def test_a_save_that_changes_nothing_writes_no_event(db):
    organisation = make_organisation()
    organisation.save()
    Organisation.objects.get(pk=organisation.pk).save()

    assert [event.action for event in events_for(organisation)] == ["create"]


def test_a_save_naming_its_fields_records_only_those_fields(db):
    organisation = make_organisation()
    organisation.name = "Fernhill Academy"
    organisation.local_authority_name = "Not saved"
    organisation.save(update_fields=["name"])

    [update] = [event for event in events_for(organisation) if event.action == "update"]
    assert update.changes == {"name": ["Fernhill School", "Fernhill Academy"]}


def test_a_foreign_key_change_is_recorded_by_the_related_ids(personas):
    other = make_organisation("Oakfield Trust")
    site = personas.north
    site.organisation = other
    site.save()

    [update] = [event for event in events_for(site) if event.action == "update"]
    assert update.changes == {"organisation": [personas.organisation.pk, other.pk]}


def test_deleting_writes_one_delete_event_with_the_last_values(personas):
    organisation = make_organisation()
    pk = organisation.pk
    with acting_as(personas.admin.pk):
        organisation.delete()

    [delete] = AuditEvent.objects.filter(target_type="schools.organisation", target_id=str(pk), action="delete")
    assert delete.changes["name"] == ["Fernhill School", None]
    assert delete.actor == personas.admin


def test_a_cascade_delete_records_each_deleted_record(personas):
    site_pk = personas.south.pk
    membership_pk = personas.deputy_dsl_south.memberships.get().pk
    personas.south.delete()

    deleted = set(AuditEvent.objects.filter(action="delete").values_list("target_type", "target_id"))
    assert ("schools.site", str(site_pk)) in deleted
    assert ("accounts.membership", str(membership_pk)) in deleted


def test_the_system_is_the_actor_outside_any_request_or_acting_as(db):
    organisation = make_organisation()

    [event] = events_for(organisation)
    assert event.actor is None
    assert event.actor_username == ""


def test_a_new_password_is_recorded_as_changed_but_its_hash_is_never_stored(db):
    user = User.objects.create_user(username="casey", email="casey@example.org", password="first-password-123")
    user.set_password("second-password-456")
    user.save()

    create, update = events_for(user)
    assert create.changes["password"] == [None, REDACTED]
    assert update.changes == {"password": [REDACTED, REDACTED]}
    stored = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert "pbkdf2" not in stored and "argon2" not in stored and user.password not in stored


def test_a_token_hash_is_redacted(personas):
    token = ApiToken.objects.create(user=personas.admin, name="MIS sync", prefix="sw_abcd", token_hash="f" * 64)

    [create] = events_for(token)
    assert create.changes["token_hash"] == [None, REDACTED]
    assert create.changes["prefix"] == [None, "sw_abcd"]


def test_fields_a_model_lists_in_audit_redact_are_redacted(db, monkeypatch):
    monkeypatch.setattr(Organisation, "audit_redact", {"local_authority_code"}, raising=False)
    organisation = make_organisation()
    organisation.local_authority_code = "926"
    organisation.save()

    create, update = events_for(organisation)
    assert create.changes["local_authority_code"] == [None, REDACTED]
    assert update.changes == {"local_authority_code": [REDACTED, REDACTED]}


def test_the_event_is_rolled_back_with_the_change_it_records(db):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_organisation()
        raise RuntimeError("the service failed after writing")

    assert not Organisation.objects.exists()
    assert AuditEvent.objects.count() == before


def test_sessions_and_the_audit_log_itself_are_not_captured(db):
    session = SessionStore()
    session["x"] = 1
    session.save()
    audit_log(action="login_failed", target_type="accounts.user", detail="unknown username")

    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["login_failed"]


def test_a_bulk_write_is_audited_with_audit_bulk_one_event_per_record(personas):
    with acting_as(personas.admin.pk), transaction.atomic():
        sites = Site.objects.bulk_create(
            [Site(organisation=personas.organisation, name=f"Annexe {n}", code=f"annexe{n}") for n in range(3)]
        )
        audit_bulk(action="create", targets=sites, detail="imported")

    events = AuditEvent.objects.filter(target_type="schools.site", detail="imported")
    assert sorted(events.values_list("target_id", flat=True)) == sorted(str(site.pk) for site in sites)
    assert all(event.changes["code"][0] is None and event.actor == personas.admin for event in events)
    assert audit_chain_verify().ok


def test_audit_bulk_takes_explicit_changes_for_a_queryset_update(personas):
    sites = [personas.north, personas.south]
    Site.objects.filter(pk__in=[site.pk for site in sites]).update(name="Renamed")
    audit_bulk(
        action="update",
        targets=sites,
        changes=[{"name": [site.name, "Renamed"]} for site in sites],
    )

    [north] = AuditEvent.objects.filter(target_type="schools.site", target_id=str(personas.north.pk), action="update")
    assert north.changes == {"name": ["North site", "Renamed"]}


def test_audit_log_accepts_a_type_and_id_without_an_instance(db):
    event = audit_log(action="login_failed", target_type="accounts.user", target_id="42", detail="wrong password")

    event.refresh_from_db()
    assert (event.action, event.target_type, event.target_id, event.detail) == (
        "login_failed", "accounts.user", "42", "wrong password"
    )


def test_a_record_with_a_composite_key_is_identified_by_its_parts(personas):
    from safewell.attendance.models import Mark
    from tests.pupils.pupil_factory import make_pupil

    pupil = make_pupil(personas.north)
    Mark.objects.create(pupil=pupil, date=dt.date(2026, 11, 2), session="AM", code="/")

    [created] = AuditEvent.objects.filter(target_type="attendance.mark", action="create")
    assert created.target_id == f"{pupil.pk}/2026-11-02/AM"
    assert created.changes["code"] == [None, "/"]
