"""One definition of an absence episode (docs/absence-episodes.md, attendance/episodes.py): the
worked examples of the docs, each checked against the calling list's reading
(followup.selectors.current_absence_episodes) and the engine's (the vulnerable-children rule,
whose alert is named by the episode's first session and lists its sessions), so the two
agree on when a run starts, continues and ends.

The school is tests/followup/followup_school.py: registers close at 09:15 and 13:45; half
term is Mon 26 – Fri 30 October 2026. Ada is on a child protection plan. A session absent
from `marks` is a register nobody took.
"""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance.episodes import BREAKS, NOT_YET_KNOWN, QUALIFIES, Run, current_run, session_state
from safewell.followup.selectors import current_absence_episodes
from safewell.policy.engine.evaluate import evaluate_full
from tests.followup.followup_school import london

D = dt.date
FRI_23_OCT, MON_2_NOV = D(2026, 10, 23), D(2026, 11, 2)
FRI, MON, TUE, WED = D(2026, 11, 6), D(2026, 11, 9), D(2026, 11, 10), D(2026, 11, 11)

# (example, {(day, session): Ada's code}, now, (first session of the episode, qualifying sessions) or None)
WORKED_EXAMPLES = [
    ("a morning absence, before the afternoon register",
     {(TUE, "AM"): "N"}, london(TUE, 12, 0), ("2026-11-10 AM", 1)),
    ("a morning absence, then back in the afternoon: over",
     {(TUE, "AM"): "N", (TUE, "PM"): "\\"}, london(TUE, 16, 30), None),
    ("an afternoon absence starts that afternoon",
     {(TUE, "AM"): "/", (TUE, "PM"): "N"}, london(TUE, 14, 0), ("2026-11-10 PM", 1)),
    ("an afternoon register never taken: the run goes on",
     {(TUE, "AM"): "N"}, london(TUE, 16, 30), ("2026-11-10 AM", 1)),
    ("… and the next morning it is two sessions",
     {(TUE, "AM"): "N", (WED, "AM"): "O"}, london(WED, 10, 0), ("2026-11-10 AM", 2)),
    ("a register taken without the child neither ends nor counts",
     {(TUE, "AM"): "N", (TUE, "PM"): "", (WED, "AM"): "N"}, london(WED, 10, 0), ("2026-11-10 AM", 2)),
    ("a weekend is not a school day: Friday afternoon to Monday",
     {(FRI, "AM"): "/", (FRI, "PM"): "N", (MON, "AM"): "N", (MON, "PM"): "O"}, london(MON, 16, 0), ("2026-11-06 PM", 3)),
    ("half term: Friday 23 October to Monday 2 November",
     {(FRI_23_OCT, "AM"): "N", (FRI_23_OCT, "PM"): "N", (MON_2_NOV, "AM"): "O"}, london(MON_2_NOV, 10, 0),
     ("2026-10-23 AM", 3)),
    ("a reason from the family ends it: the next N starts a new one",
     {(MON, "AM"): "N", (MON, "PM"): "I", (TUE, "AM"): "N"}, london(TUE, 10, 0), ("2026-11-10 AM", 1)),
    ("a refused holiday (G) ends it: the family has said where the child is",
     {(MON, "AM"): "N", (MON, "PM"): "G"}, london(MON, 16, 0), None),
]


def _take(school, marks: dict) -> None:
    """Take 7A's registers of `marks` (Ada's code; everyone else present), oldest first. ""
    is a register taken without Ada: her mark is left off."""
    import uuid

    from safewell.attendance.registers import MarkInput, register_submit

    for day, session in sorted(marks):
        code = marks[(day, session)]
        if code:
            school.take_register(day, session, {school.ada: code})
            continue
        register_submit(
            site=school.north, registration_group=school.group, date=day, session=session,
            marks=[MarkInput(p.pk, "\\" if session == "PM" else "/") for p in school.pupils if p != school.ada],
            idempotency_key=str(uuid.uuid4()), base_version=0, actor=school.personas.teacher,
            now=london(day, 13, 20) if session == "PM" else london(day, 8, 50),
        )


@pytest.mark.parametrize("example,marks,now,expected", WORKED_EXAMPLES, ids=[e[0] for e in WORKED_EXAMPLES])
def test_the_calling_list_and_the_engine_read_the_same_episode(school, example, marks, now, expected):
    _take(school, marks)
    episode = current_absence_episodes(school.north, [school.ada.pk], now).get(school.ada.pk)
    alerts = [c for c in evaluate_full(today=now.date(), organisation=school.personas.organisation, now=now)
              if c.rule_id == "vulnerable_unexplained_absence" and c.pupil_id == school.ada.pk]
    if expected is None:
        assert episode is None and alerts == []
        return
    first, sessions = expected
    assert (f"{episode.sessions[0].date} {episode.sessions[0].session}", len(episode.sessions)) == expected
    assert [(a.episode_key, len(a.evidence["sessions"])) for a in alerts] == [(first, sessions)]


# The definition itself, session by session (oldest first).
Q, U, B = QUALIFIES, NOT_YET_KNOWN, BREAKS
RUNS = [
    ([], None),
    ([B, Q], Run(1, 1, 1)),
    ([Q, B], None),
    ([Q, U, Q, U], Run(0, 2, 2)),
    ([U, U], None),
    ([Q, Q, B, U, Q, Q, U], Run(4, 5, 2)),
]


@pytest.mark.parametrize("states,run", RUNS)
def test_the_current_run_of_a_sequence_of_sessions(states, run):
    assert current_run(states) == run


@pytest.mark.parametrize("code,state", [
    ("N", Q), ("O", Q), (None, U), ("", U), ("/", B), ("L", B), ("U", B), ("I", B), ("G", B), ("D", B), ("#", B),
])
def test_each_mark_has_one_state(code, state):
    assert session_state(code) == state


def test_twenty_sessions_are_ten_school_days_whichever_session_they_start_on():
    assert current_run([B] + [Q] * 20).school_days == 10
    assert current_run([Q] * 19).school_days == 9.5
