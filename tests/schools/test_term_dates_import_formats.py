"""The example files import, the CSV and iCalendar versions agree, and the command reports problems."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from safewell.schools.calendar import AM, PM, SchoolCalendar
from safewell.schools.models import Closure, Organisation, OrganisationKind, Site, Term
from safewell.schools.services import term_dates_import_csv, term_dates_import_ical

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
D = dt.date


def organisation_with_site(name: str, code: str) -> Site:
    organisation = Organisation.objects.create(name=name, kind=OrganisationKind.ALTERNATIVE_PROVISION)
    return Site.objects.create(organisation=organisation, name="Main site", code=code)


@pytest.mark.django_db
def test_the_suffolk_csv_and_icalendar_examples_give_the_same_calendar():
    from_csv = organisation_with_site("AP from CSV", "csv-ap")
    from_ics = organisation_with_site("AP from iCal", "ics-ap")
    term_dates_import_csv(organisation=from_csv.organisation, file=EXAMPLES / "term-dates-suffolk-2026-27.csv")
    term_dates_import_ical(organisation=from_ics.organisation, file=EXAMPLES / "term-dates-suffolk-2026-27.ics")
    csv_calendar = SchoolCalendar.for_site(from_csv)
    ics_calendar = SchoolCalendar.for_site(from_ics)
    start, end = D(2026, 8, 1), D(2027, 7, 31)
    assert csv_calendar.sessions_between(start, end) == ics_calendar.sessions_between(start, end)
    assert [(t.name, t.starts_on, t.ends_on) for t in csv_calendar.terms] == [
        (t.name, t.starts_on, t.ends_on) for t in ics_calendar.terms
    ]
    # statutory.md §9 [C]: at least 380 sessions a year.
    assert len(csv_calendar.sessions_between(start, end)) >= 380
    # The worked example holds on the demo dates too: INSET on Monday 2 November.
    assert csv_calendar.nth_school_day_after(D(2026, 10, 23), 10) == D(2026, 11, 16)


@pytest.mark.django_db
def test_the_cambridgeshire_example_has_a_half_day_inset_and_enough_sessions():
    site = organisation_with_site("Special school near Wisbech", "wisbech")
    term_dates_import_csv(organisation=site.organisation, file=EXAMPLES / "term-dates-cambridgeshire-2026-27.csv")
    calendar = SchoolCalendar.for_site(site)
    assert calendar.sessions(D(2026, 11, 27)) == (AM,)
    assert calendar.sessions(D(2026, 11, 26)) == (AM, PM)
    assert len(calendar.sessions_between(D(2026, 8, 1), D(2027, 7, 31))) >= 380


def test_the_icalendar_conventions_for_sessions_reasons_and_parts(personas):
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:autumn term 1\r\nDTSTART;VALUE=DATE:20260901\r\n"
        "DTEND;VALUE=DATE:20261024\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:INSET day (PM): Safeguarding training\r\n"
        "DTSTART;VALUE=DATE:20260910\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:3\r\nSUMMARY:Partial closure: Burst pipe\r\nLOCATION:north\r\n"
        "DESCRIPTION:Science block\r\nDTSTART;VALUE=DATE:20260914\r\nDTEND;VALUE=DATE:20260916\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:4\r\nSUMMARY:Unexpected closure (AM)\r\nLOCATION:south\r\n"
        "DTSTART:20261007T080000Z\r\nDTEND:20261007T120000Z\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    result = term_dates_import_ical(organisation=personas.organisation, file=text)
    assert (result.academic_years, result.terms) == (("2026/27",), 1)
    assert list(Term.objects.values_list("name", flat=True)) == ["Autumn 1"]
    assert sorted(Closure.objects.values_list("site__code", "date", "sessions", "kind", "part", "reason")) == [
        ("north", D(2026, 9, 10), "PM", "inset_day", "", "Safeguarding training"),
        ("north", D(2026, 9, 14), "both", "partial", "Science block", "Burst pipe"),
        ("north", D(2026, 9, 15), "both", "partial", "Science block", "Burst pipe"),
        ("south", D(2026, 9, 10), "PM", "inset_day", "", "Safeguarding training"),
        ("south", D(2026, 10, 7), "AM", "unexpected", "", "Unexpected closure"),
    ]


def test_the_command_imports_a_file_and_says_what_it_stored(personas):
    out = StringIO()
    call_command(
        "import_terms", str(EXAMPLES / "term-dates-suffolk-2026-27.ics"),
        organisation=personas.organisation.name, stdout=out,
    )
    assert "imported 6 terms and 20 closure sessions for 2026/27" in out.getvalue()
    assert Term.objects.count() == 6


def test_the_command_prints_every_problem_and_stores_nothing(personas, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kind,name,starts_on,ends_on,site\n"
        "term,Autumn 1,2026-09-01,2026-08-01,\n"
        "inset_day,INSET day,2026-09-31,,annexe\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="refused whole .3 problem"):
        call_command("import_terms", str(bad), organisation=personas.organisation.name, stderr=err)
    assert err.getvalue().splitlines() == [
        f"{bad}: line 2, ends_on: ends on 2026-08-01 before it starts on 2026-09-01",
        f"{bad}: line 3, site: no site 'annexe' in Testbridge Academy (its sites: north, south)",
        f"{bad}: line 3, starts_on: '2026-09-31' is not a valid date: write it as YYYY-MM-DD (or DD/MM/YYYY)",
    ]
    assert not Term.objects.exists()


def test_the_command_refuses_an_unknown_organisation(personas, tmp_path):
    with pytest.raises(CommandError, match="no organisation named 'Nowhere'"):
        call_command("import_terms", str(EXAMPLES / "term-dates-suffolk-2026-27.csv"), organisation="Nowhere")
