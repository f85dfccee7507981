"""What the engine hands to `alerts_sync`: one `AlertCandidate` per rule, pupil and episode
that is met today, and the `EvaluationScope` it looked at (so alerts inside the scope that
no candidate renews are known to be "no longer met", and alerts outside it are left alone).

The policy-engine contract (issue 5): `AlertCandidate(rule_id, pupil_id, site_id,
episode_key, severity, evidence: dict, explanation: str, source: str, peers: list[int])`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

EVIDENCE_NOT_JSON = "The evidence of a {rule_id} candidate is not JSON-serialisable: {error}"


@dataclass(frozen=True)
class AlertCandidate:
    """A rule met for one pupil (or a group, with `peers`) in one episode.

    - `episode_key` identifies the episode, so one open alert per rule, pupil and episode
      can be kept without daily duplicates: e.g. the first absent session of a continuous
      run ("2026-10-26"), the school year for a year-to-date rule ("2026-27"), the window's
      first week for a rolling window.
    - `evidence` is plain JSON (str/int/float/bool/None, lists, dicts with str keys): the
      sessions, dates, lessons and peers that made the rule fire. Checked at construction.
    - `source` is the citation of the rule (statutory.md paragraph, with its certainty).
    - `peers`: for a co-absence group, the other pupils in it (ascending ids).
    """

    rule_id: str
    pupil_id: int | None
    site_id: int
    episode_key: str
    severity: str
    evidence: dict
    explanation: str
    source: str
    peers: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        try:
            json.dumps(self.evidence, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValueError(EVIDENCE_NOT_JSON.format(rule_id=self.rule_id, error=error)) from None

    @classmethod
    def of_rule(cls, **fields) -> AlertCandidate:
        """A candidate made by one of the engine's own rules, without the JSON check: a full
        evaluation makes hundreds of thousands, each rule builds its evidence from plain
        str/int/float/bool/list/dict values only, and the engine tests serialise every
        evidence they see (tests/policy_engine). Anyone else constructs it normally."""
        fields.setdefault("peers", [])
        candidate = cls.__new__(cls)
        candidate.__dict__.update(fields)  # what the frozen dataclass's __init__ would set
        return candidate

    @property
    def key(self) -> tuple[str, int | None, str]:
        """What makes an alert the same alert: rule, pupil and episode."""
        return (self.rule_id, self.pupil_id, self.episode_key)


@dataclass(frozen=True)
class EvaluationScope:
    """What one evaluation looked at.

    - Full evaluation: `organisation_id` (and `site_id` when one site was evaluated), with
      `pupil_ids` None (every pupil there) and every rule in `rule_ids`.
    - Incremental evaluation: the touched pupils in `pupil_ids` (for co-absence, the
      members of their lesson groups too).
    An open alert of a rule in `rule_ids`, for a pupil in the scope, that no candidate
    renews is no longer met.
    """

    today: dt.date
    organisation_id: int | None = None
    site_id: int | None = None
    pupil_ids: frozenset[int] | None = None
    rule_ids: frozenset[str] = frozenset()

    @property
    def is_full(self) -> bool:
        return self.pupil_ids is None

    def covers(self, *, rule_id: str, pupil_id: int | None, site_id: int | None = None) -> bool:
        """Whether an alert of `rule_id` for `pupil_id` (at `site_id`) was looked at."""
        if self.rule_ids and rule_id not in self.rule_ids:
            return False
        if self.site_id is not None and site_id is not None and site_id != self.site_id:
            return False
        if self.pupil_ids is None:
            return True
        return pupil_id in self.pupil_ids
