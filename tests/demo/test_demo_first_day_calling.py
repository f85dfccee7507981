"""The demo's morning of first-day calling (docs/demo.md): the morning registers are taken,
and the attendance officers have a list: the vulnerable child first, then the child absent
yesterday too, a brother and sister as one family; the weeks before have their calls."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from safewell.followup.models import ContactAttempt
from safewell.followup.selectors import calling_list
from safewell.policy.models import Alert
from safewell.schools.models import Site

LONDON = ZoneInfo("Europe/London")


def the_list(code: str, demo: dt.date):
    return calling_list(site=Site.objects.get(code=code), day=demo, now=dt.datetime.combine(demo, dt.time(10), LONDON))


def test_brackenwells_morning_list_puts_the_vulnerable_child_first_and_the_family_together(db, demo):
    families = the_list("brackenwell", demo).families
    assert [e.pupil.display_name for e in families[0].entries] == ["Leon Haverstock"]
    assert families[0].tier == 1 and families[1].tier == 2
    assert families[1].entries[0].school_days_absent == 2
    assert sorted(len(f.entries) for f in families) == [1, 1, 1, 2]  # one family of two


def test_lodefields_lists_have_a_student_of_18_who_is_contacted_herself(db, demo):
    tithe = the_list("lodefield-tithe-barn", demo).families
    assert len(tithe) == 1 and tithe[0].entries[0].pupil.is_over_18(demo)
    assert len(the_list("lodefield-marsh-drove", demo).families) == 2


def test_earlier_absences_had_their_calls_but_not_tylers(db, demo):
    assert ContactAttempt.objects.filter(outcome="reached").count() > 20
    assert not ContactAttempt.objects.filter(pupil__legal_surname="Ashdown").exists()
    missing = ContactAttempt.objects.filter(pupil__legal_surname="Moult")
    assert missing and all(a.whereabouts_known is False for a in missing)  # the home did not know where he was


def test_the_looked_after_childs_missing_episode_reached_the_dsl_with_the_police_due(db, demo):
    alerts = Alert.objects.filter(pupil__legal_surname="Moult", rule_id="no_contact_safeguarding")
    assert any(a.evidence.get("police") == "due now" for a in alerts)
