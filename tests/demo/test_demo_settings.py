"""The two demo settings: sites, roles, pupils, who sees which site, and the timetable."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import time

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import Count
from django.urls import reverse

from safewell.accounts.models import ROLES_REQUIRING_MFA, Membership, Role, User
from safewell.accounts.selectors import sites_for
from safewell.demo.management.commands._demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from safewell.pupils import age
from safewell.pupils.models import Characteristic, ClassMembership, Enrolment, Lesson, Pupil, RegistrationGroup
from safewell.pupils.timetable_import import timetable_import
from safewell.schools.models import Organisation, OrganisationKind, PlacingSchool

AP = "Brackenwell Learning Centre"
SPECIAL = "Lodefield School"
EXAMPLES = sorted((Path(settings.BASE_DIR) / "examples").glob("timetable-*.csv"))


def test_the_ap_is_one_suffolk_site_with_40_pupils_in_years_7_to_11(db, demo):
    ap = Organisation.objects.get(name=AP)
    assert (ap.kind, ap.local_authority_name) == (OrganisationKind.ALTERNATIVE_PROVISION, "Suffolk")
    assert list(ap.sites.values_list("code", flat=True)) == ["brackenwell"]
    pupils = Pupil.objects.filter(organisation=ap)
    assert pupils.count() == 40
    assert set(pupils.values_list("year_group", flat=True)) == {"7", "8", "9", "10", "11"}


def test_ap_pupils_are_placed_by_five_placing_schools_and_dual_registered_with_them(db, demo):
    ap = Organisation.objects.get(name=AP)
    assert PlacingSchool.objects.filter(organisation=ap).count() == 5
    enrolments = Enrolment.objects.filter(organisation=ap)
    assert enrolments.count() == 40 and not enrolments.filter(placing_school__isnull=True).exists()
    assert enrolments.values("placing_school").distinct().count() == 5
    # Placed by a school: on its roll too, the AP the subsidiary school. Placed by the LA: not.
    by_school = enrolments.filter(placing_school__kind="school")
    assert set(by_school.values_list("dual_registration", flat=True)) == {"subsidiary"}
    assert all(e.other_school_name == e.placing_school.name for e in by_school)
    assert set(enrolments.filter(placing_school__kind="local_authority").values_list("dual_registration", flat=True)) <= {""}


def test_several_ap_pupils_have_a_social_worker(db, demo):
    with_social_worker = Pupil.objects.filter(organisation__name=AP, professionals__role="social_worker").distinct()
    assert with_social_worker.count() >= 5


def test_the_special_school_has_two_sites_and_120_pupils_aged_7_to_19(db, demo):
    special = Organisation.objects.get(name=SPECIAL)
    assert (special.kind, special.local_authority_name) == (OrganisationKind.SCHOOL, "Cambridgeshire")
    assert sorted(special.sites.values_list("code", flat=True)) == ["lodefield-marsh-drove", "lodefield-tithe-barn"]
    pupils = list(Pupil.objects.filter(organisation=special))
    assert len(pupils) == 120
    ages = [age.age_on(p.date_of_birth, demo) for p in pupils]
    assert min(ages) == 7 and max(ages) == 19
    assert sum(age.is_over_18(p.date_of_birth, demo) for p in pupils) >= 5


def test_most_special_school_pupils_have_an_ehcp_and_many_are_looked_after(db, demo):
    pupils = Pupil.objects.filter(organisation__name=SPECIAL)
    kinds = Counter(Characteristic.objects.filter(pupil__in=pupils).values_list("kind", flat=True))
    assert kinds["ehc_plan"] >= 0.85 * 120
    # About 1 child in 150 is looked after nationally; here far more.
    assert kinds["looked_after"] >= 0.12 * 120


@pytest.mark.parametrize("organisation", [AP, SPECIAL])
def test_each_setting_has_staff_in_every_role_with_mfa_where_required(db, demo, organisation):
    memberships = Membership.objects.filter(site__organisation__name=organisation)
    assert set(memberships.values_list("role", flat=True)) == set(Role.values)
    for membership in memberships.filter(role__in=ROLES_REQUIRING_MFA):
        assert Authenticator.objects.filter(user=membership.user, type=Authenticator.Type.TOTP).exists()


def test_the_special_school_has_a_lead_dsl_over_both_sites_and_a_deputy_at_each(db, demo):
    special = Membership.objects.filter(site__organisation__name=SPECIAL)
    leads = special.filter(role=Role.DSL).values("user").annotate(sites=Count("site"))
    assert [lead["sites"] for lead in leads] == [2]
    deputies = special.filter(role=Role.DEPUTY_DSL).values_list("user__username", "site__code")
    assert sorted(deputies) == [("deputy.marsh", "lodefield-marsh-drove"), ("deputy.tithe", "lodefield-tithe-barn")]


def sign_in(client, username: str, when: float) -> None:
    """The real sign-in: password, then the demo TOTP code (each user has their own
    authenticator, so one code step serves several users)."""
    response = client.post(reverse("account_login"), {"login": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(DEMO_TOTP_SECRET).at(when)})
    assert response.status_code == 302, response.content.decode()[:500]


def listed(client, surname: str) -> bool:
    """Whether searching the pupil list for `surname` links to that pupil's page."""
    pupil = Pupil.objects.get(legal_surname=surname)
    page = client.get(reverse("pupils:list"), {"q": surname}).content.decode()
    return f'href="{reverse("pupils:detail", args=[pupil.pk])}"' in page


