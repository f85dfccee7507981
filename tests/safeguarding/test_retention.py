"""A child's safeguarding file is kept until the date of birth + 25 years (configurable),
then destroyed by the lead DSL unless a legal hold is in force; every destruction is logged
and the register is never touched (statutory.md §8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from safewell.attendance.models import Mark
from safewell.attendance.store import MarkInput, mark_write
from safewell.safeguarding import selectors, services
from safewell.safeguarding.models import Case, ChronologyEntry, DestructionRecord, Document, MissingEpisode
from tests.pupils.pupil_factory import make_pupil
from tests.safeguarding.casework_factory import NOW, case_of, missing_case
from tests.safeguarding.uploads import PDF


# statutory.md §8 [U]: IRMS toolkit, child protection files kept to date of birth + 25 years.
@pytest.mark.parametrize(("born", "years", "kept_until"), [
    (dt.date(2013, 5, 14), 25, dt.date(2038, 5, 14)),
    (dt.date(2012, 2, 29), 25, dt.date(2037, 3, 1)),   # no 29 February in 2037: the day after 28 February
    (dt.date(2012, 2, 29), 24, dt.date(2036, 2, 29)),  # 2036 is a leap year
    (dt.date(2013, 5, 14), 26, dt.date(2039, 5, 14)),  # a setting may keep them longer
])
def test_the_file_is_kept_until_the_date_of_birth_plus_the_retention_years(personas, settings, born, years, kept_until):
    settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS = years
    assert selectors.retention_due_on(make_pupil(personas.north, date_of_birth=born)) == kept_until


def destroy(personas, pupil, *, actor=None, now=None, upn=None):
    return services.retention_destroy(pupil=pupil, actor=actor or personas.dsl, now=now or NOW, confirm_upn=upn or pupil.upn)


def test_a_file_is_not_destroyed_before_its_date(personas, north_pupil):
    case_of(personas, north_pupil)
    with pytest.raises(ValidationError, match="kept until 14 May 2038"):
        destroy(personas, north_pupil)
    assert Case.objects.exists()


def test_a_legal_hold_stops_the_destruction_until_it_is_lifted(personas, north_pupil, settings):
    settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS = 1
    case_of(personas, north_pupil)
    services.legal_hold_place(pupil=north_pupil, actor=personas.dsl, now=NOW, reason="Inquiry moratorium.")
    with pytest.raises(ValidationError) as refused:
        destroy(personas, north_pupil)
    assert refused.value.message_dict == {"confirm_upn": [services.RETENTION_HELD]}
    services.legal_hold_lift(pupil=north_pupil, actor=personas.dsl, now=NOW, reason="Inquiry ended.")
    destroy(personas, north_pupil)
    assert not Case.objects.exists()


def test_destruction_removes_the_whole_file_logs_it_and_keeps_the_register(personas, term_dates, north_pupil, settings):
    settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS = 1
    mark_write(marks=[MarkInput(north_pupil.pk, dt.date(2026, 10, 19), "AM", "O", None)])
    case = case_of(personas, north_pupil)
    entry = services.chronology_entry_add(pupil=north_pupil, actor=personas.dsl, kind="note", title="Note", body="x",
                                          event_at=NOW, now=NOW, case=case)
    services.chronology_entry_correct(entry=entry, actor=personas.dsl, correction="y", now=NOW)
    missing_case(personas, north_pupil, returned_at=NOW - dt.timedelta(hours=1))
    services.document_upload(pupil=north_pupil, actor=personas.dsl, now=NOW, kind="report", title="Letter", content=PDF)
    other = case_of(personas, make_pupil(personas.north))

    record = destroy(personas, north_pupil)

    assert not Case.objects.filter(pupil=north_pupil).exists()
    assert not ChronologyEntry.objects.filter(pupil=north_pupil).exists()
    assert not MissingEpisode.objects.exists() and not Document.objects.exists()
    assert Case.objects.get() == other, "another child's file is untouched"
    assert Mark.objects.filter(pupil=north_pupil).count() == 1, "the register is never deleted here"
    assert record.upn == north_pupil.upn and record.record_counts["cases"] == 2
    assert record.record_counts["chronology entries"] >= 4 and record.retention_rule == "date of birth + 1 years"
    assert DestructionRecord.objects.get() == record


def test_only_the_lead_dsl_destroys_and_the_upn_confirms_it(personas, south_pupil, settings):
    settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS = 1
    case_of(personas, south_pupil, actor=personas.deputy_dsl_south)
    with pytest.raises(PermissionDenied):
        destroy(personas, south_pupil, actor=personas.deputy_dsl_south)
    with pytest.raises(ValidationError) as refused:
        destroy(personas, south_pupil, upn="A123")
    assert refused.value.message_dict == {"confirm_upn": [services.RETENTION_CONFIRM]}
    assert Case.objects.exists()


def test_the_review_lists_files_past_their_date_with_any_hold(personas, north_pupil, south_pupil, settings):
    settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS = 1
    case_of(personas, north_pupil)
    case_of(personas, south_pupil)
    services.legal_hold_place(pupil=south_pupil, actor=personas.dsl, now=NOW, reason="Civil claim.")
    make_pupil(personas.north)  # no safeguarding file: nothing to review

    rows = selectors.retention_review_for_user(personas.dsl, today=NOW.date())

    assert [(r.pupil, r.hold is not None) for r in rows] == [(north_pupil, False), (south_pupil, True)]


def test_a_deputy_is_refused_the_legal_hold_and_destruction_pages(client, personas, south_pupil):
    client.force_login(personas.deputy_dsl_south)
    for page in ("legal-hold", "destroy"):
        response = client.get(f"/safeguarding/pupils/{south_pupil.pk}/{page}/")
        assert response.status_code == 403 and selectors.NOT_THE_LEAD_DSL in response.content.decode()
