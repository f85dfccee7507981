"""Every API error is JSON with a plain sentence: 401, 403, 404, 405, 422 and 500."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from safewell.config.api import CSRF_FAILED, PERMISSION_DENIED, SERVER_ERROR
from tests.platform.api_probe_urls import FAILURE_DETAIL, REFUSAL

probe_urls = pytest.mark.urls("tests.platform.api_probe_urls")


@pytest.mark.parametrize("path", ["/api/no-such-endpoint", "/api/pupils/12/no-such-thing", "/api/"])
def test_an_unknown_api_path_gets_a_json_404_not_an_html_page(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": f"There is no API endpoint at {path}. The endpoints are listed at /api/docs."
    }


def test_an_unknown_api_path_gets_json_for_any_method(client, db):
    response = client.delete("/api/no-such-endpoint")
    assert response.status_code == 404
    assert "no API endpoint" in response.json()["detail"]


def test_a_wrong_method_gets_a_json_405_naming_the_allowed_one(client, personas):
    client.force_login(personas.teacher)
    response = client.post("/api/me")

    assert response.status_code == 405
    assert response.json() == {"detail": "POST is not allowed here; use GET."}
    assert response["Allow"] == "GET"


def test_pages_outside_the_api_keep_their_html_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@probe_urls
def test_a_bad_query_parameter_gets_a_422_naming_the_field(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/probe-api/count", {"limit": "lots"})

    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {
            "field": "query.limit",
            "message": "Input should be a valid integer, unable to parse string as an integer",
            "type": "int_parsing",
        }
    ]
    assert body["detail"] == (
        "The request is not valid: query.limit: Input should be a valid integer, "
        "unable to parse string as an integer."
    )


@probe_urls
def test_a_bad_body_gets_a_422_with_every_field_path(client, personas):
    client.force_login(personas.teacher)
    response = client.post(
        "/probe-api/visits", {"pupil_count": "two"}, content_type="application/json"
    )

    assert response.status_code == 422
    fields = {error["field"]: error["type"] for error in response.json()["errors"]}
    assert fields == {"body.payload.pupil_count": "int_parsing", "body.payload.notes": "missing"}


@probe_urls
def test_a_failure_gets_a_json_500_with_the_request_id_and_no_traceback(client, personas, caplog):
    client.force_login(personas.teacher)
    with caplog.at_level(logging.ERROR, logger="safewell.api"):
        response = client.get("/probe-api/fails")

    assert response.status_code == 500
    body = response.json()
    request_id = response["X-Request-ID"]
    assert body == {"detail": SERVER_ERROR.format(request_id=request_id), "request_id": request_id}
    assert "Traceback" not in response.content.decode()
    assert FAILURE_DETAIL not in response.content.decode()
    # The detail is kept for us, in the log, under the same request id.
    logged = [r for r in caplog.records if r.name == "safewell.api"]
    assert request_id in logged[0].getMessage() and logged[0].exc_info is not None


@probe_urls
def test_a_failure_gets_json_even_with_debug_on(client, personas, settings):
    settings.DEBUG = True
    client.force_login(personas.teacher)
    response = client.get("/probe-api/fails")
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode()


@probe_urls
def test_a_refusal_gets_a_json_403_with_its_reason(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/probe-api/refuses")
    assert response.status_code == 403
    assert response.json() == {"detail": REFUSAL}


@probe_urls
def test_a_refusal_without_a_reason_gets_a_json_403_with_a_plain_one(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/probe-api/refuses-plainly")
    assert response.status_code == 403
    assert response.json() == {"detail": PERMISSION_DENIED}


@probe_urls
def test_a_session_post_without_a_csrf_token_gets_a_json_403(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.teacher)
    response = browser.post(
        "/probe-api/visits", {"pupil_count": 2, "notes": "ok"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": CSRF_FAILED}


@probe_urls
def test_a_session_post_with_the_csrf_token_is_accepted(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.teacher)
    # What a page's csrftoken cookie holds: a 32-character secret, echoed in the header.
    token = "abcdefghijklmnopqrstuvwxyz012345"
    browser.cookies["csrftoken"] = token
    response = browser.post(
        "/probe-api/visits", {"pupil_count": 2, "notes": "ok"},
        content_type="application/json", HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200


def test_the_openapi_document_lists_api_me_with_token_and_session_auth(client, db):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.json()
    me = document["paths"]["/api/me"]["get"]
    assert {name for requirement in me["security"] for name in requirement} == {
        "ApiTokenAuth", "SessionAuth"
    }
    assert document["components"]["securitySchemes"]["ApiTokenAuth"] == {
        "type": "http", "scheme": "bearer"
    }
    schema = document["components"]["schemas"]["MeOut"]
    assert set(schema["properties"]) == {"username", "email", "name", "memberships"}
