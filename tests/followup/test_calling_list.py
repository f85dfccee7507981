"""The calling list (issue 6 §1): at register close, every unexplained absence (N, or no mark
on a register that was taken) that was not pre-notified; the most at risk first; siblings as
one family; contact made moves a family down."""

from __future__ import annotations

from safewell.followup.selectors import calling_list
from safewell.followup.services import contact_attempt_log
from tests.followup.followup_school import MONDAY, TUESDAY, london


def names(families) -> list[list[str]]:
    return [[e.pupil.legal_forename for e in family.entries] for family in families]


def test_before_the_morning_register_closes_the_list_is_empty_and_says_when_it_fills(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    found = calling_list(site=school.north, day=TUESDAY, now=london(TUESDAY, 9, 0))
    assert found.families == [] and found.closed == []
    assert found.next_close == london(TUESDAY, 9, 15)


def test_after_the_close_each_unexplained_absence_is_listed_and_present_pupils_are_not(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N", school.eli: "I"})
    found = calling_list(site=school.north, day=TUESDAY, now=london(TUESDAY, 9, 16))
    assert names(found.families) == [["Dan"]]
    assert [s.label for s in found.families[0].entries[0].sessions] == ["AM N"]


def test_a_register_not_taken_puts_no_one_on_the_list(school):
    found = calling_list(site=school.north, day=TUESDAY, now=london(TUESDAY, 10, 0))
    assert found.closed == ["AM"] and found.families == []


def test_the_vulnerable_child_comes_first_then_the_child_absent_yesterday_too(school):
    school.take_register(MONDAY, "AM", {school.dan: "N"})
    school.take_register(MONDAY, "PM", {school.dan: "N"})
    school.take_register(TUESDAY, "AM", {school.ada: "N", school.dan: "N", school.eli: "N"})
    found = calling_list(site=school.north, day=TUESDAY, now=london(TUESDAY, 9, 30))
    assert names(found.families) == [["Ada"], ["Dan"], ["Eli"]]
    assert [f.tier for f in found.families] == [1, 2, 3]
    assert found.families[0].entries[0].vulnerability == ("child_protection_plan", "social_worker")
    assert found.families[1].entries[0].school_days_absent == 2


def test_brother_and_sister_with_one_mother_are_one_family_and_one_call(school):
    school.take_register(TUESDAY, "AM", {school.bea: "N", school.cal: "N", school.dan: "N"})
    found = calling_list(site=school.north, day=TUESDAY, now=london(TUESDAY, 9, 30))
    assert sorted(names(found.families)) == [["Bea", "Cal"], ["Dan"]]


def test_a_contact_made_moves_the_family_to_contacted(school):
    school.take_register(TUESDAY, "AM", {school.bea: "N", school.cal: "N", school.dan: "N"})
    at = london(TUESDAY, 9, 40)
    for child in (school.bea, school.cal):
        contact_attempt_log(
            actor=school.personas.attendance_officer, pupil=child, absence_date=TUESDAY, channel="phone",
            contacted_kind="contact", contact=school.contact(child), outcome="reached", attempted_at=at, now=at,
            whereabouts_known=True, reason_category="illness",
        )
    found = calling_list(site=school.north, day=TUESDAY, now=london(TUESDAY, 9, 45))
    assert names(found.to_contact) == [["Dan"]]
    assert names(found.contacted) == [["Bea", "Cal"]]
    assert found.contacted[0].entries[0].proposal.code == "I"


def test_a_no_answer_leaves_the_family_to_contact(school):
    school.take_register(TUESDAY, "AM", {school.dan: "N"})
    at = london(TUESDAY, 9, 40)
    contact_attempt_log(
        actor=school.personas.attendance_officer, pupil=school.dan, absence_date=TUESDAY, channel="phone",
        contacted_kind="contact", contact=school.contact(school.dan), outcome="no_answer", attempted_at=at, now=at,
    )
    found = calling_list(site=school.north, day=TUESDAY, now=london(TUESDAY, 9, 45))
    assert names(found.to_contact) == [["Dan"]]
    assert [a.outcome for a in found.to_contact[0].entries[0].attempts_today] == ["no_answer"]
