"""Navigation by role, and the phase banner."""

from __future__ import annotations

import pytest


def nav_of(response) -> list[str]:
    return [item.label for item in response.context["nav_items"]]


def test_administrators_see_the_mfa_status_and_api_token_pages(client, personas):
    client.force_login(personas.admin)
    response = client.get("/")
    labels = nav_of(response)
    assert {"MFA status", "API tokens"} <= set(labels)
    assert labels[0] == "Home" and labels[-1] == "Sign out"
    assert b'href="/staff/mfa/"' in response.content
    assert b'href="/staff/tokens/"' in response.content


@pytest.mark.parametrize("persona", ["dsl", "deputy_dsl_south", "attendance_officer", "teacher", "external"])
def test_other_roles_do_not_see_the_administrators_pages(client, personas, persona):
    client.force_login(getattr(personas, persona))
    response = client.get("/")
    labels = nav_of(response)
    assert labels[0] == "Home" and labels[-1] == "Sign out"
    assert not {"MFA status", "API tokens"} & set(labels)
    assert b'href="/staff/mfa/"' not in response.content


def test_the_current_page_is_marked_for_screen_readers(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/")
    assert b'href="/" aria-current="page"' in response.content


def test_sign_out_is_a_post_form_not_a_link(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/")
    sign_out = response.content.split(b'action="/accounts/logout/"', 1)
    assert len(sign_out) == 2 and b'<form class="safewell-nav-form" method="post"' in sign_out[0][-80:]
    assert b'href="/accounts/logout/"' not in response.content


@pytest.mark.urls("tests.core.urls_without_staff_pages")
def test_pages_that_are_not_built_never_appear_in_the_navigation(client, personas):
    client.force_login(personas.admin)
    labels = nav_of(client.get("/"))
    assert "Home" in labels and "Sign out" in labels
    assert not {"MFA status", "API tokens"} & set(labels)


def test_anonymous_visitors_get_no_navigation(client, db):
    response = client.get("/accounts/login/")
    assert response.context["nav_items"] == []
    assert b"govuk-service-navigation" not in response.content


def test_the_phase_banner_says_demo_in_the_demo(client, personas, settings):
    settings.DEMO = True
    client.force_login(personas.teacher)
    response = client.get("/")
    assert b'<strong class="govuk-tag govuk-phase-banner__content__tag">Demo</strong>' in response.content
    assert b"every person in it is fictional" in response.content


def test_the_phase_banner_says_beta_otherwise(client, personas, settings):
    settings.DEMO = False
    client.force_login(personas.teacher)
    response = client.get("/")
    assert b'<strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>' in response.content


def test_the_brand_is_ours_not_govuks(client, db):
    content = client.get("/accounts/login/").content
    assert b'class="govuk-generic-header__homepage-link safewell-logotype"' in content
    assert b"<span>Safewell</span>" in content
    assert b"GOV.UK" not in content.split(b"<footer", 1)[0]
    assert b"crown" not in content.lower()
