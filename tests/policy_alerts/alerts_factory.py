"""Candidates as the engine hands them over, and the clock the alerts tests run at."""

from __future__ import annotations

import datetime as dt

from safewell.policy import rule_ids
from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope

# A Monday morning in term, after the register closed (UTC; 09:30 in London).
NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 2)


def candidate(pupil, *, rule: str = rule_ids.CONTINUOUS_ABSENCE, episode: str = "2026-10-28",
              severity: str = "high", evidence: dict | None = None, explanation: str = "",
              site=None, peers: tuple[int, ...] = ()) -> AlertCandidate:
    return AlertCandidate(
        rule_id=rule,
        pupil_id=pupil.pk if pupil is not None else None,
        site_id=(site or pupil.site).pk,
        episode_key=episode,
        severity=severity,
        evidence=evidence if evidence is not None else {
            "sessions": [{"date": "2026-10-28", "session": "AM", "code": "N"},
                         {"date": "2026-10-28", "session": "PM", "code": "N"}],
            "figures": {"school days absent": 3},
        },
        explanation=explanation or "Absent for 3 school days in a row with no reason given.",
        source="design.md main flows; statutory.md §5.1 [S]",
        peers=list(peers),
    )


def full_scope(personas, *, today: dt.date = TODAY, rules=frozenset()) -> EvaluationScope:
    return EvaluationScope(today=today, organisation_id=personas.organisation.pk, rule_ids=frozenset(rules))


def pupils_scope(personas, pupils, *, today: dt.date = TODAY) -> EvaluationScope:
    return EvaluationScope(today=today, organisation_id=personas.organisation.pk,
                           pupil_ids=frozenset(p.pk for p in pupils))


