"""Helpers for the profile tests: a small valid profile to edit, and its line numbers."""

from __future__ import annotations

import textwrap

# A minimal valid profile. Tests replace one line or append a block, then check the line
# and field an error names. Line numbers are those of this text (1-based).
MINIMAL = textwrap.dedent("""\
    name: test-profile
    version: 1
    organisation_kind: any
    reviewed_on: 2026-09-01
    next_review_on: 2027-09-01
    source: a test
    defaults:
      notify: [dsl]
      channels: [in_app, email]
      acknowledge_within_hours: 24
      severity: medium
    rules:
      continuous_absence:
        school_days: 3
    """)


def with_rules(block: str) -> str:
    """MINIMAL with `block` (rule entries indented by two spaces) appended under `rules:`."""
    return MINIMAL + textwrap.indent(textwrap.dedent(block), "  ")


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line of `text` containing `fragment`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in the text")
