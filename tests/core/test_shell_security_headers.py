"""Security headers on every page: CSP without inline code, HSTS and secure cookies behind TLS,
CSRF on every form post, and no framing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.test import Client

from safewell.core.middleware import CONTENT_SECURITY_POLICY


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_every_page_sends_the_content_security_policy(client, personas):
    client.force_login(personas.teacher)
    for path in ("/", "/accounts/login/", "/no-such-page/", "/healthz"):
        assert client.get(path)["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_csp_allows_only_our_own_scripts_and_styles():
    directives = csp_directives(CONTENT_SECURITY_POLICY)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, <style>, style=, on*= handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.script_srcs: list[str] = []
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            if names.get("src"):
                self.script_srcs.append(names["src"])
            elif names.get("type") not in ("application/json",):
                self._in_script_without_src = True
        if tag == "style":
            self.problems.append("<style> element")
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False


@pytest.mark.parametrize("persona", ["admin", "dsl", "teacher", "external"])
def test_the_shell_has_no_inline_script_or_style(client, personas, persona):
    client.force_login(getattr(personas, persona))
    finder = InlineCodeFinder()
    finder.feed(client.get("/").content.decode())
    assert finder.problems == []
    assert finder.script_srcs == ["/static/build/htmx.min.js", "/static/build/app.js"]


def test_pages_may_not_be_framed(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"


def test_browsers_are_told_not_to_sniff_types_or_leak_referrers(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_behind_tls_browsers_are_told_to_use_https_only(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _security_settings(https: str) -> dict:
    """Read the settings module fresh in a child process, as `safewell` would start."""
    env = {**os.environ, "SAFEWELL_HTTPS": https}
    code = (
        "import json, safewell.config.settings as s; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'session': s.SESSION_COOKIE_SECURE,"
        "'csrf': s.CSRF_COOKIE_SECURE, 'httponly': s.SESSION_COOKIE_HTTPONLY,"
        "'frame': s.X_FRAME_OPTIONS}))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_settings_turn_on_hsts_and_secure_cookies():
    assert _security_settings("true") == {
        "hsts": 31536000, "session": True, "csrf": True, "httponly": True, "frame": "DENY",
    }


def test_plain_http_on_loopback_turns_off_hsts_and_secure_cookies():
    # `make demo` serves http://127.0.0.1:8000, where a secure cookie would never come back.
    assert _security_settings("false") == {
        "hsts": 0, "session": False, "csrf": False, "httponly": True, "frame": "DENY",
    }


def test_secure_cookies_are_marked_secure(client, personas, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client.force_login(personas.teacher)
    response = client.get("/", secure=True)
    assert response.cookies["csrftoken"]["secure"] is True
    assert client.cookies["sessionid"]["secure"] is True
    assert client.cookies["sessionid"]["httponly"] is True


def test_a_form_post_without_the_csrf_token_is_refused_in_plain_words(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.teacher)
    response = client.post("/site/switch/", {"site_id": personas.north.pk})
    assert response.status_code == 403
    assert b"Your form could not be sent" in response.content


def test_the_csrf_token_is_in_the_page_for_htmx(client, personas):
    client.force_login(personas.teacher)
    response = client.get("/")
    assert b'<meta name="csrf-token" content="' in response.content
    assert b'"includeIndicatorStyles": false' in response.content
