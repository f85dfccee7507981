"""The policy evaluation engine (issue 5, parts 2 and 5): the rules, evaluated over the
compact session store as numpy matrices, never pupil by pupil through the ORM.

- `evaluate.evaluate_full(*, today, organisation | site)` and
  `evaluate.evaluate_pupils(*, pupil_ids, today)` return `AlertCandidate`s
  (candidates.py); `evaluate.evaluate_and_sync` also writes them through
  `policy.alerts.alerts_sync` in one transaction.
- hooks.py: a register's marks re-evaluate their pupils in the register's transaction;
  jobs.py: the nightly full run; `safewell evaluate --date D [--site S]` by hand.
- thresholds.py: the profile in force as numbers; flags.py: what each code counts as;
  timeline.py: a site's held sessions as one axis; kernels.py: runs and windows;
  selectors.py: the bulk reads; rules/: the rules.

Evidence (what each candidate carries, for the DSL's alert page). Every candidate has
`rule`; then, as the rule needs:
- `sessions`: [{"date": "2026-11-03", "session": "AM", "code": "N"}, …] — the sessions
  that made it fire (penalty notice, patterns, vulnerable child);
- `dates`: ["2026-11-03", …] — whole school days that made it fire (every session of each:
  runs of absence, illness), with `sessions_by_code` {"N": 18, "no mark": 2};
- `lessons_missed`: [{"date", "period", "session", "subject", "teacher", "class", "lesson",
  "code"(, "pupil" for a group)}, …];
- `members` and `peers` (co-absence groups: the alert has no pupil, every member a peer);
- `period` {"start", "end", "label", "kind"} for persistent and severe absence;
- `tell` [{"role", "name", "organisation", "email", "phone"}] and `tell_by` for a vulnerable
  child: who must be told the same day;
- rule-specific figures (`school_days`, `first_day`, `cme_due_on`, `la_notification_due_on`,
  `twentieth_school_day`, `sessions_in_window`, `school_weeks`, …), plain JSON values.
"""
