"""vulnerable_unexplained_absence: a child with a social worker, looked after, on a child
protection plan (or with an open case, or who has gone missing before: markers the
safeguarding app registers) has an unexplained absence: the
DSL is alerted that morning, and the social worker or virtual school is told the same day.

Unexplained: N or O on the session register, or no mark at all on a register that has
closed (a pupil left off a taken register is as unexplained as an N). A session with no
mark whose register was never closed (not taken, or still open) is not counted: that is
the missing-registers board's business, and it keeps the answer a function of the marks
and the registers' state, so incremental and full evaluation agree. The last few school
days are looked at (N may stand for at most 5 school days, reg 10(7)-(9) [S]), so an alert
raised one morning is still met the next day while the absence is still unexplained, and
is no longer met once a reason is recorded. One alert per school day.

Who is to be told is in the evidence (`tell`): the professionals on the pupil's record
(social worker, virtual school, youth justice worker). Delivering it is the alerts
module's job.
"""

from __future__ import annotations

import numpy as np

from safewell.attendance import codes
from safewell.policy import rule_ids as R
from safewell.policy.engine import flags as F
from safewell.policy.engine.batch import RuleResult, SiteBatch

SOURCE_VULNERABLE = (
    "Children with a social worker (CIN, CP plan), looked after, or with an open case: unexplained absence "
    "is told to the social worker (and the virtual school for a looked-after child; the youth justice "
    "worker too) the same day (WTTISA para 52 via Enfield and Oxfordshire, statutory.md §3.6 and §5.1 [S]; "
    "virtual schools §5.2 [S], local practice); the DSL is informed immediately (seed 000 §5)."
)
_EXPLICIT = np.zeros(256, dtype=bool)
_EXPLICIT[sorted(codes.store_bytes({"N", "O"}))] = True
KIND_LABELS = {
    "child_protection_plan": "on a child protection plan",
    "child_in_need": "in need",
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
    rows = np.flatnonzero(np.isin(batch.pupil_ids, list(batch.vulnerable)))
    if not len(rows):
        return result
    first_day = max(0, t.day_count - th.vulnerable_lookback_school_days)
    start = int(t.day_starts[first_day])
    window = batch.marks[rows, start:]
    unexplained = _EXPLICIT[window]
    unmarked = (window == F.PENDING) | (window == codes.NO_MARK_BYTE)
    if unmarked.any():
        # Sessions with no mark count once the pupil's register has closed.
        keys = [(str(d), "PM" if pm else "AM") for d, pm in zip(t.dates[start:], t.is_pm[start:])]
        closed = np.array([[(int(g), d, s) in batch.closed_registers for d, s in keys] for g in batch.group_ids[rows]],
                          dtype=bool).reshape(unmarked.shape)
        unexplained |= unmarked & closed
    days = t.day_of_column[start:]
    for i, row in enumerate(rows):
        for day in np.unique(days[unexplained[i]]):
            columns = np.flatnonzero((days == day) & unexplained[i]) + start
            pupil_id = int(batch.pupil_ids[row])
            vulnerability = batch.vulnerable[pupil_id]
            date = batch.day_date(int(day))
            session_list = [
                {"date": str(t.dates[c]), "session": "PM" if t.is_pm[c] else "AM",
                 "code": "no mark (register closed)" if batch.marks[row, c] in (F.PENDING, codes.NO_MARK_BYTE)
                 else F.code_text(int(batch.marks[row, c]))}
                for c in columns
            ]
            who = [f"{p['name']} ({p['role'].replace('_', ' ')}, {p['organisation']})" for p in vulnerability.tell]
            labels = [KIND_LABELS.get(k, k) for k in vulnerability.kinds]
            result.candidates.append(batch.candidate(
                R.VULNERABLE_UNEXPLAINED_ABSENCE, int(row), date.isoformat(),
                {"date": date.isoformat(), "vulnerability": list(vulnerability.kinds), "sessions": session_list,
                 "tell": [dict(p) for p in vulnerability.tell], "tell_by": date.isoformat(),
                 "notify_roles": sorted({p["role"] for p in vulnerability.tell}) or ["social_worker"]},
                f"Unexplained absence on {date:%A %-d %B %Y} of a child {' and '.join(labels)}: the DSL to look this "
                "morning; " + (f"tell {', '.join(who)} today." if who else
                               "no social worker or virtual school is recorded for this child: find out who to tell today."),
                SOURCE_VULNERABLE,
            ))
    return result
