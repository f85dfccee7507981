"""The built stylesheet is GOV.UK Frontend under our brand: no GDS Transport, no crown."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "safewell" / "static" / "build"


@pytest.fixture(scope="module")
def stylesheet() -> str:
    path = BUILD / "safewell.css"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make assets` (npm ci && npm run build).")
    return path.read_text()


def test_the_stylesheet_uses_a_system_font_and_loads_no_web_font(stylesheet):
    assert "GDS Transport" not in stylesheet
    assert "@font-face" not in stylesheet
    assert "font-family:system-ui" in stylesheet


def test_the_stylesheet_fetches_nothing_but_the_unused_footer_crest(stylesheet):
    # GOV.UK Frontend's footer copyright crest is the only url() it compiles; we never use
    # .govuk-footer__copyright-logo, so no crown is ever drawn or fetched.
    urls = set(re.findall(r"url\(([^)]*)\)", stylesheet))
    assert urls <= {'"/assets/images/govuk-crest.svg"'}
    assert "govuk-footer__copyright-logo" not in (ROOT / "safewell/core/templates/core/footer.html").read_text()


def test_the_header_uses_our_brand_colour(stylesheet):
    assert re.search(r"\.govuk-generic-header\.safewell-header\{background:var\(--govuk-brand-colour, #106165\)\}", stylesheet)


def test_every_front_end_dependency_is_pinned_exactly():
    package = json.loads((ROOT / "package.json").read_text())
    versions = {**package["dependencies"], **package["devDependencies"]}
    assert set(versions) == {"govuk-frontend", "htmx.org", "sass", "axe-core"}
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in versions.values()), versions
    assert versions["htmx.org"].startswith("2.")


def test_the_build_ships_the_javascript_the_shell_loads():
    for name in ("app.js", "govuk-frontend.min.js", "htmx.min.js"):
        assert (BUILD / name).exists(), f"{name} is missing from {BUILD}: run `make assets`"
