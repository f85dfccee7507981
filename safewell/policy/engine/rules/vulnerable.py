"""vulnerable_unexplained_absence: a child with a social worker, looked after, on a child
protection plan (or with an open case, or who has gone missing before: markers the
safeguarding app registers) has an unexplained absence: the
DSL is alerted that morning, and the social worker or virtual school is told the same day.

Unexplained: the child is in an absence episode (attendance/episodes.py, the definition the
calling list and the escalation ladder read): a run of N or O sessions on closed registers,
which a register not taken, or no mark for the child, neither ends nor extends (that is the
missing-registers board's business). One alert per episode, named by its first session: it
gathers the sessions while the absence goes on, and is no longer met once the run ends (a
reason recorded, the child back).

Who is to be told is in the evidence (`tell`): the professionals on the pupil's record
(social worker, virtual school, youth justice worker). Delivering it is the alerts
module's job.
"""

from __future__ import annotations

import numpy as np

from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine.batch import RuleResult, SiteBatch
from safewell.policy.engine.timeline import to_date

SOURCE_VULNERABLE = (
    "Children with a social worker (CIN, CP plan), looked after, or with an open case: unexplained absence "
    "is told to the social worker (and the virtual school for a looked-after child; the youth justice "
    "worker too) the same day (WTTISA para 52 via Enfield and Oxfordshire, statutory.md §3.6 and §5.1 [S]; "
    "virtual schools §5.2 [S], local practice); the DSL is informed immediately (seed 000 §5)."
)
# Each follows "of a child …" in the explanation.
KIND_LABELS = {
    "child_protection_plan": "on a child protection plan",
    "child_in_need": "in need (section 17)",
    "looked_after": "looked after",
    "social_worker": "with an allocated social worker",
    # Registered by the safeguarding app (pupils/vulnerability.py, register_vulnerability_markers).
    "open_case": "with an open safeguarding case",
    "previous_missing_episode": "who has gone missing before",
}


def vulnerable_unexplained(batch: SiteBatch) -> RuleResult:
    th = batch.thresholds
    result = RuleResult()
    t = batch.timeline
    if not th.runs(R.VULNERABLE_UNEXPLAINED_ABSENCE) or not batch.vulnerable or t.day_count == 0:
        return result
    count = batch.episodes[0]
    rows = np.flatnonzero(np.isin(batch.pupil_ids, list(batch.vulnerable)) & (count > 0))
    for row in rows.tolist():
        columns = batch.episode_columns(row)
        vulnerability = batch.vulnerable[int(batch.pupil_ids[row])]
        first, latest = to_date(t.dates[columns[0]]), to_date(t.dates[columns[-1]])
        session_list = [{"date": t.date_texts[c], "session": t.session_texts[c],
                         "code": F.code_text(int(batch.marks[row, c]))} for c in columns]
        who = [f"{p['name']} ({p['role'].replace('_', ' ')}, {p['organisation']})" for p in vulnerability.tell]
        labels = [KIND_LABELS.get(k, k.replace("_", " ")) for k in vulnerability.kinds]
        kinds = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
        since = (f"on {first:%A %-d %B %Y}" if first == latest else
                 f"since {first:%A %-d %B %Y} ({len(columns)} sessions)")
        result.candidates.append(batch.candidate(
            R.VULNERABLE_UNEXPLAINED_ABSENCE, row, batch.episode_key(row),
            {"date": first.isoformat(), "vulnerability": list(vulnerability.kinds), "sessions": session_list,
             "tell": [dict(p) for p in vulnerability.tell], "tell_by": latest.isoformat(),
             "notify_roles": sorted({p["role"] for p in vulnerability.tell}) or ["social_worker"]},
            f"Unexplained absence {since} of a child {kinds}: the DSL to look now; "
            + (f"tell {', '.join(who)} today." if who else
               "no social worker or virtual school is recorded for this child: find out who to tell today."),
            SOURCE_VULNERABLE,
        ))
    return result
