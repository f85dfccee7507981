"""The DSL dashboard: what is overdue across cases (tasks, the LA notification, the return
home interview, plan reviews), new concerns, and the open cases, for the user's sites only."""

from __future__ import annotations

import datetime as dt

from safewell.safeguarding import selectors, services
from safewell.safeguarding.models import CaseKind
from tests.safeguarding.casework_factory import NOW, TODAY, case_of, london, missing_case


def test_overdue_work_across_cases_is_on_the_lead_dsls_dashboard(personas, north_pupil, south_pupil):
    north_case = case_of(personas, north_pupil, now=NOW - dt.timedelta(days=10))
    services.task_add(case=north_case, actor=personas.dsl, now=NOW - dt.timedelta(days=10),
                      action=services.Action("Home visit", personas.dsl, TODAY - dt.timedelta(days=2)))
    case_of(personas, south_pupil, kind=CaseKind.CME, cme_due_on=TODAY - dt.timedelta(days=1),
            actor=personas.deputy_dsl_south)
    missing_case(personas, north_pupil, returned_at=london(dt.date(2026, 10, 31), 23))
    services.concern_raise(pupil=north_pupil, actor=personas.teacher, now=NOW, categories=["neglect"],
                           description="No lunch again.", action_taken="", observed_at=NOW)

    board = selectors.dashboard_for_user(personas.dsl, now=NOW + dt.timedelta(days=2))  # 82 hours after the return

    assert [t.title for t in board.overdue_tasks] == [
        "Home visit", "Make reasonable enquiries, then send the CME notification to the local authority"]
    assert [(d.what, d.overdue) for d in board.deadlines] == [
        ("CME notification to the local authority", True), ("Return home interview", True)]
    assert [c.pupil for c in board.new_concerns] == [north_pupil]
    assert len(board.open_cases) == 3


def test_a_deputy_sees_only_their_own_sites_work(personas, north_pupil, south_pupil):
    case_of(personas, north_pupil)
    south = case_of(personas, south_pupil, actor=personas.deputy_dsl_south)
    board = selectors.dashboard_for_user(personas.deputy_dsl_south, now=NOW)
    assert board.open_cases == [south]


def test_the_dashboard_page_lists_them(client, personas, north_pupil):
    case = case_of(personas, north_pupil)
    client.force_login(personas.dsl)
    page = client.get("/safeguarding/").content.decode()
    assert f'href="/safeguarding/cases/{case.pk}/"' in page and "Nia Northway" in page
