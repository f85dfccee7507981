"""One chronology per child: append-only entries, corrections beside what they correct,
backdated entries in their place, absences, contact attempts and alerts from their own
records, filtered and printed."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from safewell.attendance.store import MarkInput, mark_write
from safewell.followup.models import ContactAttempt
from safewell.policy.alerts import alert_dismiss
from safewell.safeguarding import chronology, services
from safewell.safeguarding.models import APPEND_ONLY, NEVER_DELETED, ChronologyEntry
from tests.safeguarding.casework_factory import NOW, alert_of, case_of


def build(pupil, **filters):
    return chronology.build(pupil, chronology.ChronologyFilter(**filters))


def note(personas, pupil, *, title="Phoned the social worker", event_at=None, now=NOW):
    return services.chronology_entry_add(pupil=pupil, actor=personas.dsl, kind="note", title=title,
                                         body="Left a message.", event_at=event_at or now, now=now)


def test_an_entry_cannot_be_changed_or_deleted(personas, north_pupil):
    entry = note(personas, north_pupil)
    entry.body = "Something else"
    with pytest.raises(ValidationError, match=re.escape(APPEND_ONLY)):
        entry.save()
    with pytest.raises(ValidationError, match=re.escape(APPEND_ONLY)):
        ChronologyEntry.objects.filter(pk=entry.pk).update(body="x")
    with pytest.raises(ValidationError, match=re.escape(NEVER_DELETED)):
        entry.delete()
    with pytest.raises(ValidationError, match=re.escape(NEVER_DELETED)):
        ChronologyEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.body == "Left a message."


def test_a_correction_is_a_new_entry_pointing_at_the_one_it_corrects(personas, north_pupil):
    entry = note(personas, north_pupil, event_at=NOW - dt.timedelta(days=2))
    correction = services.chronology_entry_correct(entry=entry, actor=personas.dsl, now=NOW,
                                                   correction="It was the virtual school, not the social worker.")

    items = build(north_pupil)
    original, corrected = [i for i in items if i.entry_id in (entry.pk, correction.pk)]
    assert corrected.corrects_id == entry.pk and original.corrected_by == (correction.pk,)
    assert correction.event_at == entry.event_at, "shown at the corrected entry's place"
    assert original.body == "Left a message.", "the original stays as written"


def test_a_backdated_entry_takes_its_place_by_event_date_and_shows_when_it_was_written(personas, north_pupil):
    note(personas, north_pupil, title="Home visit", now=NOW)
    later = note(personas, north_pupil, title="Strategy call last week", event_at=NOW - dt.timedelta(days=7),
                 now=NOW + dt.timedelta(hours=1))

    titles = [i.title for i in build(north_pupil, groups=frozenset({"notes"}))]
    assert titles == ["Strategy call last week", "Home visit"]
    item = next(i for i in build(north_pupil) if i.entry_id == later.pk)
    assert item.is_backdated and item.recorded_at == NOW + dt.timedelta(hours=1)


def test_an_entry_in_the_future_is_refused(personas, north_pupil):
    with pytest.raises(ValidationError) as refused:
        note(personas, north_pupil, event_at=NOW + dt.timedelta(hours=2))
    assert refused.value.message_dict == {"event_at": [services.IN_THE_FUTURE]}
    assert not ChronologyEntry.objects.exists()


def test_absences_come_from_the_register_as_runs_of_sessions(personas, term_dates, north_pupil):
    days = [dt.date(2026, 10, 19), dt.date(2026, 10, 20), dt.date(2026, 10, 21)]
    codes = {(days[0], "AM"): "/", (days[0], "PM"): "N", (days[1], "AM"): "N", (days[1], "PM"): "O",
             (days[2], "AM"): "/", (days[2], "PM"): "I"}
    mark_write(marks=[MarkInput(north_pupil.pk, day, session, code, None) for (day, session), code in codes.items()])

    absences = [i for i in build(north_pupil) if i.group == "absences"]

    assert [i.title for i in absences] == [
        "Absent for 3 sessions, from Monday 19 October 2026, afternoon to Tuesday 20 October 2026, afternoon",
        "Absent for 1 session, Wednesday 21 October 2026, afternoon"]
    assert absences[0].body == ("Codes: 2 of N (reason for absence not yet established); "
                                "1 of O (absent in other or unknown circumstances).")


def test_contact_attempts_are_in_the_chronology(personas, north_pupil):
    ContactAttempt.objects.create(
        pupil=north_pupil, site=personas.north, absence_date=dt.date(2026, 11, 2), channel="phone",
        contacted_kind="contact", contacted_name="Ada's mother", attempted_at=NOW, outcome="no_answer",
        whereabouts_known=False, recorded_by=personas.attendance_officer, recorded_at=NOW,
    )
    [item] = [i for i in build(north_pupil) if i.group == "contacts"]
    assert item.title == "Phone call to Ada's mother: No answer"
    assert "Did not know where the child is." in item.body


def test_alerts_and_what_was_decided_about_them_are_in_the_chronology(personas, north_pupil):
    alert = alert_of(north_pupil)
    alert_dismiss(alert=alert, actor=personas.dsl, reason="Family on a bereavement trip, agreed.", now=NOW)
    alert_of(north_pupil, rule="penalty_notice_threshold", episode="2026-W40")

    items = [i for i in build(north_pupil) if i.group == "alerts"]

    assert [i.title for i in items] == ["Alert raised: Continuous absence", "Alert dismissed: Continuous absence"]
    assert items[1].body == "Family on a bereavement trip, agreed." and items[1].recorded_by == "dsl"


def test_the_chronology_filters_by_kind_date_and_case(personas, north_pupil):
    case = case_of(personas, north_pupil)
    note(personas, north_pupil, title="Old note", event_at=NOW - dt.timedelta(days=40))
    services.chronology_entry_add(pupil=north_pupil, actor=personas.dsl, kind="meeting", title="Core group",
                                  body="Agreed a plan.", event_at=NOW, now=NOW, case=case, attendees="SW, DSL")

    assert [i.title for i in build(north_pupil, groups=frozenset({"notes"}))] == ["Old note", "Core group"]
    assert [i.title for i in build(north_pupil, groups=frozenset({"notes"}), start=NOW.date())] == ["Core group"]
    assert {i.title for i in build(north_pupil, case_id=case.pk)} == {
        "Core group", "Case opened: Absence concern"}


def test_the_printed_chronology_reads_back_from_the_pdf(client, personas, north_pupil):
    note(personas, north_pupil, title="Spoke to the virtual school head")
    client.force_login(personas.dsl)

    response = client.get(f"/safeguarding/pupils/{north_pupil.pk}/chronology.pdf?groups=notes")

    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Chronology: Nia Northway" in text and "Spoke to the virtual school head" in text


def test_the_chronology_reads_newest_first_on_the_page_and_in_print(client, personas, north_pupil):
    note(personas, north_pupil, title="First: home visit", event_at=NOW - dt.timedelta(days=2))
    note(personas, north_pupil, title="Second: strategy call", event_at=NOW - dt.timedelta(days=1))
    client.force_login(personas.dsl)

    page = client.get(f"/safeguarding/pupils/{north_pupil.pk}/?groups=notes&order=newest").content.decode()
    printed = client.get(f"/safeguarding/pupils/{north_pupil.pk}/chronology.pdf?groups=notes&order=newest")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(printed.content)).pages)

    assert page.index("Second: strategy call") < page.index("First: home visit")
    assert text.index("Second: strategy call") < text.index("First: home visit")
    assert "2 entries, newest first" in text
    assert [i.title for i in build(north_pupil, groups=frozenset({"notes"}))] == [
        "First: home visit", "Second: strategy call"], "oldest first unless asked"
