"""Acknowledgement deadlines count from when a person could first see the alert: the
profile's working hours, or at once when the profile names an out-of-hours contact."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from safewell.policy.profiles import Alerting
from safewell.policy.routing import acknowledge_deadline, first_seen_at

LONDON = ZoneInfo("Europe/London")
HOURS = Alerting()  # 08:00 to 17:30 on weekdays, no out-of-hours contact


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """December 2026: Monday 7, Friday 11, Saturday 12."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=LONDON)


def test_an_alert_raised_at_0230_is_first_seen_at_0800_and_not_overdue_at_0330():
    assert first_seen_at(at(7, 2, 30), HOURS) == at(7, 8)
    assert acknowledge_deadline(at(7, 2, 30), 1, HOURS) == at(7, 9)


def test_an_alert_raised_in_working_hours_counts_from_then():
    assert acknowledge_deadline(at(7, 10, 15), 2, HOURS) == at(7, 12, 15)


def test_an_alert_raised_on_friday_evening_is_first_seen_on_monday_morning():
    assert first_seen_at(at(11, 18), HOURS) == at(14, 8)
    assert first_seen_at(at(12, 11), HOURS) == at(14, 8)


def test_a_deadline_that_falls_out_of_hours_moves_to_the_next_working_morning():
    assert acknowledge_deadline(at(7, 16), 2, HOURS) == at(8, 8)
    assert acknowledge_deadline(at(11, 16), 24, HOURS) == at(14, 8)  # Saturday 16:00 → Monday


def test_a_named_out_of_hours_contact_starts_the_clock_at_once():
    on_call = Alerting(out_of_hours_contact="dsl")
    assert acknowledge_deadline(at(7, 2, 30), 1, on_call) == at(7, 3, 30)


def test_working_hours_that_end_before_they_start_are_refused():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="must start before it ends"):
        Alerting(working_hours_start="18:00", working_hours_end="08:00")


def test_an_alert_raised_at_night_by_the_sync_is_due_from_the_morning(personas, north_pupil):
    from safewell.policy.alerts import alerts_sync
    from safewell.policy.models import Alert
    from tests.policy_alerts.alerts_factory import candidate, full_scope

    alerts_sync(candidates=[candidate(north_pupil)], scope=full_scope(personas), now=at(7, 2, 30))

    alert = Alert.objects.get()
    # No profile installed: the default 24 hours, from 08:00.
    assert alert.raised_at == at(7, 2, 30) and alert.due_by == at(8, 8)