@pytest.mark.parametrize("username,own,other", [
    ("deputy.marsh", "Quarrell", "Callow"),
    ("deputy.tithe", "Callow", "Quarrell"),
])
def test_a_deputy_dsl_signs_in_and_sees_only_their_own_site(client, db, demo, username, own, other):
    sign_in(client, username, time.time())
    user = User.objects.get(username=username)
    site = Membership.objects.get(user=user, role=Role.DEPUTY_DSL).site
    assert list(sites_for(user)) == [site]
    assert listed(client, own) and not listed(client, other)
    elsewhere = Pupil.objects.get(legal_surname=other)
    assert client.get(reverse("pupils:detail", args=[elsewhere.pk])).status_code == 404


def test_the_lead_dsl_signs_in_and_sees_both_sites(client, db, demo):
    sign_in(client, "dsl", time.time())
    assert sorted(s.code for s in sites_for(User.objects.get(username="dsl"))) == [
        "lodefield-marsh-drove", "lodefield-tithe-barn"
    ]
    assert listed(client, "Quarrell") and listed(client, "Callow")


def test_every_group_has_a_timetable_and_no_teacher_or_pupil_is_in_two_lessons_at_once(db, demo):
    lessons = Lesson.objects.select_related("teaching_class", "period")
    teacher_slots = Counter((l.teaching_class.teacher_id, l.weekday, l.period.site_id, l.period.name) for l in lessons)
    assert max(teacher_slots.values()) == 1
    members = ClassMembership.objects.values_list("pupil_id", "teaching_class_id")
    slots_of_class: dict[int, list] = {}
    for lesson in lessons:
        slots_of_class.setdefault(lesson.teaching_class_id, []).append((lesson.weekday, lesson.period_id))
    pupil_slots = Counter((pupil, slot) for pupil, cls in members for slot in slots_of_class.get(cls, []))
    assert max(pupil_slots.values()) == 1
    # Every pupil is in classes; PE is flagged.
    assert set(Pupil.objects.values_list("id", flat=True)) == {p for p, _ in members}
    assert Lesson.objects.filter(teaching_class__subject__is_pe=True).count() >= 2 * 20


def test_every_demo_registration_group_has_its_tutor_so_nudges_reach_them(db, demo):
    groups = RegistrationGroup.objects.select_related("tutor")
    assert groups.exists()
    assert all(group.tutor is not None for group in groups)
    assert RegistrationGroup.objects.get(name="Kestrel").tutor.username == "teacher"


def test_the_example_timetable_files_are_the_demos_own_so_importing_them_changes_nothing(db, demo):
    assert [p.name for p in EXAMPLES] == [
        "timetable-classes.csv", "timetable-lessons.csv", "timetable-members.csv",
        "timetable-periods.csv", "timetable-subjects.csv",
    ]
    result = timetable_import(organisation=Organisation.objects.get(name=AP), files=EXAMPLES)
    assert sum(result.created.values()) == 0 and sum(result.updated.values()) == 0
    assert result.created.keys() == {"subjects", "periods", "classes", "lessons", "members"}


def test_the_demo_password_signs_in_a_teacher(client, db, demo):
    response = client.post(reverse("account_login"), {"login": "ap.teacher", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and client.get("/").status_code == 200
