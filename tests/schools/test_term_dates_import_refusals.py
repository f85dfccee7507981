"""A bad term-dates file is refused whole, with every problem by line and field; nothing is stored."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.schools.models import AcademicYear, Closure, Term
from safewell.schools.services import term_dates_import_csv, term_dates_import_ical
from safewell.core.import_problems import ImportProblem, ImportRejected

HEADER = "kind,name,starts_on,ends_on,site,sessions,reason,part\n"
GOOD_TERMS = (
    "term,Autumn 1,2026-09-01,2026-10-23,,,,\n"  # line 2
    "term,Autumn 2,2026-11-02,2026-12-18,,,,\n"  # line 3
)


def nothing_stored() -> bool:
    return not (AcademicYear.objects.exists() or Term.objects.exists() or Closure.objects.exists())


def refusal(organisation, text: str) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as excinfo:
        term_dates_import_csv(organisation=organisation, file=text)
    return [(p.line, p.field) for p in excinfo.value.problems]


# (the line appended after the good terms, on line 4, the problems as (line, field))
BAD_LINES = [
    ("term,Spring 1,2027-02-12,2027-01-04,,,,", [(4, "ends_on")]),  # ends before it starts
    ("term,Spring 1,2027-02-30,2027-03-26,,,,", [(4, "starts_on")]),  # no 30 February
    ("term,Spring 1,04/01/2027,2027-13-01,,,,", [(4, "ends_on")]),  # month 13
    ("term,Autumn 3,2026-12-14,2026-12-22,,,,", [(4, "starts_on")]),  # overlaps Autumn 2
    ("term,Autumn 2,2027-01-04,2027-02-12,,,,", [(4, "name")]),  # Autumn 2 twice in 2026/27
    ("term,Summer 2,2027-06-07,2027-08-06,,,,", [(4, "ends_on")]),  # crosses 31 July
    ("term,Spring 1,2027-01-04,,,,,", [(4, "ends_on")]),  # a term needs its end
    ("term,Spring 1,2027-01-04,2027-02-12,north,,,", [(4, "site")]),  # a term is for every site
    ("inset_day,INSET day,2026-09-01,,annexe,,,", [(4, "site")]),  # unknown site
    ("inset_day,INSET day,2026-10-27,,,,,", [(4, "starts_on")]),  # in half term, not in a term
    ("inset_day,INSET day,2026-10-24,2026-10-25,,,,", [(4, "starts_on")]),  # a weekend only
    ("inset_day,INSET day,2026-09-01,,,afternoon,,", [(4, "sessions")]),
    ("partial,Flood,2026-09-09,,north,,Burst pipe,", [(4, "part")]),
    ("holiday,Half term,2026-10-26,2026-10-30,,,,", [(4, "kind")]),
]


@pytest.mark.parametrize("line,problems", BAD_LINES, ids=[b[0] for b in BAD_LINES])
def test_it_refuses_the_whole_file_and_names_the_line_and_field(personas, line, problems):
    assert refusal(personas.organisation, HEADER + GOOD_TERMS + line + "\n") == problems
    assert nothing_stored()


def test_it_reports_every_problem_of_a_file_at_once(personas):
    text = (
        HEADER + GOOD_TERMS
        + "term,Spring 1,2027-02-12,2027-01-04,,,,\n"  # 4: ends before it starts
        + "term,Spring 2,2027-02-30,2027-03-26,,,,\n"  # 5: invalid date
        + "term,Autumn 3,2026-10-19,2026-10-30,,,,\n"  # 6: overlaps Autumn 1
        + "inset_day,INSET day,2026-11-02,,annexe,,,\n"  # 7: unknown site
        + "inset_day,INSET day,2026-11-02,,,,,\n"  # 8: fine on its own
        + "planned,Polling,2026-11-02,,north,,,\n"  # 9: clashes with line 8 at North
    )
    assert refusal(personas.organisation, text) == [
        (4, "ends_on"), (5, "starts_on"), (6, "starts_on"), (7, "site"), (9, "starts_on"),
    ]
    assert nothing_stored()


def test_the_messages_say_what_is_wrong(personas):
    with pytest.raises(ImportRejected) as excinfo:
        term_dates_import_csv(
            organisation=personas.organisation,
            file=HEADER + GOOD_TERMS + "term,Autumn 3,2026-12-14,2026-12-22,,,,\ninset_day,x,2026-09-03,,annexe,,,\n",
        )
    assert [str(p) for p in excinfo.value.problems] == [
        "line 4, starts_on: overlaps Autumn 2 (2026-11-02 to 2026-12-18, line 3)",
        "line 5, site: no site 'annexe' in Testbridge Academy (its sites: north, south)",
    ]


def test_it_refuses_a_year_already_stored_unless_told_to_replace_it(personas):
    organisation = personas.organisation
    term_dates_import_csv(organisation=organisation, file=HEADER + GOOD_TERMS + "inset_day,INSET,2026-09-01,,,,,\n")
    assert refusal(organisation, HEADER + GOOD_TERMS) == [(2, "name"), (2, "starts_on"), (3, "name"), (3, "starts_on")]
    result = term_dates_import_csv(
        organisation=organisation, file=HEADER + "term,Autumn 1,2026-09-02,2026-10-23,,,,\n", replace=True
    )
    assert result.terms == 1
    assert list(Term.objects.values_list("name", "starts_on")) == [("Autumn 1", dt.date(2026, 9, 2))]
    assert not Closure.objects.exists()  # the year's closures were replaced too


def test_a_closure_clashing_with_a_stored_one_is_refused(personas):
    organisation = personas.organisation
    term_dates_import_csv(organisation=organisation, file=HEADER + GOOD_TERMS + "inset_day,INSET,2026-09-01,,north,,,\n")
    assert refusal(organisation, HEADER + "planned,Polling,2026-09-01,,north,AM,,\n") == [(2, "starts_on")]
    term_dates_import_csv(organisation=organisation, file=HEADER + "planned,Polling,2026-09-01,,south,AM,,\n")
    assert Closure.objects.count() == 2


def test_a_file_without_the_required_columns_is_refused_at_its_header(personas):
    assert refusal(personas.organisation, "kind,title,start\nterm,Autumn 1,2026-09-01\n") == [
        (1, "name"), (1, "start"), (1, "starts_on"), (1, "title"),
    ]


def vevent(summary: str, start: str, end: str | None = None, extra: str = "") -> str:
    lines = ["BEGIN:VEVENT", "UID:x@example.org", f"SUMMARY:{summary}", f"DTSTART;VALUE=DATE:{start}"]
    if end:
        lines.append(f"DTEND;VALUE=DATE:{end}")
    lines += [line for line in extra.split("\n") if line]
    return "\r\n".join([*lines, "END:VEVENT"]) + "\r\n"


def ics(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def test_an_icalendar_file_is_refused_whole_with_the_line_of_each_bad_property(personas):
    text = ics(
        vevent("Autumn 1", "20260901", "20261024"),  # lines 4–9: fine
        vevent("Autumn 2", "20261341", "20261219"),  # lines 10–15: invalid DTSTART on line 13
        vevent("Spring 1", "20270213", "20270104"),  # lines 16–21: DTEND (line 20) before DTSTART
        vevent("Spring 2", "20261019", "20261031"),  # lines 22–27: overlaps Autumn 1 (DTSTART line 25)
        vevent("INSET day", "20260901", extra="LOCATION:annexe"),  # lines 28–33: LOCATION on line 32
        vevent("Staff party", "20261218"),  # lines 34–38: SUMMARY on line 36 is neither
        vevent("October half term", "20261026", "20261031"),  # skipped: a holiday
    )
    with pytest.raises(ImportRejected) as excinfo:
        term_dates_import_ical(organisation=personas.organisation, file=text)
    assert excinfo.value.problems == [
        ImportProblem(13, "DTSTART", "'20261341' is not a valid date: write it as YYYY-MM-DD (or DD/MM/YYYY)"),
        ImportProblem(20, "DTEND", "ends on 2027-01-03 before it starts on 2027-02-13"),
        ImportProblem(25, "DTSTART", "overlaps Autumn 1 (2026-09-01 to 2026-10-23, line 4)"),
        ImportProblem(32, "LOCATION", "no site 'annexe' in Testbridge Academy (its sites: north, south)"),
        excinfo.value.problems[4],
    ]
    assert (excinfo.value.problems[4].line, excinfo.value.problems[4].field) == (36, "SUMMARY")
    assert nothing_stored()


def test_a_file_that_is_not_icalendar_is_refused(personas):
    with pytest.raises(ImportRejected) as excinfo:
        term_dates_import_ical(organisation=personas.organisation, file=HEADER + GOOD_TERMS)
    assert [(p.line, p.field) for p in excinfo.value.problems] == [(1, "file")]
    assert nothing_stored()
