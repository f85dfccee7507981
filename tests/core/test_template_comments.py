"""Django's `{# … #}` comment ends at the end of its line: one that runs on shows its text
on the page. A comment over several lines must be `{% comment %}`."""

from pathlib import Path

import safewell

TEMPLATES = sorted(Path(safewell.__file__).parent.rglob("templates/**/*.html"))


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 50


def test_no_template_comment_runs_past_its_line():
    unclosed = [
        f"{path.relative_to(Path(safewell.__file__).parent)}:{number}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert unclosed == []
