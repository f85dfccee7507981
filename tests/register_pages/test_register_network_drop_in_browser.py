"""No lost marks: the network drops mid-submit and the marks still arrive exactly once.

Three ways a save can fail on school Wi-Fi:
1. the tablet is offline: the marks wait in localStorage and go when it is back online;
2. the request never reaches the server and the teacher reloads the page: the queued
   marks are sent when the page opens again;
3. the request reaches the server, which applies it, but the response is lost: the page
   sends the same idempotency key again and the server answers with the first result,
   applying nothing twice.
Each ends with a database check: one receipt, the version moved on once, every mark there.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from safewell.audit.models import AuditEvent
from tests.conftest import sign_in
from tests.register_pages.register_browser import marks_on_day, receipts_of, register_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBMIT = "**/api/registers/submit"


def mark_register(page, school) -> None:
    page.get_by_role("button", name="Mark all not yet marked present (/)").click()
    page.locator(f"#code-{school.pupils[1].pk}").fill("N")
    page.get_by_role("button", name="Save register").click()


def queued(page) -> list[dict]:
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('safewell:register:'))"
        ".flatMap(k => JSON.parse(localStorage.getItem(k)))"
    )


def expected_marks(school) -> dict:
    return {p.pk: ("N" if p == school.pupils[1] else "/", None) for p in school.pupils}


def register_audit_events(school) -> int:
    register = register_of(school.form_7a)
    return AuditEvent.objects.filter(target_type="attendance.sessionregister", target_id=str(register.pk)).count()


def test_marks_saved_offline_are_kept_and_sent_when_the_tablet_is_back_online(page, live_server, school, clock, csp_errors):
    sign_in(page, live_server, school.personas.teacher)
    page.goto(f"{live_server.url}{school.register_url()}")
    page.context.set_offline(True)
    mark_register(page, school)

    expect(page.locator("#register-status")).to_contain_text("Waiting to send (offline): 5 marks kept on this device")
    assert page.locator("[data-state]").all_inner_texts() == ["Waiting to send"] * 5
    [entry] = queued(page)
    assert len(entry["marks"]) == 5 and entry["base_version"] == 0
    assert marks_on_day() == {}

    page.context.set_offline(False)  # the browser fires "online": the page sends at once
    expect(page.locator("#register-status")).to_contain_text("Saved at")
    assert queued(page) == []
    assert marks_on_day() == expected_marks(school)
    assert register_of(school.form_7a).version == 1 and receipts_of(school.form_7a) == 1
    assert csp_errors == []


def test_marks_that_never_left_are_sent_when_the_page_is_opened_again(page, live_server, school, clock):
    sign_in(page, live_server, school.personas.teacher)
    page.goto(f"{live_server.url}{school.register_url()}")
    page.route(SUBMIT, lambda route: route.abort("internetdisconnected"))
    mark_register(page, school)
    expect(page.locator("#register-status")).to_contain_text("Waiting to send")
    [entry] = queued(page)
    assert marks_on_day() == {}

    # The teacher gives up and reloads (or the tablet sleeps); the connection is back.
    page.unroute(SUBMIT)
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/api/registers/submit") else None)
    page.reload()
    expect(page.locator("#register-status")).to_contain_text("Saved at")
    assert [body["idempotency_key"] for body in sent] == [entry["key"]]
    assert marks_on_day() == expected_marks(school)
    assert register_of(school.form_7a).version == 1 and receipts_of(school.form_7a) == 1


def test_a_lost_response_is_retried_with_the_same_key_and_applied_once(page, live_server, school, clock, csp_errors):
    sign_in(page, live_server, school.personas.teacher)
    page.goto(f"{live_server.url}{school.register_url()}")
    keys: list[str] = []
    answered_by_server: list[int] = []

    def lose_the_first_response(route):
        keys.append(json.loads(route.request.post_data)["idempotency_key"])
        if len(keys) == 1:
            # The request reaches the server, which applies it...
            response = route.fetch()
            answered_by_server.append(response.status)
            # ...and the answer is lost on the way back.
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(SUBMIT, lose_the_first_response)
    mark_register(page, school)
    expect(page.locator("#register-status")).to_contain_text("Waiting to send (no answer from the server)")
    assert answered_by_server == [200]
    # The server has the marks already; the page cannot know, so it keeps them.
    assert marks_on_day() == expected_marks(school)
    assert len(queued(page)) == 1

    # The page retries on its own (backoff from 2 seconds) with the same key.
    expect(page.locator("#register-status")).to_contain_text(
        "(the server already had these marks)", timeout=15000
    )
    assert len(keys) == 2 and keys[0] == keys[1]
    assert queued(page) == []
    assert marks_on_day() == expected_marks(school)
    register = register_of(school.form_7a)
    assert register.version == 1, "the version moved on once"
    assert receipts_of(school.form_7a) == 1
    assert register_audit_events(school) == 1
    assert csp_errors == []
