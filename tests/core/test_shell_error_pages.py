"""Accessible error pages: 400, 403, 404 in the shell; 500 with no request and no database."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from safewell.config import urls as root_urls
from safewell.config.views import server_error


def test_an_unknown_page_gets_the_404_page(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert b"<h1 class=\"govuk-heading-l\">Page not found</h1>" in response.content
    # Inside the shell, so the person can find their way on.
    assert b'href="/"' in response.content
    assert response["Content-Type"].startswith("text/html")


def test_a_forbidden_action_gets_the_403_page_with_its_reason(client, personas):
    client.force_login(personas.teacher)
    response = client.post("/site/switch/", {"site_id": personas.south.pk})
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert b"You cannot see this page" in response.content


def test_a_bad_request_gets_the_400_page(db):
    response = Client().get("/accounts/login/", HTTP_HOST="unknown.example")
    assert response.status_code == 400
    assert b"Sorry, there is a problem with the request" in response.content


def test_the_handlers_are_ours():
    assert root_urls.handler400.__name__ == "bad_request"
    assert root_urls.handler403.__name__ == "permission_denied"
    assert root_urls.handler404.__name__ == "page_not_found"
    assert root_urls.handler500.__name__ == "server_error"


def test_the_500_page_renders_without_touching_the_database(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    # Styled like every other page, from our own static files.
    assert b"/static/build/safewell.css" in response.content
    assert b'<a href="#main-content" class="govuk-skip-link"' in response.content


@pytest.mark.urls("tests.core.urls_with_a_failing_view")
def test_an_unexpected_error_gets_the_500_page(db):
    client = Client(raise_request_exception=False)
    response = client.get("/fails/")
    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
