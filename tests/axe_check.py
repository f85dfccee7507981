"""Check a Playwright page with axe-core, for every browser test (design.md §9: WCAG 2.2 AA).

    from tests.axe_check import assert_no_axe_violations
    assert_no_axe_violations(page)

axe-core comes from the npm registry with the other front-end assets (`make assets`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

AXE_PATH = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the public sector accessibility
# regulations ask of schools. (axe has no "wcag22a" tag: 2.2's new A criteria are tagged
# by number; its AA ones carry "wcag22aa".)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _inject_axe(page) -> None:
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is not installed at {AXE_PATH}: run `make assets` (npm ci).")
    if page.evaluate("typeof window.axe") != "undefined":
        return
    # Not page.add_script_tag(path=…): it writes an inline <script>, which our own CSP
    # (script-src 'self', never 'unsafe-inline') rightly refuses. Code evaluated through the
    # DevTools protocol is not governed by the page's CSP, so axe loads without weakening it.
    page.evaluate(f"() => {{ {AXE_PATH.read_text()}\n }}")
    if page.evaluate("typeof window.axe") == "undefined":
        pytest.fail(f"axe-core from {AXE_PATH} did not load into {page.url}.")


def axe_violations(page, *, tags: list[str] | None = None) -> list[dict]:
    """axe's violations for the page as it is now, for the given WCAG tags."""
    _inject_axe(page)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        tags or WCAG_TAGS,
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}")
            for reason in (node["summary"] or "").splitlines():
                lines.append(f"      {reason}")
    return "\n".join(lines)


def assert_no_axe_violations(page, *, tags: list[str] | None = None) -> None:
    """Fail with a readable list when axe finds any WCAG A/AA violation on the page."""
    violations = axe_violations(page, tags=tags)
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} accessibility problem(s) on {page.url}:\n"
            + format_violations(violations),
            pytrace=False,
        )
