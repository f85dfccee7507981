"""Case work for tests, made through the real services as the personas' lead DSL (North).

Every helper takes "now" (UTC) so a test reads as a timeline; `NOW` is a Monday morning in
term (the same as the alerts tests)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from safewell.policy.alerts import alerts_sync
from safewell.policy.engine.candidates import AlertCandidate, EvaluationScope
from safewell.policy.models import Alert
from safewell.safeguarding import services
from safewell.safeguarding.models import Case, CaseKind
from tests.pupils.pupil_factory import make_pupil

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 2)


def london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def case_of(personas, pupil=None, *, kind: str = CaseKind.ABSENCE_CONCERN, actor=None, now: dt.datetime = NOW,
            cme_due_on: dt.date | None = None) -> Case:
    pupil = pupil or make_pupil(personas.north)
    return services.case_open(pupil=pupil, kind=kind, summary="Absent since Wednesday, no contact with the family.",
                              owner=actor or personas.dsl, actor=actor or personas.dsl, now=now,
                              cme_due_on=cme_due_on if kind != CaseKind.CME else (cme_due_on or TODAY))


def alert_of(pupil, *, rule: str = "continuous_absence", evidence: dict | None = None, now: dt.datetime = NOW,
             episode: str = "2026-10-28") -> Alert:
    found = AlertCandidate(
        rule_id=rule, pupil_id=pupil.pk, site_id=pupil.site_id, episode_key=episode, severity="high",
        evidence=evidence if evidence is not None else {"first_day": "2026-10-28", "school_days": 3},
        explanation="Absent without explanation for 3 school days in a row.", source="test",
    )
    scope = EvaluationScope(today=now.date(), organisation_id=pupil.organisation_id, pupil_ids=frozenset({pupil.pk}),
                            rule_ids=frozenset({rule}))
    return Alert.objects.get(pk=alerts_sync(candidates=[found], scope=scope, now=now).opened[0])


def missing_case(personas, pupil=None, *, returned_at: dt.datetime | None = None, now: dt.datetime = NOW):
    """A child missing from care since Saturday evening, on a new case; back at `returned_at`."""
    pupil = pupil or make_pupil(personas.north)
    sighting = services.Sighting(missing_from="care_placement", last_seen_at=london(dt.date(2026, 10, 31), 19),
                                 last_seen_place="The children's home, Example Road", clothing="Grey hoodie, black trainers")
    back = services.Return(returned_at, "returned") if returned_at else None
    return services.missing_episode_record(pupil=pupil, actor=personas.dsl, now=now, sighting=sighting, back=back)
