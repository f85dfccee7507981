"""Evaluating the rules: in full (a site, an organisation, or everything) and incrementally
(the pupils whose marks changed), and writing the result through `alerts_sync`.

How a run goes (every step in bulk; nothing walks pupils through the ORM):
1. the pupils on roll today (`selectors.roll_on`), their organisations' academic year in
   force and the one before, each organisation's thresholds (its policy profile), each
   site's calendar;
2. the session stores of the year, one uint8 row per pupil (`selectors.stores_load`);
3. pupils are grouped by timeline (sites sharing a calendar) and profile, in batches of at
   most BATCH_ROWS, and every rule runs over each batch's matrix at once;
4. a rule whose answer for a pupil could depend on last school year (a run or a window
   that reaches back to the first school day of the year) asks for the previous year's
   tail: those pupils alone are evaluated again with it (so the answer for a pupil depends
   only on that pupil's own marks and the calendar, never on who else was evaluated: the
   reason full and incremental evaluation agree);
5. co-absence groups are found per site from that site's lesson marks.

`evaluate_full` and `evaluate_pupils` return the candidates (the contract);
`evaluate_and_sync` runs one of them and `alerts_sync` in one transaction, so alerts are
written with the evaluation or not at all (design.md principle 4).
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction

from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine import selectors as S
from safewell.policy.engine.batch import RuleResult, SiteBatch
from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope
from safewell.policy.engine.rules import contacts, lessons, patterns, rates, runs, vulnerable, windows
from safewell.policy.engine.thresholds import ENGINE_RULES, Thresholds, thresholds_for_organisations
from safewell.policy.engine.timeline import Timeline, timeline_build
from safewell.pupils.vulnerability import Vulnerability, vulnerable_pupils

LONDON = ZoneInfo("Europe/London")

RULES: tuple[Callable[[SiteBatch], RuleResult], ...] = (
    runs.continuous_absence,
    runs.attendance_return,
    runs.sickness_return,
    runs.deletion_ground,
    rates.absence_rates,
    rates.drop_from_baseline,
    windows.penalty_notice,
    patterns.day_of_week,
    patterns.adjacent_to_weekend,
    patterns.lateness,
    lessons.subject_and_teacher,
    lessons.pe_swimming,
    lessons.missing_lessons_on_site,
    vulnerable.vulnerable_unexplained,
    contacts.contact_ladder,
)
SITE_RULES = frozenset({R.PATTERN_CO_ABSENCE_GROUP})
PUPIL_RULES = ENGINE_RULES - SITE_RULES
LESSON_RULES = frozenset({R.PATTERN_SUBJECT, R.PATTERN_TEACHER, R.PATTERN_PE_SWIMMING,
                          R.PATTERN_MISSING_LESSONS_ON_SITE, R.PATTERN_CO_ABSENCE_GROUP})
# Pupils per batch: bounds the temporary arrays (a few int32 per session per pupil).
BATCH_ROWS = 20_000


@dataclass
class EvaluationPart:
    """Candidates and the scope they answer for (what `alerts_sync` is called with)."""

    scope: EvaluationScope
    candidates: list[AlertCandidate]


@dataclass
class Evaluation:
    today: dt.date
    parts: list[EvaluationPart] = field(default_factory=list)
    pupils: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def candidates(self) -> list[AlertCandidate]:
        return [c for part in self.parts for c in part.candidates]


class _Clock:
    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds, self.last = seconds, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self.last, 4)
        self.last = now


def evaluate_full(*, today: dt.date, organisation=None, site=None, now: dt.datetime | None = None) -> list[AlertCandidate]:
    """Every rule for every pupil on roll at `site`, in `organisation`, or (neither given)
    everywhere."""
    return evaluation_run(
        today=today, now=now, site_id=getattr(site, "pk", site),
        organisation_ids=None if organisation is None else [getattr(organisation, "pk", organisation)],
    ).candidates


def evaluate_pupils(*, pupil_ids: Sequence[int], today: dt.date, lessons_changed: bool = True,
                    now: dt.datetime | None = None) -> list[AlertCandidate]:
    """Every per-pupil rule for these pupils; with `lessons_changed`, the co-absence groups of
    their sites too (a lesson mark can join or split a group anywhere on the site)."""
    return evaluation_run(today=today, pupil_ids=pupil_ids, lessons_changed=lessons_changed, now=now).candidates


def evaluation_run(**arguments) -> Evaluation:
    """Evaluate and return the candidates with their scopes (see the module docstring).
    Arguments: today, and organisation_ids | site_id | pupil_ids, lessons_changed,
    now (see `_evaluation_run`)."""
    # A full run makes hundreds of thousands of small objects that all live to the end:
    # the cyclic garbage collector would scan them again and again for nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _evaluation_run(**arguments)
    finally:
        if enabled:
            gc.enable()


def _evaluation_run(
    *,
    today: dt.date,
    organisation_ids: Sequence[int] | None = None,
    site_id: int | None = None,
    pupil_ids: Sequence[int] | None = None,
    lessons_changed: bool = True,
    now: dt.datetime | None = None,
) -> Evaluation:
    """`now`: the moment of the evaluation (the escalation ladder counts hours, and contact
    attempts count up to it); the end of `today` in England when not given."""
    from safewell.schools.models import Organisation, Site

    evaluation = Evaluation(today=today)
    clock = _Clock(evaluation.seconds)
    full = pupil_ids is None
    everywhere = full and site_id is None and organisation_ids is None
    if site_id is not None:
        organisation_ids = [Site.objects.values_list("organisation_id", flat=True).get(pk=site_id)]
    elif full and organisation_ids is None:
        organisation_ids = list(Organisation.objects.values_list("id", flat=True))
    roll = S.roll_on(today=today, organisation_ids=organisation_ids if full else None, site_id=site_id,
                     pupil_ids=None if full else pupil_ids)
    if not full:
        organisation_ids = sorted(set(roll.organisation_ids.tolist()))
    years = S.years_in_force(organisation_ids, today)
    roll = roll.take(np.flatnonzero(np.isin(roll.organisation_ids, list(years))))
    thresholds = thresholds_for_organisations(organisation_ids)
    clock.lap("roll_years_profiles")
    on_roll_organisations = set(roll.organisation_ids.tolist())
    stores = S.stores_by_length(S.stores_load(
        {y.current_id: len(y.current) for o, y in years.items() if o in on_roll_organisations},
        pupil_ids=None if full else roll.pupil_ids.tolist(), site_id=site_id,
    ))
    clock.lap("stores")
    context = _Context.load(today=today, roll=roll, years=years, thresholds=thresholds, full=full,
                            organisation_ids=organisation_ids,
                            now=now or dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=LONDON))
    clock.lap("context")
    candidates = _evaluate_pupils(context, stores, clock)
    evaluation.pupils = len(roll)
    if full:
        sites = _site_ids_of(organisation_ids, site_id)
        candidates += _co_absence(context, sites, site_roll=None)
        clock.lap("co_absence")
        if everywhere or len(organisation_ids) == 1:
            # One scope: everything, one organisation, or one site of it.
            scope = EvaluationScope(today=today, organisation_id=None if everywhere else organisation_ids[0],
                                    site_id=site_id, pupil_ids=None, rule_ids=ENGINE_RULES)
            evaluation.parts.append(EvaluationPart(scope, candidates))
            return evaluation
        by_organisation: dict[int, list[AlertCandidate]] = {o: [] for o in organisation_ids}
        for candidate in candidates:
            by_organisation[context.organisation_of_site[candidate.site_id]].append(candidate)
        for organisation_id, found in by_organisation.items():
            scope = EvaluationScope(today=today, organisation_id=organisation_id, pupil_ids=None, rule_ids=ENGINE_RULES)
            evaluation.parts.append(EvaluationPart(scope, found))
        return evaluation
    touched = frozenset(int(p) for p in pupil_ids)
    evaluation.parts.append(EvaluationPart(
        EvaluationScope(today=today, pupil_ids=touched, rule_ids=PUPIL_RULES), candidates,
    ))
    if lessons_changed:
        for site in sorted(set(roll.site_ids.tolist())):
            site_roll = S.roll_on(today=today, site_id=site).pupil_ids
            group = _co_absence(context, [site], site_roll=site_roll)
            evaluation.parts.append(EvaluationPart(
                EvaluationScope(today=today, site_id=site, organisation_id=context.organisation_of_site[site],
                                pupil_ids=None, rule_ids=SITE_RULES), group,
            ))
        clock.lap("co_absence")
    return evaluation


def _site_ids_of(organisation_ids: Sequence[int], site_id: int | None) -> list[int]:
    from safewell.schools.models import Site

    if site_id is not None:
        return [site_id]
    return list(Site.objects.filter(organisation_id__in=list(organisation_ids)).values_list("id", flat=True))


# --- Loading what the rules need beside the marks ----------------------------------------------


@dataclass
class _Context:
    today: dt.date
    roll: S.Roll
    years: dict[int, S.Years]
    thresholds: dict[int, Thresholds]
    calendars: dict
    organisation_of_site: dict[int, int]
    now: dt.datetime
    whereabouts_known_on: np.ndarray  # datetime64[D] per roll row, NaT when never
    sites: dict  # {site id: Site}: register close times (the escalation ladder)
    vulnerable: dict[int, Vulnerability]
    young_carers: set[int]
    lessons: S.LessonMarks | None
    timelines: dict = field(default_factory=dict)

    @classmethod
    def load(cls, *, today, roll, years, thresholds, full, organisation_ids, now) -> _Context:
        pupil_filter = {} if full else {"pupil_ids": roll.pupil_ids.tolist()}
        org_filter = {"organisation_ids": organisation_ids} if full else {}
        site_ids = sorted(set(roll.site_ids.tolist()))
        # Only sites with a pupil on roll have anything to evaluate (co-absence included).
        organisation_of_site = dict(zip(roll.site_ids.tolist(), roll.organisation_ids.tolist()))
        calendars = S.site_calendars(organisation_of_site, years)
        markers = set().union(*(t.vulnerable_if for t in thresholds.values())) if thresholds else set()
        vulnerable_found = vulnerable_pupils(today=today, markers=markers, **pupil_filter, **org_filter) \
            if any(t.runs(R.VULNERABLE_UNEXPLAINED_ABSENCE) for t in thresholds.values()) else {}
        known = S.whereabouts_known_on(pupil_ids=None if full else roll.pupil_ids.tolist(), until=now)
        lateness_on = any(t.runs(R.PATTERN_LATENESS) for t in thresholds.values())
        carers = S.young_carers(today=today, **pupil_filter, **org_filter) if lateness_on else set()
        context = cls(
            today=today, roll=roll, years=years, thresholds=thresholds, calendars=calendars,
            organisation_of_site=organisation_of_site,
            now=now, whereabouts_known_on=known.dates_for(roll.pupil_ids),
            sites=S.sites_by_id(site_ids),
            vulnerable=vulnerable_found,
            young_carers=carers, lessons=None,
        )
        context.lessons = context._lessons(site_ids if not full else sorted(organisation_of_site), full)
        return context

    def timeline(self, site_id: int, *, tail: bool) -> Timeline | None:
        calendar = self.calendars.get(site_id)
        if calendar is None:
            return None
        year = self.years[self.organisation_of_site[site_id]]
        key = (id(calendar), tail and year.previous is not None)
        if key not in self.timelines:
            self.timelines[key] = timeline_build(calendar, year.current, year.previous, self.today, tail=key[1])
        return self.timelines[key]

    def _lessons(self, site_ids: list[int], full: bool) -> S.LessonMarks | None:
        wanted = [s for s in site_ids if self.thresholds[self.organisation_of_site[s]].enabled & LESSON_RULES]
        if not wanted:
            return None
        since = min(self._lesson_start(s) for s in wanted)
        return S.lesson_marks_between(site_ids=wanted, start=since, end=self.today,
                                      pupil_ids=None if full else self.roll.pupil_ids.tolist())

    def _lesson_start(self, site_id: int) -> dt.date:
        timeline = self.timeline(site_id, tail=True)
        th = self.thresholds[self.organisation_of_site[site_id]]
        if timeline is None or timeline.week_count == 0:
            return self.today
        return timeline.monday_of_week(max(0, timeline.week_count - th.lesson_school_weeks))


# --- Per-pupil rules -----------------------------------------------------------------------------


def _evaluate_pupils(context: _Context, stores: dict[int, S.Stores], clock: _Clock) -> list[AlertCandidate]:
    plans = _groups(context, range(len(context.roll)))
    clock.lap("grouping")
    found: list[AlertCandidate] = []
    previous = _previous_stores(context, [r for rows, _, _, tail_all in plans if tail_all for r in rows])
    again: list[int] = []
    for rows, site_id, organisation_id, tail_all in plans:
        for start in range(0, len(rows), BATCH_ROWS):
            chunk = np.array(rows[start : start + BATCH_ROWS])
            batch = _batch(context, chunk, site_id, organisation_id, stores, previous, tail=tail_all)
            wanted = np.zeros(len(chunk), dtype=bool)
            for rule in RULES:
                result = rule(batch)
                found += result.candidates
                if result.needs_tail is not None and not tail_all:
                    wanted |= result.needs_tail
            again += chunk[wanted].tolist()
    clock.lap("rules")
    if again:
        # Pass 2: these pupils' answers may reach into last year: evaluate them again with
        # the previous year's tail on the timeline, and keep only that answer.
        previous = _previous_stores(context, again)
        redone = set(context.roll.pupil_ids[again].tolist())
        found = [c for c in found if c.pupil_id not in redone]
        for rows, site_id, organisation_id, _ in _groups(context, sorted(again)):
            for start in range(0, len(rows), BATCH_ROWS):
                chunk = np.array(rows[start : start + BATCH_ROWS])
                batch = _batch(context, chunk, site_id, organisation_id, stores, previous, tail=True)
                for rule in RULES:
                    found += rule(batch).candidates
        clock.lap("rules_with_last_year")
    return found


def _groups(context: _Context, rows) -> list[tuple[list[int], int, int, bool]]:
    """Rows grouped by what a batch shares: one timeline (the same calendar object) and one
    set of thresholds. Each group: (rows, a site of it, an organisation of it, whether the
    whole group needs last year's tail because the windows reach back past the year's start)."""
    roll = context.roll
    rows = np.asarray(list(rows), dtype=np.int64)
    sites, inverse = np.unique(roll.site_ids[rows], return_inverse=True)
    keys: list[tuple[int, int] | None] = []
    for site_id in sites.tolist():
        calendar = context.calendars.get(site_id)
        organisation_id = context.organisation_of_site[site_id]
        keys.append(None if calendar is None else (id(calendar), id(context.thresholds[organisation_id])))
    key_ids = {key: i for i, key in enumerate(dict.fromkeys(k for k in keys if k is not None))}
    group_of_site = np.array([key_ids[k] if k is not None else -1 for k in keys], dtype=np.int64)
    group_of_row = group_of_site[inverse] if len(rows) else np.zeros(0, dtype=np.int64)
    plans = []
    for group in range(len(key_ids)):
        members = rows[group_of_row == group]
        if not len(members):
            continue
        first = int(members[0])
        site_id, organisation_id = int(roll.site_ids[first]), int(roll.organisation_ids[first])
        plain = context.timeline(site_id, tail=False)
        tail_all = (context.years[organisation_id].previous is not None
                    and plain.week_count <= context.thresholds[organisation_id].longest_window_weeks)
        plans.append((members.tolist(), site_id, organisation_id, tail_all))
    return plans


def _previous_stores(context: _Context, rows: list[int]) -> dict[int, S.Stores]:
    if not rows:
        return {}
    roll = context.roll
    organisations = set(roll.organisation_ids[rows].tolist())
    lengths = {context.years[o].previous_id: len(context.years[o].previous) for o in organisations
               if context.years[o].previous is not None}
    return S.stores_by_length(S.stores_load(lengths, pupil_ids=roll.pupil_ids[rows].tolist()))


def _batch(context: _Context, rows: np.ndarray, site_id: int, organisation_id: int,
           stores: dict[int, S.Stores], previous: dict[int, S.Stores], *, tail: bool) -> SiteBatch:
    roll = context.roll
    years = context.years[organisation_id]
    timeline = context.timeline(site_id, tail=tail)
    pupil_ids = roll.pupil_ids[rows]
    marks = np.zeros((len(rows), timeline.columns), dtype=np.uint8)
    tail_length = timeline.tail_length
    # The stores are merged by year length (selectors.stores_by_length): every row of a batch
    # shares the timeline, so the same year length, whatever its organisation.
    current = stores.get(len(years.current))
    if current is not None:
        found = current.rows_of(pupil_ids)
        has = np.flatnonzero(found >= 0)
        if len(has):
            marks[has, tail_length:] = current.marks[found[has]][:, timeline.year_indexes]
    if tail_length:
        marks[:, :tail_length] = F.NOT_ON_ROLL
        last_year = previous.get(len(years.previous)) if years.previous is not None else None
        if last_year is not None:
            found = last_year.rows_of(pupil_ids)
            has = np.flatnonzero(found >= 0)
            if len(has):
                marks[has, :tail_length] = last_year.marks[found[has]][:, timeline.tail_indexes]
    before_admission = timeline.dates[None, :] < roll.admitted[rows][:, None]
    marks[before_admission] = F.NOT_ON_ROLL
    if timeline.today_day is not None:
        today = slice(int(timeline.day_starts[timeline.today_day]), timeline.columns)
        part = marks[:, today]
        part[part == 0] = F.PENDING
        marks[:, today] = part
    vulnerable_here = {int(p): context.vulnerable[int(p)] for p in pupil_ids if int(p) in context.vulnerable}
    th = context.thresholds[organisation_id]
    if vulnerable_here:
        wanted = set(th.vulnerable_if) | {"social_worker"}
        vulnerable_here = {p: v for p, v in vulnerable_here.items() if wanted & set(v.kinds)}
    return SiteBatch(
        site_ids=roll.site_ids[rows], timeline=timeline, thresholds=th, pupil_ids=pupil_ids,
        group_ids=roll.group_ids[rows], marks=marks, whereabouts_known_on=context.whereabouts_known_on[rows],
        vulnerable=vulnerable_here,
        lessons=context.lessons, previous_year_exists=years.previous is not None,
        admitted=roll.admitted[rows], young_carers=context.young_carers, now=context.now, sites=context.sites,
    )


# --- Site rules ------------------------------------------------------------------------------------


def _co_absence(context: _Context, site_ids: Sequence[int], *, site_roll: np.ndarray | None) -> list[AlertCandidate]:
    out: list[AlertCandidate] = []
    for site_id in site_ids:
        organisation_id = context.organisation_of_site.get(site_id)
        if organisation_id is None or organisation_id not in context.years:
            continue
        th = context.thresholds[organisation_id]
        timeline = context.timeline(site_id, tail=True)
        if timeline is None or not th.runs(R.PATTERN_CO_ABSENCE_GROUP):
            continue
        since = timeline.monday_of_week(max(0, timeline.week_count - th.co_absence_school_weeks)) \
            if timeline.week_count else context.today
        if site_roll is None:
            marks = context.lessons
            on_roll = context.roll.pupil_ids[context.roll.site_ids == site_id]
        else:
            marks = S.lesson_marks_between(site_ids=[site_id], start=since, end=context.today)
            on_roll = site_roll
        if marks is None or len(marks) == 0:
            continue
        here = marks.take(np.flatnonzero(marks.column("site_id") == site_id))
        out += lessons.co_absence_groups(site_id=site_id, marks=here, on_roll=on_roll, thresholds=th,
                                         year_name=timeline.year.name, since=since)
    return out


# --- Evaluate and write the alerts ----------------------------------------------------------------


@dataclass
class SyncReport:
    """What one evaluation changed: the `alerts_sync` results of its parts, merged."""

    evaluation: Evaluation
    results: list = field(default_factory=list)

    def ids(self, name: str) -> list[int]:
        return [i for result in self.results for i in getattr(result, name, [])]


def evaluate_and_sync(*, today: dt.date, now: dt.datetime, organisation_ids: Sequence[int] | None = None,
                      site_id: int | None = None, pupil_ids: Sequence[int] | None = None,
                      lessons_changed: bool = True, cause: str = "", notify: bool = True) -> SyncReport:
    """Evaluate and write the alerts in one transaction (design.md principle 4). `cause`,
    in words, is why it ran ("a register was saved"): alerts that resolve themselves say so.
    `notify=False` replays history: the alerts are written, nobody is told of the past."""
    from safewell.policy.alerts import alerts_sync

    # No savepoint of its own: inside a caller's transaction (the register hook's savepoint)
    # it joins it; called alone it opens the transaction.
    with transaction.atomic(savepoint=False):
        evaluation = evaluation_run(today=today, now=now, organisation_ids=organisation_ids, site_id=site_id,
                                    pupil_ids=pupil_ids, lessons_changed=lessons_changed)
        clock = _Clock(evaluation.seconds)
        report = SyncReport(evaluation)
        for part in evaluation.parts:
            report.results.append(alerts_sync(candidates=part.candidates, scope=part.scope, now=now,
                                              cause=cause, notify=notify))
        clock.lap("alerts_sync")
    return report
