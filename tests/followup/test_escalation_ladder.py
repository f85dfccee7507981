"""The escalation ladder (issue 6 §3), worked by hand: rungs run one after the other from the
close of the register that found the absence, each with its time limit; contact made ends
it; a parent reached who does not know where the child is makes the police due at once
(statutory.md §7.1 [C]: whereabouts that cannot be established are "missing")."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.followup.ladder import AttemptFact, Rung, ladder_state
from tests.followup.followup_school import TUESDAY, london

# seed 004's ladder: parents 2 h, other contacts 2 h, a home visit within the next 24 h,
# the DSL 2 h, the police 2 h. The absence began when the AM register closed at 09:15.
RUNGS = [Rung("contacts_in_priority_order", 2), Rung("emergency_contacts", 2), Rung("home_visit", 24),
         Rung("dsl_referral", 2), Rung("police", 2)]
START = london(TUESDAY, 9, 15)


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def failed(hours: float) -> AttemptFact:
    return AttemptFact(at(hours), made_contact=False, whereabouts_unknown_to_them=False)


# (hours after 09:15, the statuses of the five rungs)
BY_THE_CLOCK = [
    (0.5, ["due", "later", "later", "later", "later"]),
    (2.0, ["passed", "due", "later", "later", "later"]),   # 11:15: the parents' 2 hours are up
    (3.99, ["passed", "due", "later", "later", "later"]),
    (4.0, ["passed", "passed", "due", "later", "later"]),  # 13:15: the home visit is due (by 13:15 tomorrow)
    (28.0, ["passed", "passed", "passed", "due", "later"]),  # Wednesday 13:15: the DSL
    (30.0, ["passed", "passed", "passed", "passed", "due"]),
    (32.0, ["passed", "passed", "passed", "passed", "passed"]),
]


@pytest.mark.parametrize(("hours", "statuses"), BY_THE_CLOCK)
def test_each_rung_is_due_in_turn_as_the_time_limits_pass(hours, statuses):
    state = ladder_state(rungs=RUNGS, started_at=START, attempts=[failed(0.25)], now=at(hours))
    assert [r.status for r in state.rungs] == statuses
    assert not state.contact_made


def test_the_deadlines_add_up_from_the_start():
    state = ladder_state(rungs=RUNGS, started_at=START, attempts=[], now=at(1))
    assert [r.due_by for r in state.rungs] == [at(2), at(4), at(28), at(30), at(32)]


def test_contact_made_ends_the_ladder_whatever_the_time():
    reached = AttemptFact(at(5), made_contact=True, whereabouts_unknown_to_them=False)
    state = ladder_state(rungs=RUNGS, started_at=START, attempts=[failed(1), reached], now=at(40))
    assert state.contact_made and state.contact_made_at == at(5)
    assert {r.status for r in state.rungs} == {"not needed"}


def test_a_parent_who_does_not_know_where_the_child_is_makes_the_police_due_at_once():
    unaware = AttemptFact(at(0.5), made_contact=False, whereabouts_unknown_to_them=True)
    state = ladder_state(rungs=RUNGS, started_at=START, attempts=[unaware], now=at(0.75))
    assert state.missing_definition_met
    assert [r.status for r in state.rungs] == ["due", "later", "later", "later", "due"]


def test_attempts_before_the_absence_began_do_not_count():
    earlier = AttemptFact(START - dt.timedelta(days=1), made_contact=True, whereabouts_unknown_to_them=False)
    state = ladder_state(rungs=RUNGS, started_at=START, attempts=[earlier], now=at(3))
    assert not state.contact_made and state.attempts == 0


def test_notices_to_agencies_are_not_attempts_to_reach_the_family():
    notice = AttemptFact(at(0.1), made_contact=False, whereabouts_unknown_to_them=False, to_family=False)
    assert ladder_state(rungs=RUNGS, started_at=START, attempts=[notice, failed(0.2)], now=at(1)).attempts == 1
