"""One site's pupils over one timeline: the arrays every rule reads.

A `SiteBatch` holds the pupils' session bytes on the site's timeline (pupils × held
sessions), already adjusted so the rules need not think about enrolment or about today:
- sessions before the pupil's admission are NOT_ON_ROLL (no flags: they count in nothing
  and break every run);
- today's sessions with no mark yet are PENDING (neither break nor extend a run).

Derived arrays (flags, per-day and per-week counts) are computed once, when a rule first
asks, and shared by the rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from safewell.policy.engine import flags as F
from safewell.policy.engine import kernels
from safewell.policy.engine.candidates import AlertCandidate
from safewell.policy.engine.selectors import LessonMarks
from safewell.policy.engine.thresholds import Thresholds
from safewell.policy.engine.timeline import Timeline, to_date
from safewell.pupils.vulnerability import Vulnerability


@dataclass
class RuleResult:
    candidates: list[AlertCandidate] = field(default_factory=list)
    # Rows whose result could change if the previous year's tail were on the timeline.
    needs_tail: np.ndarray | None = None


@dataclass
class SiteBatch:
    """Pupils of one or more sites that share one timeline (the same calendar) and one set
    of thresholds (the same profile): `site_ids[i]` is row i's site."""

    site_ids: np.ndarray
    timeline: Timeline
    thresholds: Thresholds
    pupil_ids: np.ndarray
    group_ids: np.ndarray
    marks: np.ndarray  # uint8 (pupils × timeline columns)
    # datetime64[D] per row: the last day a contact attempt established where the pupil was
    # (followup.selectors.whereabouts_known_on); NaT when never.
    whereabouts_known_on: np.ndarray
    vulnerable: dict[int, Vulnerability]
    lessons: LessonMarks | None
    previous_year_exists: bool
    admitted: np.ndarray | None = None  # datetime64[D], the admission date of each row
    young_carers: set[int] = field(default_factory=set)
    # The moment of the evaluation: the escalation ladder's time limits are in hours.
    now: dt.datetime | None = None
    sites: dict = field(default_factory=dict)  # {site id: Site}

    def __len__(self) -> int:
        return len(self.pupil_ids)

    @property
    def today(self) -> dt.date:
        return self.timeline.today

    @property
    def year_name(self) -> str:
        return self.timeline.year.name

    @property
    def can_use_tail(self) -> bool:
        """The timeline has no tail yet but the previous year exists: a row may ask for one."""
        return self.previous_year_exists and not self.timeline.has_tail

    # -- flags ------------------------------------------------------------------------------

    @cached_property
    def flags(self) -> np.ndarray:
        return F.FLAGS[self.marks]

    def bit(self, bit: int) -> np.ndarray:
        return (self.flags & bit).astype(bool)

    @cached_property
    def today_columns(self) -> slice:
        t = self.timeline
        if t.today_day is None:
            return slice(t.columns, t.columns)
        return slice(int(t.day_starts[t.today_day]), t.columns)

    @cached_property
    def pending_today(self) -> np.ndarray:
        """Rows with no mark at all yet on today's sessions (today is then left out)."""
        columns = self.today_columns
        if columns.start == columns.stop:
            return np.zeros(len(self), dtype=bool)
        return (self.marks[:, columns] == F.PENDING).all(axis=1)

    @cached_property
    def day_bits(self) -> np.ndarray:
        """(pupils × days) the run bits a whole day has: set only when every held session
        of the day has it; today's sessions not yet marked take every bit (they do not
        break the day)."""
        t = self.timeline
        bits = kernels.pair_all(self.flags, t.day_starts, t.day_ends - 1)
        columns = self.today_columns
        if columns.start < columns.stop:
            today = self.flags[:, columns].copy()
            today[(today & F.PENDING_BIT).astype(bool)] |= F.RUN_BITS
            bits[:, -1] = np.bitwise_and.reduce(today, axis=1)
            bits[self.pending_today, -1] = 0
        return bits

    def day_run(self, bit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(X, current run length, last day of the current run) for whole days having `bit`.
        A row with today still pending ends its current run yesterday."""
        x = (self.day_bits & bit).astype(bool)
        days = x.shape[1]
        length = kernels.run_length_at_end(x)
        if self.timeline.today_day is not None and days:
            before_today = kernels.run_length_at_end(x[:, :-1])
            length = np.where(self.pending_today, before_today, length)
        end = np.where(self.pending_today, days - 2, days - 1)
        return x, length, end

    @cached_property
    def day_sums(self) -> dict[int, np.ndarray]:
        return {}

    def sessions_per_day(self, bit: int) -> np.ndarray:
        """(pupils × days) sessions having `bit`."""
        if bit not in self.day_sums:
            t = self.timeline
            self.day_sums[bit] = kernels.pair_sums(self.bit(bit), t.day_starts, t.day_ends - 1)
        return self.day_sums[bit]

    @cached_property
    def week_sums(self) -> dict[int, np.ndarray]:
        return {}

    def sessions_per_week(self, bit: int) -> np.ndarray:
        """(pupils × school weeks) sessions having `bit`."""
        if bit not in self.week_sums:
            self.week_sums[bit] = kernels.segment_sums(self.bit(bit), self.timeline.week_starts)
        return self.week_sums[bit]

    @cached_property
    def attended_per_week(self) -> np.ndarray:
        return kernels.segment_sums(F.ATTENDED[self.marks], self.timeline.week_starts)

    # -- absence episodes (attendance/episodes.py: the one definition) -------------------------

    def current_runs(self, qualifying: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each row's current run of sessions whose code is in `qualifying` (a bool table over
        store bytes), by attendance/episodes.py: no mark (a register not taken, or taken
        without the child; today's pending sessions) neither ends nor extends it; any other
        mark, or a session before admission, ends it. (qualifying sessions, first column, last column, last breaking
        column), -1 where none."""
        from safewell.attendance import episodes

        unmarked = (self.marks == F.PENDING) | (self.marks == F.NO_MARK)
        qualifies = qualifying[self.marks]
        breaks = ~unmarked & ~qualifies
        return episodes.current_runs(qualifies, breaks)

    @cached_property
    def episodes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """`current_runs` of the absence episode (N, O): the calling list's, the ladder's, the
        vulnerable-children rule's and the CME clock's."""
        return self.current_runs(F.EPISODE)

    def episode_columns(self, row: int) -> list[int]:
        """The qualifying columns of a row's current episode, oldest first."""
        count, first, last, _ = self.episodes
        if count[row] <= 0:
            return []
        marks = self.marks[row, first[row]:last[row] + 1]
        return [int(first[row]) + i for i in np.flatnonzero(F.EPISODE[marks]).tolist()]

    def episode_key(self, row: int) -> str:
        """What names an episode across evaluations: its first session ('2026-11-03 PM')."""
        first = int(self.episodes[1][row])
        return f"{self.timeline.date_texts[first]} {self.timeline.session_texts[first]}"

    # -- evidence -----------------------------------------------------------------------------

    def sessions_of(self, row: int, first_column: int, stop_column: int, wanted: np.ndarray | None = None) -> list[dict]:
        """The sessions of a row from `first_column` to before `stop_column` (only those
        where `wanted` is True, if given), as evidence: date, session, code."""
        t = self.timeline
        values = self.marks[row, first_column:stop_column]
        keep = (values != F.PENDING) & (values != F.NOT_ON_ROLL)
        if wanted is not None:
            keep &= wanted[first_column:stop_column]
        dates, sessions = t.date_texts, t.session_texts
        return [
            {"date": dates[first_column + i], "session": sessions[first_column + i], "code": F.code_text(values[i])}
            for i in np.flatnonzero(keep).tolist()
        ]

    def run_evidence(self, row: int, first_day: int, last_day: int) -> dict:
        """A run of whole school days, compactly: its dates (every session of each is in
        the run) and how many sessions had each code."""
        t = self.timeline
        start, stop = int(t.day_starts[first_day]), int(t.day_ends[last_day])
        codes: dict[str, int] = {}
        for value in self.marks[row, start:stop].tolist():
            if value != F.PENDING and value != F.NOT_ON_ROLL:
                text = F.code_text(value)
                codes[text] = codes.get(text, 0) + 1
        return {"dates": t.day_texts[first_day : last_day + 1], "sessions_by_code": codes}

    def weeks_back(self, weeks: int) -> dt.date:
        """The Monday of the first of the last `weeks` school weeks (up to today's)."""
        t = self.timeline
        return t.monday_of_week(max(0, t.week_count - weeks)) if t.week_count else self.today

    def days_back(self, days: int) -> dt.date:
        """The first of the last `days` school days (up to today)."""
        t = self.timeline
        return t.date_of_day(max(0, t.day_count - days)) if t.day_count else self.today

    def day_date(self, day: int) -> dt.date:
        return self.timeline.date_of_day(day)

    def candidate(self, rule_id: str, row: int, episode_key: str, evidence: dict, explanation: str, source: str,
                  *, severity: str | None = None, peers: list[int] | None = None) -> AlertCandidate:
        return AlertCandidate.of_rule(
            rule_id=rule_id,
            pupil_id=int(self.pupil_ids[row]),
            site_id=int(self.site_ids[row]),
            episode_key=episode_key,
            severity=severity or self.thresholds.severity_of(rule_id),
            evidence={"rule": rule_id, **evidence},
            explanation=explanation,
            source=source,
            peers=sorted(peers or []),
        )

    def week_window_truncated(self, week: np.ndarray, width: int) -> np.ndarray:
        """Rows (given their week of interest) whose `width`-week window would reach before
        the timeline's start, where the previous year's tail could add to it."""
        if not self.can_use_tail:
            return np.zeros(len(week), dtype=bool)
        return (week >= 0) & (week < width - 1)


def date_text(value) -> str:
    return to_date(value).isoformat() if isinstance(value, np.datetime64) else value.isoformat()
