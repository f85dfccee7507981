"""A refused request (403 or 404) is one log line (status, method, path, user), not a
traceback; a server error keeps its traceback."""

from __future__ import annotations

import logging

import pytest
from django.test import Client


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


def test_a_forbidden_action_is_one_line_naming_the_user(client, personas, caplog):
    client.force_login(personas.teacher)
    client.post("/site/switch/", {"site_id": personas.south.pk})

    [record] = request_records(caplog)
    assert record.getMessage() == f"Refused 403: POST /site/switch/ (user {personas.teacher.pk})"
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "Traceback" not in caplog.text


def test_an_unknown_page_is_one_line_for_an_anonymous_visitor(client, db, caplog):
    client.get("/no-such-page/")

    [record] = request_records(caplog)
    assert record.getMessage() == "Refused 404: GET /no-such-page/ (anonymous)"


def test_a_refused_api_call_is_one_line_too(client, personas, caplog):
    client.force_login(personas.teacher)
    client.get("/api/no-such-endpoint/")

    [record] = request_records(caplog)
    assert record.getMessage() == f"Refused 404: GET /api/no-such-endpoint/ (user {personas.teacher.pk})"


def test_a_path_cannot_forge_a_second_log_line(client, db, caplog):
    client.get("/no-such-page/\nRefused 403: GET /forged/")

    [record] = request_records(caplog)
    assert "\n" not in record.getMessage()


@pytest.mark.urls("tests.core.urls_with_a_failing_view")
def test_a_server_error_keeps_its_traceback(db, caplog):
    Client(raise_request_exception=False).get("/fails/")

    [record] = request_records(caplog)
    assert record.levelname == "ERROR" and record.exc_info is not None
