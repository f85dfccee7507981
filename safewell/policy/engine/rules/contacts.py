"""first_day_contact_ladder and no_contact_safeguarding: first-day calling's escalation
(issue 6 §3), over a pupil's current absence episode and the contact attempts since.

An episode is the pupil's current run of unexplained sessions (N or O: the reason is not
known) by attendance/episodes.py, the definition the calling list reads too
(followup.selectors.current_absence_episodes): a register not taken, or no mark for the
child, neither ends it nor stops the ladder. It began at the close of the register of its
first qualifying session. `now` matters: the ladder's time limits are
hours (followup/ladder.py), so the engine is evaluated again every few minutes for the
pupils in an episode (engine/jobs.py), as well as when a mark or a contact attempt changes.

- first_day_contact_ladder (the attendance officers): a rung's time passed with no contact
  made; the next rung is due. One alert per episode, renewed as rungs pass.
- no_contact_safeguarding (the DSL team, at once): no contact made and (a) the child has a
  safeguarding flag (the profile's `vulnerable_if`, or a social worker) and someone has
  already tried to reach the family, or (b) the ladder has reached its dsl_referral rung,
  or (c) a parent or carer reached does not know where the child is: the police definition
  of missing is met (statutory.md §7.1 [C]).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from safewell.attendance import codes
from safewell.policy import rule_ids as R
from safewell.policy.engine.batch import RuleResult, SiteBatch

LONDON = ZoneInfo("Europe/London")
SOURCE_LADDER = (
    "First-day calling: parents and carers are contacted on the first day of absence and every attempt is "
    "recorded (seed 000 §5; WTTISA, statutory.md §5.1 [S]); the escalation ladder and its time limits are "
    "the setting's policy profile (issue 6 §3)."
)
SOURCE_NO_CONTACT = (
    "Seed 000 §5: 'If no contact can be made and there are safeguarding concerns, the DSL will be informed "
    "immediately.' Seed 004: a parent who does not know where the child is, and the definition of missing is "
    "met: support them to tell the police, or do so 'with urgency'. Police definition of missing: statutory.md "
    "§7.1 [C]."
)
SESSION_OF = {False: "AM", True: "PM"}


def contact_ladder(batch: SiteBatch) -> RuleResult:
    from safewell.followup.ladder import DSL_REFERRAL, Rung, ladder_state
    from safewell.followup.selectors import attempt_facts

    th = batch.thresholds
    result = RuleResult()
    runs_ladder, runs_dsl = th.runs(R.FIRST_DAY_CONTACT_LADDER), th.runs(R.NO_CONTACT_SAFEGUARDING)
    if not (runs_ladder or runs_dsl) or batch.now is None or batch.timeline.columns == 0:
        return result
    episodes = _episodes(batch)
    if not episodes:
        return result
    facts = attempt_facts([int(batch.pupil_ids[row]) for row in episodes], min(e[0] for e in episodes.values()))
    rungs = [Rung(step, hours) for step, hours in th.ladder]
    for row, (started_at, columns) in episodes.items():
        pupil_id = int(batch.pupil_ids[row])
        ladder = ladder_state(rungs=rungs, started_at=started_at, attempts=facts.get(pupil_id, []), now=batch.now)
        if ladder.contact_made:
            continue
        evidence = _evidence(batch, row, ladder, columns)
        key = batch.episode_key(row)
        if runs_ladder and ladder.passed:
            result.candidates.append(batch.candidate(
                R.FIRST_DAY_CONTACT_LADDER, row, key, evidence, _ladder_words(ladder), SOURCE_LADDER))
        reasons = _dsl_reasons(batch, pupil_id, ladder, DSL_REFERRAL)
        if runs_dsl and reasons:
            result.candidates.append(batch.candidate(
                R.NO_CONTACT_SAFEGUARDING, row, key, {**evidence, "why": reasons,
                                                       "police": "due now" if ladder.missing_definition_met else ""},
                "No contact with the family since the absence began: " + "; ".join(reasons) + ".", SOURCE_NO_CONTACT))
    return result


def _episodes(batch: SiteBatch) -> dict[int, tuple[dt.datetime, list[int]]]:
    """{row: (when the episode began, its qualifying columns)} for the rows in an absence
    episode at `now` (batch.episodes)."""
    count = batch.episodes[0]
    found: dict[int, tuple[dt.datetime, list[int]]] = {}
    for row in np.flatnonzero(count > 0).tolist():
        columns = batch.episode_columns(row)
        site = batch.sites[int(batch.site_ids[row])]
        found[row] = (_close_of(site, batch.timeline.dates[columns[0]], bool(batch.timeline.is_pm[columns[0]])), columns)
    return found


def _close_of(site, date: np.datetime64, is_pm: bool) -> dt.datetime:
    day = date.astype(dt.date)
    return dt.datetime.combine(day, site.register_times(SESSION_OF[is_pm])[1], tzinfo=LONDON)


def _evidence(batch: SiteBatch, row: int, ladder, columns: list[int]) -> dict:
    t = batch.timeline
    return {
        "started_at": ladder.started_at.astimezone(LONDON).isoformat(timespec="minutes"),
        "sessions": [{"date": str(t.dates[c]), "session": SESSION_OF[bool(t.is_pm[c])],
                      "code": codes.by_byte(int(batch.marks[row, c])).code} for c in columns],
        "attempts_to_family": ladder.attempts,
        "ladder": [{"step": r.step, "label": r.label, "due_by": r.due_by.astimezone(LONDON).isoformat(timespec="minutes"),
                    "status": r.status} for r in ladder.rungs],
        "due": ladder.due.label if ladder.due else "",
    }


def _ladder_words(ladder) -> str:
    passed = ladder.passed[-1]
    due = ladder.due
    return (f"No contact made since {ladder.started_at.astimezone(LONDON):%A %-d %B %H:%M}: "
            f"'{passed.label}' ran out of time at {passed.due_by.astimezone(LONDON):%H:%M on %-d %B}. "
            + (f"Now due: {due.label}, by {due.due_by.astimezone(LONDON):%H:%M on %-d %B}." if due else
               "Every step of the ladder has run out of time."))


def _dsl_reasons(batch: SiteBatch, pupil_id: int, ladder, dsl_step: str) -> list[str]:
    reasons = []
    vulnerability = batch.vulnerable.get(pupil_id)
    if vulnerability is not None and ladder.attempts:
        reasons.append(f"the child has a safeguarding flag ({', '.join(k.replace('_', ' ') for k in vulnerability.kinds)}) "
                       f"and {ladder.attempts} attempt{'s' if ladder.attempts != 1 else ''} to reach the family failed")
    if ladder.reached(dsl_step):
        reasons.append("the escalation ladder has reached the DSL")
    if ladder.missing_definition_met:
        reasons.append("a parent or carer reached does not know where the child is: the police definition of "
                       "missing is met (report it, or support them to)")
    return reasons
