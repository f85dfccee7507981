"""The last demo step: the story pupils' nights after the CME morning (demo/policy.py), then
every rule for every pupil, evaluated once as of now, once all the history (marks, calls,
case work) is in (issue 11 §1: loading or replaying history must not
flood the inbox). What is true now raises one alert per child and concern, and their
notifications go as they would on a working day: urgent ones at once, the rest in the
profile's digest.

"Now" is the real time when the demo's today is today in England; otherwise 09:30 on the
demo's today, after its morning registers.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
MORNING = dt.time(9, 30)


def load(*, today: dt.date) -> None:
    from safewell.demo.policy import cme_story_morning, demo_evaluations_replay
    from safewell.policy.engine.evaluate import evaluate_and_sync

    # The story pupils' nights after the CME morning (demo/policy.py stopped there).
    morning = cme_story_morning()
    if morning is not None:
        demo_evaluations_replay(today=today, since=morning + dt.timedelta(days=1), until_cme=False)
    evaluate_and_sync(today=today, now=demo_now(today), cause="the demo was loaded")


def demo_now(today: dt.date) -> dt.datetime:
    now = timezone.now()
    if timezone.localtime(now, LONDON).date() == today:
        return now
    return dt.datetime.combine(today, MORNING, tzinfo=LONDON)
