"""A submission costs the same number of queries for 3 pupils as for 30: bulk reads, no
per-pupil queries (the register path's speed target, issue 4 §10)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from safewell.attendance.models import Mark
from safewell.attendance.registers import calendar_cache_clear
from tests.registers.register_school import admit, submit


def queries_to_submit(school, pupils, code: str, base: int) -> list[str]:
    calendar_cache_clear()  # measure the calendar's queries too
    with CaptureQueriesContext(connection) as captured:
        submit(school, [(p, code) for p in pupils], base=base)
    return [q["sql"] for q in captured.captured_queries]


def test_a_submission_of_30_pupils_costs_no_more_queries_than_one_of_3(school):
    extra = [admit(school.north, school.group, f"Extra{i}") for i in range(27)]
    few = queries_to_submit(school, school.pupils, "/", 0)
    many = queries_to_submit(school, school.pupils + extra, "/", 1)

    assert Mark.objects.count() == 30
    assert len(many) == len(few), "\n".join(many)
    # The budget: ~28 for the submission itself plus ~13 for re-evaluating the pupils'
    # policy rules in the same request (design.md: every mark change re-evaluates that
    # pupil). Both are constant in the number of pupils, which is what the line above proves.
    assert len(many) <= 45, "\n".join(many)
