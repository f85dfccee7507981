"""Lesson patterns over the last school weeks (seed 004, "The DSL and staff considerations"):
- pattern_subject / pattern_teacher: one subject's (one teacher's) lessons missed far more
  than the pupil's other lessons ("is this more than avoidance of a subject or a teacher?");
- pattern_pe_swimming: PE or swimming missed more than other lessons ("is the lesson being
  missed one that would cause bruising or injuries to become visible?");
- pattern_missing_lessons_on_site: lessons missed on a session the pupil was registered
  present ("does the child remain on the school site?");
- pattern_co_absence_group: pupils repeatedly missing the same lessons together ("are other
  students routinely missing the same lessons?"), found as co-absence clusters over the
  whole site, not pupil by pupil: a pupils × lesson-occurrence matrix A of unauthorised
  lesson absences (G N O U), co-occurrence counts A @ A.T, and groups as the connected
  components of the pairs that missed at least `co_absence_min_shared` lessons together.

Counts come from grouped bincounts over the lesson-mark columns. Thresholds are product
defaults [U]. Episodes: one a school year per subject, teacher, PE, on site; a co-absence
group is its set of members, raised as one group alert (no pupil; every member a peer).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine.batch import RuleResult, SiteBatch
from safewell.policy.engine.candidates import AlertCandidate
from safewell.policy.engine.selectors import LessonMarks
from safewell.policy.engine.thresholds import Thresholds

SOURCE_SUBJECT = "Seed 004: 'Are there patterns in the lessons that are being missed? Is this more than avoidance of a subject or a teacher?' Thresholds [U]."
SOURCE_TEACHER = "Seed 004: 'Is this more than avoidance of a subject or a teacher?'; 'Are there specific lessons or members of staff on these days?' Thresholds [U]."
SOURCE_PE = "Seed 004: 'Is the lesson being missed one that would cause bruising or injuries to become visible?' (PE, swimming). Thresholds [U]."
SOURCE_ON_SITE = "Seed 004: 'Does the child remain on the school site or are they absent from the site? Is the child/student being exploited during this time?' Thresholds [U]."
SOURCE_CO_ABSENCE = (
    "Seed 004: 'Are other students routinely missing the same lessons and does this raise other risks or "
    "concerns such as sexual violence/sexual harm between children/students, exploitation, gang behaviour "
    "or substance misuse?' Found as co-absence clusters; thresholds [U]."
)


def _lesson_evidence(marks: LessonMarks, rows: np.ndarray, with_pupil: bool = False) -> list[dict]:
    out = []
    order = np.lexsort((marks.lesson_id[rows], marks.date[rows]))
    for i in rows[order]:
        info = marks.lessons[int(marks.lesson_id[i])]
        item = {"date": str(marks.date[i]), "period": info.period, "session": "PM" if info.is_pm else "AM",
                "subject": info.subject, "teacher": info.teacher, "class": info.teaching_class,
                "lesson": info.lesson_id, "code": F.code_text(int(marks.code[i]))}
        if with_pupil:
            item["pupil"] = int(marks.pupil_id[i])
        out.append(item)
    return out


def _batch_lessons(batch: SiteBatch, since) -> tuple[LessonMarks, np.ndarray] | None:
    """The batch's lesson marks from `since` (a date) to today, with the batch row of each."""
    marks = batch.lessons
    if marks is None or len(marks) == 0 or len(batch) == 0:
        return None
    rows = np.minimum(np.searchsorted(batch.pupil_ids, marks.pupil_id), len(batch.pupil_ids) - 1)
    mine = (batch.pupil_ids[rows] == marks.pupil_id) & (marks.code != 0) & (marks.date >= np.datetime64(since, "D"))
    keep = np.flatnonzero(mine)
    if not len(keep):
        return None
    return marks.take(keep), rows[keep]


def _grouped(batch: SiteBatch, rows: np.ndarray, group: np.ndarray, missed: np.ndarray,
             minimum: int, ratio: float) -> list[tuple[int, int, int, int, int, int]]:
    """(row, group, missed, lessons, other missed, other lessons) where one group's lessons
    were missed at least `minimum` times and at least `ratio` times as often as the pupil's
    other lessons (any rate beats none: a pupil who misses no other lesson qualifies)."""
    groups, group_index = np.unique(group, return_inverse=True)
    size = len(groups)
    key = rows * size + group_index
    n = np.bincount(key, minlength=len(batch) * size).reshape(len(batch), size)
    m = np.bincount(key, weights=missed.astype(np.int64), minlength=len(batch) * size).astype(np.int64).reshape(len(batch), size)
    n_other, m_other = n.sum(axis=1, keepdims=True) - n, m.sum(axis=1, keepdims=True) - m
    met = (m >= minimum) & (n_other > 0) & (m * n_other >= ratio * m_other * n)
    return [(int(r), int(groups[g]), int(m[r, g]), int(n[r, g]), int(m_other[r, g]), int(n_other[r, g]))
            for r, g in zip(*np.nonzero(met))]


