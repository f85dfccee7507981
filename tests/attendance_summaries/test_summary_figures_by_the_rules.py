"""Per-enrolment figures, hand-computed from the rules (statutory.md §1 and §2), not from our
code: possible sessions leave out D, X, Q, Y1-Y7, Z and #; L is present; B K V P W count as
attendance; G N O U are unauthorised; persistent absence is ≥ 10% and severe ≥ 50% of the
enrolment's own possible sessions; year to date runs from the admission date, and a leaver
is counted up to and including the leaving date (Monitor your school attendance)."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance.summaries import (
    NO_POSSIBLE_SESSIONS,
    YEAR_TO_DATE,
    Period,
    summarise_pupil,
    year_to_date,
)
from safewell.pupils import services
from tests.attendance_summaries.summaries_school import (
    HALF_TERM,
    LATER,
    PRESENT as P,
    WEEK_1,
    WEEK_2,
    admit,
    write_marks,
)

pytestmark = pytest.mark.django_db

WEEKS_1_AND_2 = Period(WEEK_1[0], WEEK_2[-1])
ONE_WEEK = Period(WEEK_1[0], WEEK_1[-1])


# (why, codes for the sessions in order, days, possible, present, approved educational
#  activity, authorised, unauthorised, not possible, administrative, overall absence %,
#  persistent absence, severe absence). Each figure worked out by hand from the rules.
CASES = [
    ("10 possible sessions, 1 I and 1 U: 2/10 = 20% absent",
     [P] * 8 + ["I", "U"], WEEK_1, 10, 8, 0, 1, 1, 0, 0, 20.0, True, False),
    ("exactly 10% absent is persistent absence (≥)",
     [P] * 9 + ["N"], WEEK_1, 10, 9, 0, 0, 1, 0, 0, 10.0, True, False),
    ("1 absence in 11 possible sessions is 9.09%: not persistent",
     [P] * 10 + ["I"] + ["D"] * 9, WEEK_1 + WEEK_2, 11, 10, 0, 1, 0, 9, 0, 100 / 11, False, False),
    ("1 absence in 20 possible sessions is 5%",
     [P] * 19 + ["M"], WEEK_1 + WEEK_2, 20, 19, 0, 1, 0, 0, 0, 5.0, False, False),
    ("exactly 50% absent is severe absence (≥)",
     [P] * 5 + ["C", "M", "G", "O", "U"], WEEK_1, 10, 5, 0, 2, 3, 0, 0, 50.0, True, True),
    ("9 absences in 20 sessions is 45%: persistent, not severe",
     [P] * 11 + ["I"] * 9, WEEK_1 + WEEK_2, 20, 11, 0, 9, 0, 0, 0, 45.0, True, False),
    ("D X Q Y1 Y5 Y6 Y7 are not possible sessions: 1 I in 3 possible",
     ["D", "X", "Q", "Y1", "Y5", "Y6", "Y7", P, P, "I"], WEEK_1, 3, 2, 0, 1, 0, 7, 0, 100 / 3, True, False),
    ("Y2 Y3 Y4 are not possible, Z and # administrative: 1 G in 5 possible",
     ["Y2", "Y3", "Y4", "Z", "#", P, P, P, P, "G"], WEEK_1, 5, 4, 0, 0, 1, 3, 2, 20.0, True, False),
    ("L counts as present",
     ["L"] * 10, WEEK_1, 10, 10, 0, 0, 0, 0, 0, 0.0, False, False),
    ("B K V P W count as attendance (approved educational activity)",
     ["B", "K", "V", "P", "W", P, P, P, P, P], WEEK_1, 10, 5, 5, 0, 0, 0, 0, 0.0, False, False),
    ("G N O U are unauthorised absence",
     ["G", "N", "O", "U", P, P, P, P, P, P], WEEK_1, 10, 6, 0, 0, 4, 0, 0, 40.0, True, False),
    ("every authorised code (C1 M J1 S C2 C T R I E) is authorised absence",
     ["C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E"], WEEK_1, 10, 0, 0, 10, 0, 0, 0, 100.0, True, True),
]


@pytest.mark.parametrize(
    ("why", "marks", "days", "possible", "present", "aea", "authorised", "unauthorised",
     "not_possible", "administrative", "absence_rate", "persistent", "severe"),
    CASES, ids=[case[0] for case in CASES],
)
def test_the_figures_of_one_enrolment_follow_the_rules(
    school, why, marks, days, possible, present, aea, authorised, unauthorised, not_possible,
    administrative, absence_rate, persistent, severe,
):
    pupil = admit(school.north, "Ada")
    write_marks(pupil, marks, days)

    [summary] = summarise_pupil(pupil.id, period=Period(days[0], days[-1]), today=LATER)
    sessions = summary.sessions

    assert sessions.possible_sessions == possible
    assert sessions.present == present
    assert sessions.approved_educational_activity == aea
    assert sessions.attended == present + aea
    assert sessions.authorised_absence == authorised
    assert sessions.unauthorised_absence == unauthorised
    assert sessions.overall_absence == authorised + unauthorised
    assert sessions.not_possible == not_possible
    assert sessions.administrative == administrative
    assert sessions.no_mark == 0
    assert sessions.overall_absence_rate == pytest.approx(absence_rate)
    assert sessions.attendance_rate == pytest.approx(100 - absence_rate)
    assert sessions.persistent_absence is persistent
    assert sessions.severe_absence is severe


def test_counts_by_code_and_by_category_name_every_session(school):
    pupil = admit(school.north, "Ada")
    write_marks(pupil, [P, P, "L", "I", "I", "U", "D", P, "B", "#"])

    [summary] = summarise_pupil(pupil.id, period=ONE_WEEK, today=LATER)

    assert summary.sessions.by_code == {"/": 1, "\\": 2, "L": 1, "B": 1, "D": 1, "I": 2, "U": 1, "#": 1}
    assert summary.sessions.by_category == {
        "present": 4, "approved_educational_activity": 1, "authorised": 2, "unauthorised": 1,
        "not_possible": 1, "administrative": 1,
    }


def test_sessions_with_no_mark_yet_are_counted_apart_never_as_present_or_absent(school):
    pupil = admit(school.north, "Ada")
    write_marks(pupil, [P, P, P, P, None, None, P, P, "I", P])

    [summary] = summarise_pupil(pupil.id, period=ONE_WEEK, today=LATER)

    assert summary.sessions.no_mark == 2
    assert summary.sessions.possible_sessions == 8
    assert summary.sessions.overall_absence_rate == pytest.approx(12.5)


def test_a_period_with_no_possible_sessions_says_so_instead_of_dividing_by_zero(school):
    pupil = admit(school.north, "Ada")
    write_marks(pupil, ["Y4", "Y4", "D", "D", "X", "X", "Q", "Q", "#", "#"])

    [summary] = summarise_pupil(pupil.id, period=ONE_WEEK, today=LATER)

    assert summary.sessions.possible_sessions == 0
    assert summary.sessions.not_possible == 8 and summary.sessions.administrative == 2
    assert summary.sessions.overall_absence_rate is None
    assert summary.sessions.attendance_rate is None
    assert summary.sessions.persistent_absence is None and summary.sessions.severe_absence is None
    assert summary.sessions.note == NO_POSSIBLE_SESSIONS == "No possible sessions in this period"


def test_a_holiday_week_has_no_possible_sessions_and_nothing_missing(school):
    pupil = admit(school.north, "Ada")

    [summary] = summarise_pupil(pupil.id, period=Period(HALF_TERM[0], HALF_TERM[-1]), today=LATER)

    assert summary.sessions.possible_sessions == 0
    assert summary.sessions.no_mark == 0
    assert summary.sessions.note == NO_POSSIBLE_SESSIONS


def test_a_leaver_is_counted_up_to_and_including_the_leaving_date(school):
    pupil = admit(school.north, "Ada")
    # Mon to Wed 10 Sep: 5 present and 1 O; the pupil leaves on Wednesday, so Thursday and
    # Friday are neither possible sessions nor missing marks.
    write_marks(pupil, [P, P, P, P, P, "O"], WEEK_1[:3])
    services.enrolment_end(enrolment=pupil.enrolments.get(), leaving_date=WEEK_1[2], deletion_ground="registered_at_another_school")

    [summary] = summarise_pupil(pupil.id, period=ONE_WEEK, today=LATER)

    assert summary.counted_from == WEEK_1[0] and summary.counted_to == dt.date(2025, 9, 10)
    assert summary.sessions.possible_sessions == 6
    assert summary.sessions.unauthorised_absence == 1
    assert summary.sessions.no_mark == 0
    assert summary.sessions.overall_absence_rate == pytest.approx(100 / 6)
    assert summary.sessions.persistent_absence is True


def test_a_mid_year_admission_is_counted_from_the_admission_date_year_to_date(school):
    # Admitted on Wed 10 Sep: Wed to Fri is 6 sessions, 1 of them I.
    pupil = admit(school.north, "Ada", admitted=dt.date(2025, 9, 10))
    write_marks(pupil, [P, P, P, "I", P, P], WEEK_1[2:])

    period = year_to_date(organisation_id=school.organisation.id, as_of=WEEK_1[-1])
    [summary] = summarise_pupil(pupil.id, period=period, today=LATER)

    assert period.mode == YEAR_TO_DATE and period.start == dt.date(2025, 8, 1) and period.end == WEEK_1[-1]
    assert period.label == "2025/26 year to date, 1 August 2025 to 12 September 2025"
    assert summary.counted_from == dt.date(2025, 9, 10)
    assert summary.sessions.possible_sessions == 6
    assert summary.sessions.no_mark == 0
    assert summary.sessions.overall_absence_rate == pytest.approx(100 / 6)


def test_year_to_date_counts_every_school_session_since_the_start_of_the_year(school):
    # On roll from 1 Sep: Thu 4 and Fri 5 Sep (the first days after the INSET day) and
    # week 1 make 14 sessions; only week 1 is marked, so 4 have no mark.
    pupil = admit(school.north, "Ada")
    write_marks(pupil, [P] * 9 + ["G"])

    period = year_to_date(organisation_id=school.organisation.id, as_of=WEEK_1[-1])
    [summary] = summarise_pupil(pupil.id, period=period, today=LATER)

    assert summary.sessions.possible_sessions == 10
    assert summary.sessions.no_mark == 4
    assert summary.sessions.persistent_absence is True


def test_a_dual_registered_pupils_d_sessions_are_not_possible_sessions(school):
    pupil = admit(school.north, "Ada", enrolment={
        "dual_registration": "subsidiary", "other_school_name": "Harbour Lane Primary"})
    # Mon and Tue at the other school (D), then 5 present and 1 U here.
    write_marks(pupil, ["D"] * 4 + [P] * 5 + ["U"])

    [summary] = summarise_pupil(pupil.id, period=ONE_WEEK, today=LATER)

    assert summary.enrolment.dual_registration == "subsidiary"
    assert summary.sessions.possible_sessions == 6
    assert summary.sessions.not_possible == 4
    assert summary.sessions.overall_absence_rate == pytest.approx(100 / 6)


def test_sessions_after_today_are_not_counted(school):
    pupil = admit(school.north, "Ada")
    write_marks(pupil, [P] * 5 + ["I"], WEEK_1[:3])

    [summary] = summarise_pupil(pupil.id, period=ONE_WEEK, today=dt.date(2025, 9, 10))

    assert summary.counted_to == dt.date(2025, 9, 10)
    assert summary.sessions.possible_sessions == 6
    assert summary.sessions.no_mark == 0


def test_each_enrolment_is_summarised_on_its_own(school):
    # At North until Tue 9 Sep (4 sessions, 2 absent: 50%), at South from Wed 10 Sep
    # (6 sessions, none absent): two enrolments, two sets of figures.
    pupil = admit(school.north, "Ada")
    services.enrolment_end(enrolment=pupil.enrolments.get(), leaving_date=WEEK_1[1], deletion_ground="registered_at_another_school")
    services.enrolment_create(pupil=pupil, site=school.south, admission_date=WEEK_1[2])
    write_marks(pupil, [P, "I", P, "G"] + [P] * 6)

    summaries = summarise_pupil(pupil.id, period=ONE_WEEK, today=LATER)

    assert [(s.enrolment.site_code, s.sessions.possible_sessions, s.sessions.overall_absence) for s in summaries] == [
        ("north", 4, 2), ("south", 6, 0)]
    assert [s.sessions.severe_absence for s in summaries] == [True, False]


def test_a_period_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        Period(WEEK_1[1], WEEK_1[0])


NEXT_YEAR_TERMS = """\
kind,name,starts_on,ends_on,site,sessions,reason,part
term,Autumn 1,2026-09-01,2026-10-23,,,,
"""


def test_a_period_across_two_academic_years_counts_both(school):
    from safewell.schools.services import term_dates_import_csv

    term_dates_import_csv(organisation=school.organisation, file=NEXT_YEAR_TERMS)
    pupil = admit(school.north, "Ada")
    # Mon 20 and Tue 21 Jul 2026 end 2025/26; Tue 1 to Thu 3 Sep 2026 start 2026/27.
    write_marks(pupil, [P, P, "I", P], [dt.date(2026, 7, 20), dt.date(2026, 7, 21)])
    write_marks(pupil, [P, P, P, "G", P, P], [dt.date(2026, 9, 1), dt.date(2026, 9, 2), dt.date(2026, 9, 3)])

    [summary] = summarise_pupil(pupil.id, period=Period(dt.date(2026, 7, 20), dt.date(2026, 9, 3)), today=dt.date(2026, 9, 30))

    assert summary.sessions.possible_sessions == 10
    assert summary.sessions.authorised_absence == 1 and summary.sessions.unauthorised_absence == 1
    assert summary.sessions.no_mark == 0
    assert summary.sessions.persistent_absence is True
