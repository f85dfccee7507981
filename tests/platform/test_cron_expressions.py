"""The cron matcher, against the rules of crontab(5): five fields, `*`, lists, ranges, steps;
0 and 7 are Sunday; when both day fields are restricted, either one matching is enough."""

from __future__ import annotations

from datetime import datetime

import pytest

from safewell.core.scheduler import CronError, CronExpression

# 2026-11-23 is a Monday; 2026-11-29 a Sunday; 2026-12-01 a Tuesday.
MATCHES = [
    # expression, wall-clock minute, due?
    ("* * * * *", "2026-11-23 00:00", True),
    ("* * * * *", "2026-11-23 23:59", True),
    ("17 3 * * *", "2026-11-23 03:17", True),
    ("17 3 * * *", "2026-11-23 03:18", False),
    ("17 3 * * *", "2026-11-23 15:17", False),
    ("0,30 * * * *", "2026-11-23 10:30", True),
    ("0,30 * * * *", "2026-11-23 10:15", False),
    ("10-12 * * * *", "2026-11-23 10:11", True),
    ("10-12 * * * *", "2026-11-23 10:13", False),
    ("*/15 * * * *", "2026-11-23 10:45", True),
    ("*/15 * * * *", "2026-11-23 10:50", False),
    ("10-30/10 * * * *", "2026-11-23 10:20", True),
    ("10-30/10 * * * *", "2026-11-23 10:25", False),
    ("10-30/10 * * * *", "2026-11-23 10:40", False),
    # N/STEP runs from N to the end of the field.
    ("5/20 * * * *", "2026-11-23 10:45", True),
    ("5/20 * * * *", "2026-11-23 10:40", False),
    ("0 9 * * 1-5", "2026-11-23 09:00", True),  # a Monday
    ("0 9 * * 1-5", "2026-11-29 09:00", False),  # a Sunday
    ("0 9 * * 0", "2026-11-29 09:00", True),
    ("0 9 * * 7", "2026-11-29 09:00", True),  # 7 is Sunday too
    ("0 9 * * 7", "2026-11-23 09:00", False),
    ("0 0 1 * *", "2026-12-01 00:00", True),
    ("0 0 1 * *", "2026-11-23 00:00", False),
    ("0 0 * 12 *", "2026-12-01 00:00", True),
    ("0 0 * 1-6,9 *", "2026-12-01 00:00", False),
    # Both day fields restricted: the 1st of the month OR a Monday.
    ("0 9 1 * 1", "2026-11-23 09:00", True),  # a Monday, not the 1st
    ("0 9 1 * 1", "2026-12-01 09:00", True),  # the 1st, a Tuesday
    ("0 9 1 * 1", "2026-12-02 09:00", False),
    # Only one restricted: both must hold (`*/2` counts as unrestricted, as in Vixie cron).
    ("0 9 */2 * 1", "2026-11-23 09:00", True),  # day 23 is odd, so in */2 from 1
    ("0 9 */2 * 1", "2026-11-24 09:00", False),  # day 24, a Tuesday
    ("0 9 * * 1", "2026-12-01 09:00", False),
]


@pytest.mark.parametrize(("expression", "moment", "due"), MATCHES)
def test_cron_matches_the_minutes_crontab_says(expression, moment, due):
    cron = CronExpression.parse(expression)
    assert cron.matches(datetime.fromisoformat(moment)) is due


REFUSED = [
    ("* * * *", "has 4 fields; it needs 5"),
    ("* * * * * *", "has 6 fields; it needs 5"),
    ("60 * * * *", "60 in the minute field"),
    ("* 24 * * *", "24 in the hour field"),
    ("* * 0 * *", "0 in the day-of-month field"),
    ("* * * 13 *", "13 in the month field"),
    ("* * * * 8", "8 in the day-of-week field"),
    ("*/0 * * * *", "step '0' in the minute field"),
    ("30-10 * * * *", "range '30-10' in the minute field"),
    ("a * * * *", "'a' in the minute field"),
    ("1,,2 * * * *", "in the minute field"),
    ("* * * jan *", "'jan' in the month field"),
]


@pytest.mark.parametrize(("expression", "says"), REFUSED)
def test_a_malformed_expression_is_refused_naming_the_field(expression, says):
    with pytest.raises(CronError) as error:
        CronExpression.parse(expression)
    assert says in str(error.value)