def subject_and_teacher(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    for rule_id, column, what, weeks, minimum, ratio, source in (
        (R.PATTERN_SUBJECT, "subject_id", "subject", th.subject_school_weeks, th.subject_min_missed,
         th.subject_min_ratio, SOURCE_SUBJECT),
        (R.PATTERN_TEACHER, "teacher_id", "teacher", th.teacher_school_weeks, th.teacher_min_missed,
         th.teacher_min_ratio, SOURCE_TEACHER),
    ):
        loaded = _batch_lessons(batch, batch.weeks_back(weeks)) if th.runs(rule_id) else None
        if loaded is None:
            continue
        marks, rows = loaded
        missed = F.LESSON_ABSENT[marks.code]
        group = marks.column(column)
        usable = group >= 0
        for row, value, m, n, m_other, n_other in _grouped(batch, rows[usable], group[usable], missed[usable], minimum, ratio):
            which = np.flatnonzero((rows == row) & (group == value) & missed)
            info = marks.lessons[int(marks.lesson_id[which[0]])]
            label = info.subject if what == "subject" else info.teacher
            result.candidates.append(batch.candidate(
                rule_id, row, f"{batch.year_name}:{what}:{value}",
                {what: label, f"{what}_id": value, "missed": m, "lessons": n, "other_missed": m_other,
                 "other_lessons": n_other, "school_weeks": weeks, "lessons_missed": _lesson_evidence(marks, which)},
                f"Missed {m} of {n} lessons " + ("of " if what == "subject" else "taught by ") + label
                + f" in the last {weeks} school weeks, against {m_other} of {n_other} other lessons.",
                source,
            ))
    return result


def pe_swimming(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    loaded = _batch_lessons(batch, batch.weeks_back(th.pe_school_weeks)) if th.runs(R.PATTERN_PE_SWIMMING) else None
    if loaded is None:
        return result
    marks, rows = loaded
    body = marks.column("uncovers_body").astype(np.int64)
    missed = F.LESSON_ABSENT[marks.code]
    for row, value, m, n, m_other, n_other in _grouped(batch, rows, body, missed, th.pe_min_missed, th.pe_min_ratio):
        if value != 1:
            continue
        which = np.flatnonzero((rows == row) & (body == 1) & missed)
        subjects = sorted({marks.lessons[int(marks.lesson_id[i])].subject for i in which})
        result.candidates.append(batch.candidate(
            R.PATTERN_PE_SWIMMING, row, f"{batch.year_name}:pe",
            {"subjects": subjects, "missed": m, "lessons": n, "other_missed": m_other, "other_lessons": n_other,
             "school_weeks": th.pe_school_weeks, "lessons_missed": _lesson_evidence(marks, which)},
            f"Missed {m} of {n} {' and '.join(subjects)} lessons in the last {th.pe_school_weeks} school weeks "
            f"(other lessons: {m_other} of {n_other}). Could these be lessons where bruising or injuries would show?",
            SOURCE_PE,
        ))
    return result


def missing_lessons_on_site(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    rule = R.PATTERN_MISSING_LESSONS_ON_SITE
    loaded = _batch_lessons(batch, batch.days_back(th.on_site_school_days)) if th.runs(rule) else None
    if loaded is None:
        return result
    marks, rows = loaded
    columns = batch.timeline.column_of(marks.date, marks.column("is_pm"))
    session_byte = np.where(columns >= 0, batch.marks[rows, np.maximum(columns, 0)], F.NOT_ON_ROLL)
    truant = F.LESSON_ABSENT[marks.code] & F.ON_SITE[session_byte] & (columns >= 0)
    counts = np.bincount(rows[truant], minlength=len(batch))
    for row in np.flatnonzero(counts >= th.on_site_min_missed):
        which = np.flatnonzero(truant & (rows == row))
        result.candidates.append(batch.candidate(
            rule, int(row), batch.year_name,
            {"lessons_missed_while_registered_present": int(counts[row]), "school_days": th.on_site_school_days,
             "lessons_missed": _lesson_evidence(marks, which)},
            f"Registered present but missed {int(counts[row])} lessons in the last {th.on_site_school_days} school "
            "days: where was the child during them?",
            SOURCE_ON_SITE,
        ))
    return result


# --- Co-absence clusters ------------------------------------------------------------------------

# Rows × occurrences per block of the dense product, to bound memory (float32: 4 bytes each).
_BLOCK_CELLS = 20_000_000


def co_absence_groups(
    *, site_id: int, marks: LessonMarks, on_roll: np.ndarray, thresholds: Thresholds, year_name: str,
    since,
) -> list[AlertCandidate]:
    """The co-absence groups of one site: pupils each of whom missed (G/N/O/U) at least
    `co_absence_min_shared` of the same lesson occurrences as another member, since `since`."""
    th = thresholds
    if not th.runs(R.PATTERN_CO_ABSENCE_GROUP) or len(marks) == 0:
        return []
    unauthorised = (F.LESSON_UNAUTHORISED[marks.code] & np.isin(marks.pupil_id, on_roll)
                    & (marks.date >= np.datetime64(since, "D")))
    pupils, per_pupil = np.unique(marks.pupil_id[unauthorised], return_counts=True)
    candidates = pupils[per_pupil >= th.co_absence_min_shared]
    keep = unauthorised & np.isin(marks.pupil_id, candidates)
    if not keep.any():
        return []
    occurrences, per_occurrence = np.unique(marks.register_id[keep], return_counts=True)
    shared = occurrences[per_occurrence >= 2]
    keep &= np.isin(marks.register_id, shared)
    if not keep.any():
        return []
    p_index = np.searchsorted(candidates, marks.pupil_id[keep])
    o_index = np.searchsorted(shared, marks.register_id[keep])
    a = np.zeros((len(candidates), len(shared)), dtype=np.float32)
    a[p_index, o_index] = 1.0
    pairs = _pairs_over(a, th.co_absence_min_shared)
    groups = _components(len(candidates), pairs)
    out = []
    for members in groups:
        if len(members) < th.co_absence_min_group:
            continue
        ids = [int(candidates[m]) for m in members]
        together = a[members].sum(axis=0) >= 2
        rows = np.flatnonzero(keep)[np.isin(o_index, np.flatnonzero(together)) & np.isin(p_index, members)]
        pair_counts = {f"{int(candidates[i])}-{int(candidates[j])}": int(c) for i, j, c in pairs if i in members}
        lessons = _lesson_evidence(marks, rows, with_pupil=True)
        occurrences_together = int(together.sum())
        out.append(AlertCandidate.of_rule(
            rule_id=R.PATTERN_CO_ABSENCE_GROUP, pupil_id=None, site_id=site_id,
            episode_key="group:" + "-".join(str(i) for i in ids), severity=th.severity_of(R.PATTERN_CO_ABSENCE_GROUP),
            evidence={"rule": R.PATTERN_CO_ABSENCE_GROUP, "members": ids,
                      "lessons_missed_together": occurrences_together, "pairs": pair_counts,
                      "school_weeks": th.co_absence_school_weeks, "minimum_shared": th.co_absence_min_shared,
                      "lessons_missed": lessons, "year": year_name},
            explanation=(f"{len(ids)} pupils missed the same lessons together {occurrences_together} times in the last "
                         f"{th.co_absence_school_weeks} school weeks (unauthorised). Is there a risk between them or "
                         "to them (exploitation, harm between children, substance misuse)?"),
            source=SOURCE_CO_ABSENCE, peers=ids,
        ))
    return out


def _pairs_over(a: np.ndarray, minimum: int) -> list[tuple[int, int, int]]:
    """(i, j, shared) for i < j with (A @ A.T)[i, j] ≥ minimum, in row blocks."""
    found: list[tuple[int, int, int]] = []
    rows = a.shape[0]
    block = max(1, _BLOCK_CELLS // max(1, a.shape[1]))
    for start in range(0, rows, block):
        product = a[start : start + block] @ a.T
        i, j = np.nonzero(product >= minimum)
        i = i + start
        upper = i < j
        found += [(int(x), int(y), int(round(product[x - start, y]))) for x, y in zip(i[upper], j[upper])]
    return found


def _components(count: int, pairs: list[tuple[int, int, int]]) -> list[list[int]]:
    """Connected components of the pair graph (union-find), each sorted, ordered by first member."""
    parent = list(range(count))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, j, _ in pairs:
        groups[root(i)]
    for x in range(count):
        if root(x) in groups:
            groups[root(x)].append(x)
    return sorted((sorted(set(g)) for g in groups.values()), key=lambda g: g[0])
