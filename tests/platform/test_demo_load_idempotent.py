"""Loading the demo twice changes nothing; the demo's today is the last school day."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from safewell.accounts.models import Membership, User
from safewell.attendance.models import Mark, PlannedAbsence, SessionRegister, SessionStore
from safewell.demo.demo_data.plan import OutsideDemoDates, demo_school_day
from safewell.followup.models import ContactAttempt
from safewell.pupils.models import (
    Characteristic,
    ClassMembership,
    Contact,
    Enrolment,
    Lesson,
    Period,
    ProfessionalContact,
    Pupil,
    RegistrationGroup,
    Subject,
    TeachingClass,
)
from safewell.schools.models import AcademicYear, Closure, Organisation, PlacingSchool, Site, Term

MODELS = (
    Organisation, Site, PlacingSchool, AcademicYear, Term, Closure, User, Membership, Authenticator,
    RegistrationGroup, Pupil, Enrolment, Contact, Characteristic, ProfessionalContact, Subject, Period,
    TeachingClass, Lesson, ClassMembership, Mark, SessionStore, SessionRegister, PlannedAbsence, ContactAttempt,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def natural_keys() -> dict[str, set]:
    return {
        "pupils": set(Pupil.objects.values_list("organisation__name", "upn")),
        "users": set(User.objects.values_list("username", flat=True)),
        "lessons": set(Lesson.objects.values_list("teaching_class__site__code", "teaching_class__name", "weekday", "period__name")),
        "marks": set(Mark.objects.values_list("pupil__upn", "date", "session", "code")),
    }


def test_loading_the_demo_twice_neither_fails_nor_duplicates(db, monkeypatch):
    monkeypatch.setenv("SAFEWELL_DEMO_TODAY", "2026-11-22")
    out = StringIO()
    call_command("demo_load", stdout=out)
    first, keys = counts(), natural_keys()
    call_command("demo_load", stdout=StringIO())
    assert counts() == first and natural_keys() == keys
    assert first["Pupil"] == 160 and first["Mark"] > 50_000 and all(first.values())
    text = out.getvalue()
    assert "Sunday 22 November 2026 is not a school day: the demo's today is Friday 20 November 2026" in text
    assert "Brackenwell Learning Centre (alternative provision, Suffolk): 1 site(s), 40 pupils" in text
    assert "Lodefield School (school, Cambridgeshire): 2 site(s), 120 pupils" in text
    # Marks up to today's morning registers (first-day calling's morning, followup/demo.py).
    assert Mark.objects.order_by("-date").first().date == dt.date(2026, 11, 20)
    assert not Mark.objects.filter(date=dt.date(2026, 11, 20), session="PM").exists()


@pytest.mark.parametrize("requested,today", [
    ("2026-11-20", "2026-11-20"),  # a Friday in term
    ("2026-11-22", "2026-11-20"),  # the Sunday after
    ("2026-10-28", "2026-10-23"),  # October half term: the Friday before
    ("2026-11-02", "2026-10-23"),  # the INSET day after half term (both settings)
    ("2026-12-25", "2026-12-18"),  # Christmas Day
    ("2027-08-30", "2027-07-21"),  # after the last term date: the last school day of both
])
def test_the_demos_today_is_the_last_school_day_of_both_settings(requested, today):
    assert demo_school_day(dt.date.fromisoformat(requested)) == dt.date.fromisoformat(today)


def test_a_today_before_the_demos_term_dates_is_refused(db):
    with pytest.raises(OutsideDemoDates, match="term dates start on"):
        demo_school_day(dt.date(2025, 6, 1))
    with pytest.raises(CommandError, match="term dates start on"):
        call_command("demo_load", today=dt.date(2025, 6, 1), verbosity=0)


def test_a_bad_safewell_demo_today_is_named(db, monkeypatch):
    monkeypatch.setenv("SAFEWELL_DEMO_TODAY", "20/11/2026")
    with pytest.raises(CommandError, match="SAFEWELL_DEMO_TODAY must be a date like 2026-11-20"):
        call_command("demo_load", verbosity=0)
