"""The policy profile pages, through their URLs, for each persona."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from safewell.policy.models import PolicyProfile
from safewell.policy.profile_services import policy_profile_install
from safewell.policy.profiles import shipped_profile_text
from safewell.schools.models import Organisation, OrganisationKind, Site
from tests.policy_profiles.profile_texts import MINIMAL, line_of, with_rules

pytestmark = pytest.mark.django_db


def install(personas, text: str = MINIMAL) -> PolicyProfile:
    return policy_profile_install(organisation=personas.organisation, yaml_text=text, actor=personas.admin)


def page(client, user, name: str = "policy:profile", **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs or None))


def dated(reviewed: dt.date, next_review: dt.date) -> str:
    return (MINIMAL.replace("reviewed_on: 2026-09-01", f"reviewed_on: {reviewed}")
            .replace("next_review_on: 2027-09-01", f"next_review_on: {next_review}"))


def test_without_a_profile_the_page_shows_the_national_minimums(client, personas):
    response = page(client, personas.admin)
    html = response.content.decode()
    assert 'id="profile-fallback"' in html
    assert "National minimums (England)" in html


def test_the_page_shows_each_rule_with_its_thresholds_recipients_channels_and_citation(client, personas):
    install(personas, shipped_profile_text("seed-004-special"))
    html = page(client, personas.admin).content.decode()
    cme = html[html.index('id="rule-cme_ten_days"'):html.index('id="rule-attendance_return_10_day"')]
    assert "School days of absence with whereabouts unknown before the CME step" in cme
    assert "Statutory minimum: at most 10 school days" in cme
    assert "The deputy DSL of the pupil&#x27;s site, the lead DSL, the local authority" in cme
    assert "In Safewell, email, text message" in cme
    assert "2 hours, severity urgent" in cme
    assert "seed 004 &#x27;Continuous missing days&#x27; (10 consecutive days)" in cme
    options = html[html.index("<h2 class=\"govuk-heading-m\">Options</h2>"):]
    assert "Parents of students aged 18 or over are told of absence</dt>\n    <dd class=\"govuk-summary-list__value\">No" in options
    assert "digital-footprint and online-safety review</dt>\n    <dd class=\"govuk-summary-list__value\">Yes" in options


def test_a_profile_past_its_review_date_shows_as_overdue(client, personas):
    today = timezone.localdate()
    install(personas, dated(today - dt.timedelta(days=400), today - dt.timedelta(days=3)))
    html = page(client, personas.admin).content.decode()
    assert 'id="review-overdue"' in html
    assert "govuk-tag--red\">Overdue" in html


def test_a_profile_due_for_review_within_30_days_shows_as_due_soon(client, personas):
    today = timezone.localdate()
    install(personas, dated(today - dt.timedelta(days=300), today + dt.timedelta(days=10)))
    html = page(client, personas.admin).content.decode()
    assert 'id="review-due-soon"' in html and "in 10 days" in html
    assert 'id="review-overdue"' not in html


def test_a_profile_far_from_its_review_shows_no_warning(client, personas):
    today = timezone.localdate()
    install(personas, dated(today - dt.timedelta(days=10), today + dt.timedelta(days=200)))
    html = page(client, personas.admin).content.decode()
    assert 'id="review-due-soon"' not in html and 'id="review-overdue"' not in html


@pytest.mark.parametrize(("persona", "status"), [
    ("admin", 200), ("dsl", 200), ("deputy_dsl_south", 200), ("teacher", 403), ("attendance_officer", 403), ("external", 403),
])
def test_the_admins_and_the_dsl_team_read_the_profile_and_no_one_else(client, personas, persona, status):
    install(personas)
    assert page(client, personas.all_signed_in()[persona]).status_code == status


@pytest.mark.parametrize("persona", ["dsl", "deputy_dsl_south", "teacher"])
def test_only_administrators_may_upload(client, personas, persona):
    client.force_login(personas.all_signed_in()[persona])
    assert client.get(reverse("policy:profile_upload")).status_code == 403
    assert client.post(reverse("policy:profile_upload"), {"text": MINIMAL}).status_code == 403
    assert not PolicyProfile.objects.exists()


def test_only_administrators_see_the_upload_link(client, personas):
    assert "Upload a new version" in page(client, personas.admin).content.decode()
    assert "Upload a new version" not in page(client, personas.dsl).content.decode()


def test_an_admin_uploads_a_pasted_profile_and_it_goes_into_force(client, personas):
    client.force_login(personas.admin)
    response = client.post(reverse("policy:profile_upload"), {"text": MINIMAL}, follow=True)
    row = PolicyProfile.objects.get()
    assert (row.version, row.is_active, row.created_by) == (1, True, personas.admin)
    assert "Version 1 of &#x27;test-profile&#x27; is installed and in force." in response.content.decode()


def test_an_admin_uploads_a_yaml_file(client, personas):
    client.force_login(personas.admin)
    upload = SimpleUploadedFile("seed-004-special.yaml", shipped_profile_text("seed-004-special").encode())
    response = client.post(reverse("policy:profile_upload"), {"file": upload})
    assert response.status_code == 302
    assert PolicyProfile.objects.get().name == "seed-004-special"


def test_a_refused_upload_shows_each_problem_with_line_and_field_and_saves_nothing(client, personas):
    install(personas)
    client.force_login(personas.admin)
    text = with_rules("cme_ten_days:\n  school_days: 12\nsevere_absence:\n  channels: [in_app, fax]\n")
    response = client.post(reverse("policy:profile_upload"), {"text": text})
    html = response.content.decode()
    assert response.status_code == 422
    cme_line, fax_line = line_of(text, "school_days: 12"), line_of(text, "fax")
    assert f'<a href="#yaml-line-{cme_line}">Line {cme_line}</a>, <code>rules.cme_ten_days.school_days</code>: 12 school days would weaken' in html
    assert f'<a href="#yaml-line-{fax_line}">Line {fax_line}</a>, <code>rules.severe_absence.channels[1]</code>' in html
    assert f'<tr class="govuk-table__row" id="yaml-line-{cme_line}">' in html
    assert PolicyProfile.objects.count() == 1


def test_an_upload_needs_a_file_or_a_text(client, personas):
    client.force_login(personas.admin)
    response = client.post(reverse("policy:profile_upload"), {"text": "  "})
    assert "Choose a YAML file or paste the profile" in response.content.decode()
    assert not PolicyProfile.objects.exists()


def test_the_yaml_page_gives_the_document_in_force(client, personas):
    assert page(client, personas.dsl, "policy:profile_yaml").content.decode() == shipped_profile_text("statutory")
    install(personas)
    response = page(client, personas.dsl, "policy:profile_yaml")
    assert response.content.decode() == MINIMAL
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_a_version_page_shows_that_version_and_its_yaml_line_by_line(client, personas):
    install(personas)
    install(personas, MINIMAL.replace("name: test-profile", "name: second"))
    html = page(client, personas.dsl, "policy:profile_version", version=1).content.decode()
    assert "Policy profile, version 1" in html
    assert "Not in force" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td><td class="govuk-table__cell"><code>name: test-profile</code>' in html


def test_another_organisations_version_is_not_found(client, personas):
    other = Organisation.objects.create(name="Elsewhere AP", kind=OrganisationKind.ALTERNATIVE_PROVISION)
    Site.objects.create(organisation=other, name="Elsewhere", code="elsewhere")
    policy_profile_install(organisation=other, yaml_text=shipped_profile_text("seed-000-ap"), actor=None)
    assert page(client, personas.admin, "policy:profile_version", version=1).status_code == 404


def test_the_history_lists_versions_who_installed_them_and_links_each_to_a_diff(client, personas):
    install(personas)
    install(personas, with_rules("cme_ten_days:\n  school_days: 8\n"))
    html = page(client, personas.dsl, "policy:profile_history").content.decode()
    assert 'id="version-2"' in html and 'id="version-1"' in html
    assert reverse("policy:profile_diff", kwargs={"old": 1, "new": 2}) in html
    assert html.count("by admin") >= 2


def test_the_diff_shows_the_lines_added_and_removed(client, personas):
    install(personas)
    install(personas, MINIMAL.replace("    school_days: 3", "    school_days: 2"))
    html = page(client, personas.admin, "policy:profile_diff", old=1, new=2).content.decode()
    assert "1 line added, 1 line removed." in html
    assert "<del><code>    school_days: 3</code></del>" in html
    assert "<ins><code>    school_days: 2</code></ins>" in html


def test_an_admin_puts_an_older_version_back_in_force(client, personas):
    first = install(personas)
    install(personas, MINIMAL.replace("name: test-profile", "name: second"))
    client.force_login(personas.admin)
    response = client.post(reverse("policy:profile_activate", kwargs={"version": 1}), follow=True)
    first.refresh_from_db()
    assert first.is_active
    assert "Version 1 of &#x27;test-profile&#x27; is now in force." in response.content.decode()


def test_the_dsl_cannot_put_a_version_in_force(client, personas):
    install(personas)
    second = install(personas, MINIMAL.replace("name: test-profile", "name: second"))
    client.force_login(personas.dsl)
    assert client.post(reverse("policy:profile_activate", kwargs={"version": 1})).status_code == 403
    second.refresh_from_db()
    assert second.is_active


def test_administrators_find_the_policy_profile_in_the_navigation(client, personas):
    assert f'href="{reverse("policy:profile")}"' in page(client, personas.admin, "home").content.decode()
    assert f'href="{reverse("policy:profile")}"' not in page(client, personas.teacher, "home").content.decode()
