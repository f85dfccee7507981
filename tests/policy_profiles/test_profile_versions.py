"""Profiles are versioned per organisation: installing adds a version (never edits one),
activating moves which one is in force, and `profile_for` reads the one in force."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safewell.core.request_context import acting_as
from safewell.policy.models import PolicyProfile
from safewell.policy.profile_selectors import profile_for, profile_history
from safewell.policy.profile_services import policy_profile_activate, policy_profile_install
from safewell.policy.profiles import SHIPPED_PROFILES_DIR, ProfileInvalid, shipped_profile, shipped_profile_text
from safewell.schools.models import Organisation, OrganisationKind
from tests.policy_profiles.profile_texts import MINIMAL, line_of, with_rules

pytestmark = pytest.mark.django_db


def install(personas, text: str = MINIMAL, **options) -> PolicyProfile:
    return policy_profile_install(organisation=personas.organisation, yaml_text=text, actor=personas.admin, **options)


def test_an_organisation_without_a_profile_runs_the_statutory_one(personas):
    assert profile_for(personas.organisation) == shipped_profile("statutory")


def test_installing_stores_version_1_in_force_with_its_text_and_author(personas):
    row = install(personas)
    row.refresh_from_db()
    assert (row.version, row.name, row.is_active, row.created_by) == (1, "test-profile", True, personas.admin)
    assert row.yaml_text == MINIMAL
    assert row.next_review_on.isoformat() == "2027-09-01"
    assert row.parsed["rules"]["cme_ten_days"]["school_days"] == 10  # the defaults are stored filled in


def test_a_second_install_adds_version_2_and_leaves_version_1_as_it_was(personas):
    first = install(personas)
    stricter = MINIMAL.replace("name: test-profile", "name: stricter") + "  cme_ten_days:\n    school_days: 8\n"
    second = install(personas, stricter)
    first_before = (first.yaml_text, first.parsed, first.created_at)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.version == 2 and second.is_active
    assert not first.is_active
    assert (first.yaml_text, first.parsed, first.created_at) == first_before
    assert profile_for(personas.organisation).rules["cme_ten_days"].school_days == 8


def test_versions_are_numbered_per_organisation(personas):
    other = Organisation.objects.create(name="Otherfield AP", kind=OrganisationKind.ALTERNATIVE_PROVISION)
    install(personas)
    row = policy_profile_install(organisation=other, yaml_text=shipped_profile_text("seed-000-ap"), actor=None)
    assert row.version == 1
    assert profile_for(other).name == "seed-000-ap"
    assert profile_for(personas.organisation).name == "test-profile"


def test_installing_without_activating_keeps_the_profile_in_force(personas):
    install(personas)
    later = install(personas, MINIMAL.replace("name: test-profile", "name: later"), activate=False)
    assert not later.is_active
    assert profile_for(personas.organisation).name == "test-profile"


def test_an_older_version_can_be_put_back_in_force(personas):
    first = install(personas)
    install(personas, MINIMAL.replace("name: test-profile", "name: later"))
    policy_profile_activate(profile=first, actor=personas.admin)
    assert PolicyProfile.objects.get(is_active=True).pk == first.pk
    assert profile_for(personas.organisation).name == "test-profile"


def test_a_refused_profile_stores_nothing_and_changes_nothing_in_force(personas):
    install(personas)
    with pytest.raises(ProfileInvalid) as refused:
        install(personas, with_rules("cme_ten_days:\n  school_days: 12\n"))
    assert refused.value.errors[0].field == "rules.cme_ten_days.school_days"
    assert PolicyProfile.objects.count() == 1
    assert PolicyProfile.objects.get().is_active


def test_a_profile_for_another_kind_of_organisation_is_refused_on_install(personas):
    text = shipped_profile_text("seed-000-ap")  # an alternative provision's; Testbridge is a school
    with pytest.raises(ProfileInvalid) as refused:
        install(personas, text)
    [error] = refused.value.errors
    assert (error.field, error.line) == ("organisation_kind", line_of(text, "organisation_kind:"))
    assert not PolicyProfile.objects.exists()


def test_profile_for_reads_the_database_once_per_request(personas):
    install(personas)
    with acting_as(personas.admin.pk), CaptureQueriesContext(connection) as queries:
        first = profile_for(personas.organisation)
        again = profile_for(personas.organisation.pk)
    assert first is again
    assert len(queries) == 1


def test_profile_for_sees_an_activation_made_in_the_same_request(personas):
    with acting_as(personas.admin.pk):
        assert profile_for(personas.organisation).name == "statutory"
        install(personas)
        assert profile_for(personas.organisation).name == "test-profile"


def test_the_history_lists_every_version_with_who_put_it_in_force(personas):
    with acting_as(personas.admin.pk):
        first = install(personas)
        install(personas, MINIMAL.replace("name: test-profile", "name: later"))
    with acting_as(personas.dsl.pk):
        policy_profile_activate(profile=first, actor=personas.dsl)
    history = profile_history(personas.organisation)
    assert [(h.row.version, h.previous_version) for h in history] == [(2, 1), (1, None)]
    assert [a.by for a in history[1].activations] == ["admin", "dsl"]
    assert [a.by for a in history[0].activations] == ["admin"]


def test_policy_install_installs_a_file_for_the_named_organisation(personas, capsys):
    call_command("policy_install", str(SHIPPED_PROFILES_DIR / "seed-004-special.yaml"),
                 "--organisation", "Testbridge Academy", "--as", "admin")
    row = PolicyProfile.objects.get()
    assert (row.name, row.version, row.is_active, row.created_by) == ("seed-004-special", 1, True, personas.admin)
    assert "installed 'seed-004-special' as version 1, in force" in capsys.readouterr().out


def test_policy_install_refuses_a_bad_file_whole_printing_line_and_field(personas, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    text = with_rules("pattern_full_moon: {}\n")
    path.write_text(text)
    with pytest.raises(CommandError) as refused:
        call_command("policy_install", str(path), "--organisation", "Testbridge Academy")
    assert refused.value.returncode == 1
    assert f"{path}:{line_of(text, 'pattern_full_moon')}: rules.pattern_full_moon:" in capsys.readouterr().err
    assert not PolicyProfile.objects.exists()


def test_policy_install_refuses_an_unknown_organisation(personas):
    with pytest.raises(CommandError, match="no organisation named 'Nowhere'"):
        call_command("policy_install", str(SHIPPED_PROFILES_DIR / "statutory.yaml"), "--organisation", "Nowhere")
