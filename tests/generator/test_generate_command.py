"""`safewell generate` on a small population, through the database: marks only on the
sessions each school holds, a mark for every one of them, session stores equal to the
marks, valid UPNs, families and characteristics as the pupils app stores them."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safewell.attendance import codes
from safewell.attendance.management.commands.generate import BAD_YEAR
from safewell.attendance.models import Mark, MarkSource, SessionStore
from safewell.attendance.store import session_store_differences, session_store_load
from safewell.pupils import upn
from safewell.pupils.models import Characteristic, CharacteristicKind, Contact, Enrolment, ProfessionalContact, Pupil
from safewell.schools.calendar import SchoolCalendar
from safewell.schools.models import AcademicYear, Organisation

pytestmark = pytest.mark.django_db


def generate(*arguments: str) -> str:
    output = StringIO()
    call_command("generate", *arguments, "--no-progress", stdout=output)
    return output.getvalue()


@pytest.fixture
def generated(db):
    output = generate("--pupils", "200", "--schools", "3", "--year", "2025/26", "--seed", "3")
    return output


def test_it_makes_one_school_of_each_phase_with_a_site_and_a_year_of_terms(generated):
    organisations = list(Organisation.objects.order_by("name"))
    assert len(organisations) == 3
    phases = sorted(next(w for w in ("Primary School", "Academy", "Special School") if w in o.name) for o in organisations)
    assert phases == ["Academy", "Primary School", "Special School"]
    for organisation in organisations:
        year = AcademicYear.objects.get(organisation=organisation, name="2025/26")
        assert year.terms.count() == 6
        site = organisation.sites.get()
        calendar = SchoolCalendar.for_academic_year(site, year)
        # 195 days in term less five INSET days of the school's own (statutory.md §2: 380
        # sessions, 190 days).
        assert len(calendar.school_days_between(year.starts_on, year.ends_on)) == 190
    assert "made 200 pupils in 3 schools" in generated


def test_every_pupil_has_a_mark_for_every_session_the_school_holds_and_no_other(generated):
    for organisation in Organisation.objects.all():
        site = organisation.sites.get()
        year = AcademicYear.objects.get(organisation=organisation)
        calendar = SchoolCalendar.for_academic_year(site, year)
        held = set(calendar.sessions_between(year.starts_on, year.ends_on))
        pupils = list(Pupil.objects.filter(site=site).values_list("id", flat=True))
        marks = Mark.objects.filter(pupil_id__in=pupils)
        per_pupil = Counter(marks.values_list("pupil_id", flat=True))
        assert set(per_pupil.values()) == {380}
        assert set(marks.values_list("date", "session").distinct()) == held


def test_the_session_stores_equal_the_marks(generated):
    for year in AcademicYear.objects.all():
        assert session_store_differences(year) == []
        matrix = session_store_load(academic_year=year)
        assert matrix.marks.shape[0] == Pupil.objects.filter(organisation=year.organisation).count()
        assert ((matrix.marks != 0).sum(axis=1) == 380).all()


def test_marks_use_catalogue_codes_present_by_session_and_lateness_in_minutes(generated):
    counts = Counter(Mark.objects.values_list("session", "code"))
    assert counts[("AM", "/")] > 0 and counts[("PM", "\\")] > 0
    assert counts[("AM", "\\")] == 0 and counts[("PM", "/")] == 0
    assert {code for _, code in counts} <= {c.code for c in codes.CODES}
    assert {code for _, code in counts} >= {"/", "\\", "I", "O"}
    assert not Mark.objects.exclude(code__in=["L", "U"]).filter(minutes_late__isnull=False).exists()
    late = Mark.objects.filter(code="L")
    assert late.exists() and not late.filter(minutes_late__isnull=True).exists()
    assert max(late.values_list("minutes_late", flat=True)) <= 30
    assert set(Mark.objects.values_list("source", flat=True).distinct()) == {MarkSource.GENERATED}
    # Absence lands near the national 7% even on 200 pupils.
    absent = Mark.objects.filter(code__in=codes.ABSENT).count()
    assert 0.03 < absent / Mark.objects.count() < 0.12


def test_pupils_have_valid_upns_enrolments_groups_and_contacts(generated):
    pupils = list(Pupil.objects.all())
    assert len(pupils) == 200
    for pupil in pupils:
        assert upn.validate(pupil.upn) == pupil.upn
        assert pupil.registration_group.site_id == pupil.site_id
    assert Enrolment.objects.count() == 200
    assert set(Contact.objects.filter(priority=1).values_list("pupil_id", flat=True)) == {p.id for p in pupils}
    assert all(phone.startswith("+447700900") for phone in Contact.objects.values_list("mobile_phone", flat=True))
    assert all(email == "" or email.endswith("@example.org") for email in Contact.objects.values_list("email", flat=True))


def test_siblings_share_a_surname_and_their_parents(generated):
    mothers = Contact.objects.filter(relationship="mother").values_list("mobile_phone", "name", "pupil__legal_surname")
    by_phone_and_name = Counter((phone, name) for phone, name, _ in mothers)
    families = [key for key, children in by_phone_and_name.items() if children > 1]
    assert families, "some families have more than one child"
    for phone, name in families:
        surnames = {s for p, n, s in mothers if (p, n) == (phone, name)}
        assert len(surnames) == 1


def test_characteristics_are_dated_rows_and_children_in_need_have_a_social_worker(generated):
    kinds = Counter(Characteristic.objects.values_list("kind", flat=True))
    assert kinds[CharacteristicKind.FREE_SCHOOL_MEALS] > 20  # ~24.6% of 200
    assert kinds[CharacteristicKind.EHC_PLAN] + kinds[CharacteristicKind.SEN_SUPPORT] > 15
    children_in_need = set(
        Characteristic.objects.filter(kind=CharacteristicKind.CHILD_IN_NEED).values_list("pupil_id", flat=True)
    )
    assert set(ProfessionalContact.objects.values_list("pupil_id", flat=True)) == children_in_need
    assert not Characteristic.objects.filter(kind=CharacteristicKind.LOOKED_AFTER, responsible_local_authority="").exists()


def test_store_only_writes_the_session_stores_and_no_marks(db):
    output = generate("--pupils", "120", "--schools", "2", "--seed", "4", "--store-only")
    assert Mark.objects.count() == 0
    assert SessionStore.objects.count() == 120
    year = AcademicYear.objects.first()
    stored = session_store_load(academic_year=year).marks
    present = np.array(codes.byte_table(lambda c: c.is_present))
    assert present[stored].mean() > 0.5 * (stored != 0).mean()
    assert "0 marks, 120 session stores" in output


@pytest.mark.parametrize("year", ["2025", "2025/27", "25/26", "2025-26"])
def test_a_malformed_year_is_refused(db, year):
    with pytest.raises(CommandError) as refused:
        generate("--pupils", "10", "--year", year)
    assert str(refused.value) == BAD_YEAR.format(value=year)
    assert not Organisation.objects.exists()


def test_it_logs_the_first_day_calls_schools_make_about_each_unexplained_absence(generated):
    from safewell.attendance.episodes import EPISODE_CODES
    from safewell.followup.models import ContactAttempt

    calls = list(ContactAttempt.objects.values_list("pupil_id", "absence_date", "outcome", "whereabouts_known"))
    assert f"{len(calls)} first-day calls" in generated
    # A call on every school day with an N or O session (the pupils all have a contact), and
    # only on those days.
    unexplained_days = set(Mark.objects.filter(code__in=EPISODE_CODES).values_list("pupil_id", "date"))
    assert {(p, d) for p, d, _, _ in calls} == unexplained_days
    # Most days explained by a parent who knows where the child is; some days never reached.
    outcome_of_day: dict = {}
    for pupil_id, day, outcome, known in calls:
        outcome_of_day[(pupil_id, day)] = outcome_of_day.get((pupil_id, day), False) or (outcome == "reached" and known)
    explained = sum(outcome_of_day.values()) / len(outcome_of_day)
    assert 0.75 < explained < 0.98, explained
