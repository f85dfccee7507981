"""The digest: alerts that are not urgent, told together at the profile's digest times
(`alerting.digest_times`, e.g. 08:00 and 13:00 on weekdays), instead of one email each
(issue 11 §3).

At each digest time, each person who receives alerts (the DSL team, the attendance
officers) gets one email naming how many alerts were raised for them since the previous
digest time and still wait, by category, and one line per worklist. Urgent alerts went at
once by the rule's channels (alerts.notifications_queue) and are not repeated; the app
shows every alert at once anyway.

`digests_send(now=…)` runs every few minutes (SAFEWELL_SCHEDULE); a digest is written once
per person and digest time (its `dedupe_key`), so a run that comes late or twice sends it
once. A digest time missed by more than CATCH_UP is skipped: the next one covers its
alerts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from django.db.models import Q

from safewell.accounts.models import User
from safewell.core.outbox import deliver_after_commit
from safewell.policy.models import LIVE_STATES, SEVERITY_RANK, Alert, Channel, Notification, NotificationKind, Severity
from safewell.policy.routing import WORKLIST_RULES, alerting_of, category_of
from safewell.policy.selectors import INBOX_ROLES, alerts_visible_to, worklists_for
from safewell.schools.models import Organisation

LONDON = ZoneInfo("Europe/London")
CATCH_UP = dt.timedelta(hours=1)


def digests_send(*, now: dt.datetime) -> int:
    """Write the digest emails due at `now`. Returns how many were written."""
    local = now.astimezone(LONDON)
    if local.weekday() >= 5:
        return 0
    written = 0
    cache: dict = {}
    for organisation in Organisation.objects.order_by("pk"):
        window = _window(local, alerting_of(organisation, cache=cache).digest_clock())
        if window is None:
            continue
        since, until = window
        if now - until > CATCH_UP:
            continue
        for user in _recipients(organisation):
            written += _digest_for(user, organisation, since, until, now)
    if written:
        deliver_after_commit(Notification)
    return written


def _window(local: dt.datetime, times: list[dt.time]) -> tuple[dt.datetime, dt.datetime] | None:
    """(the previous digest time, the latest one not after `local`), or None before the first."""
    passed = [t for t in times if t <= local.time()]
    if not passed:
        return None
    until = dt.datetime.combine(local.date(), passed[-1], tzinfo=LONDON)
    if len(passed) > 1:
        return dt.datetime.combine(local.date(), passed[-2], tzinfo=LONDON), until
    day = local.date() - dt.timedelta(days=1)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, times[-1], tzinfo=LONDON), until


def _recipients(organisation: Organisation) -> list[User]:
    return list(User.objects.filter(
        is_active=True, memberships__site__organisation=organisation, memberships__role__in=INBOX_ROLES,
    ).exclude(email="").distinct().order_by("pk"))


def _digest_for(user: User, organisation: Organisation, since: dt.datetime, until: dt.datetime,
                now: dt.datetime) -> int:
    key = f"digest:{organisation.pk}:{until:%Y-%m-%dT%H:%M}:email:user:{user.pk}"
    if Notification.objects.filter(dedupe_key=key).exists():
        return 0
    waiting = list(
        alerts_visible_to(user).filter(organisation=organisation, state__in=LIVE_STATES,
                                       raised_at__gt=since, raised_at__lte=until)
        .exclude(Q(severity=Severity.URGENT) | Q(rule_id__in=WORKLIST_RULES))
    )
    worklists = [line for line in worklists_for(user, now=until) if line.new_today]
    if not waiting and not worklists:
        return 0
    lead = max(waiting, key=lambda a: (SEVERITY_RANK.get(a.severity, 0), a.pk)) if waiting else (
        alerts_visible_to(user).filter(rule_id=worklists[0].rule_id, state__in=LIVE_STATES).order_by("-pk").first())
    if lead is None:
        return 0
    Notification.objects.create(
        alert=lead, kind=NotificationKind.DIGEST, recipient=user, address=user.email,
        recipient_label=user.get_full_name() or user.get_username(), channel=Channel.EMAIL,
        alert_count=max(1, len(waiting)), summary=digest_summary(waiting, worklists, since),
        next_attempt_at=now, created_at=now, dedupe_key=key,
    )
    return 1


def digest_summary(waiting: list[Alert], worklists, since: dt.datetime) -> str:
    """The digest's lines: categories only, never a child's name or the evidence."""
    lines = []
    if waiting:
        counts = Counter(category_of(a.rule_id) for a in waiting)
        lines.append(f"{len(waiting)} new alert{'' if len(waiting) == 1 else 's'} since "
                     f"{since.astimezone(LONDON):%A %-d %B at %H:%M}, still waiting:")
        lines += [f"- {category}: {count}" for category, count in sorted(counts.items())]
    if worklists:
        lines.append("Worklists:")
        lines += [f"- {line.words}" for line in worklists]
    return "\n".join(lines)
