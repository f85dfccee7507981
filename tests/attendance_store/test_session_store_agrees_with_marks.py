"""The compact session store (design.md principle 8) always says what the marks say: after
writes, after amendments, and after a rebuild from the marks."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db import transaction

from safewell.attendance import codes
from safewell.attendance.models import Mark, MarkSource, SessionStore
from safewell.attendance.store import (
    MarkInput,
    decode,
    mark_write,
    session_store_apply,
    session_store_differences,
    session_store_load,
    session_store_rebuild,
    year_sessions,
)

pytestmark = pytest.mark.django_db

THU_4_SEP = dt.date(2025, 9, 4)
FRI_5_SEP = dt.date(2025, 9, 5)
MON_8_SEP = dt.date(2025, 9, 8)


def byte(code: str) -> int:
    return codes.by_code(code).store_byte


def a_week_of_marks(pupils) -> list[MarkInput]:
    marks = []
    for pupil in pupils:
        for day in (THU_4_SEP, FRI_5_SEP, MON_8_SEP):
            marks.append(MarkInput(pupil.id, day, "AM", "/"))
            marks.append(MarkInput(pupil.id, day, "PM", "\\"))
    return marks


def test_a_store_holds_each_mark_at_its_session_index(school_year):
    personas, year, north, _ = school_year
    ada = north[0]
    mark_write(
        marks=[
            MarkInput(ada.id, THU_4_SEP, "AM", "/"),
            MarkInput(ada.id, THU_4_SEP, "PM", "I"),
            MarkInput(ada.id, MON_8_SEP, "AM", "L", minutes_late=12),
        ],
        recorded_by_id=personas.teacher.id,
    )
    store = bytes(SessionStore.objects.get(pupil=ada, academic_year=year).marks)
    # 1 Aug 2025 is a Friday (weekday 0 of the year): 24 weekdays come before Thu 4 Sep
    # (1 Aug, four weeks of five, 1-3 Sep) and 26 before Mon 8 Sep.
    assert len(store) == len(year_sessions(year)) == 2 * 261
    assert store[48] == byte("/") and store[49] == byte("I") and store[52] == byte("L")
    assert sum(1 for b in store if b) == 3
    assert decode(year_sessions(year), store) == {
        (THU_4_SEP, "AM"): "/",
        (THU_4_SEP, "PM"): "I",
        (MON_8_SEP, "AM"): "L",
    }


def test_store_and_marks_agree_after_writes_and_amendments(school_year):
    personas, year, north, south = school_year
    mark_write(marks=a_week_of_marks(north + south), recorded_by_id=personas.teacher.id)
    assert Mark.objects.count() == 24
    assert session_store_differences(year) == []

    # An amendment: Bea was ill on Friday afternoon, not present.
    bea = north[1]
    written = mark_write(
        marks=[MarkInput(bea.id, FRI_5_SEP, "PM", "I")],
        source=MarkSource.AMENDMENT,
        recorded_by_id=personas.attendance_officer.id,
    )
    assert [(c.old_code, c.new_code) for c in written.changed] == [("\\", "I")]
    assert Mark.objects.get(pupil=bea, date=FRI_5_SEP, session="PM").code == "I"
    assert session_store_load(academic_year=year).row(bea.id)[51] == byte("I")
    assert session_store_differences(year) == []


def test_resubmitting_the_same_register_changes_nothing(school_year):
    personas, year, north, _ = school_year
    marks = a_week_of_marks(north)
    first = mark_write(marks=marks, recorded_by_id=personas.teacher.id)
    again = mark_write(marks=marks, recorded_by_id=personas.teacher.id)
    assert len(first.created) == 18
    assert (len(again.created), len(again.changed), again.unchanged) == (0, 0, 18)
    assert session_store_differences(year) == []


def test_a_rebuild_from_the_marks_restores_a_damaged_store(school_year):
    personas, year, north, south = school_year
    mark_write(marks=a_week_of_marks(north + south), recorded_by_id=personas.teacher.id)
    before = session_store_load(academic_year=year)

    # Damage one store behind the services' back, and delete another.
    damaged = SessionStore.objects.get(pupil=north[0], academic_year=year)
    damaged.marks = bytes(len(damaged.marks))
    damaged.save()
    SessionStore.objects.filter(pupil=south[0]).delete()
    assert len(session_store_differences(year)) == 12

    output = StringIO()
    call_command("rebuild_session_store", "--year", "2025/26", "--verify", stdout=output)
    assert "4 session stores" in output.getvalue()
    assert "agree" in output.getvalue()
    assert session_store_differences(year) == []
    after = session_store_load(academic_year=year)
    assert np.array_equal(after.pupil_ids, before.pupil_ids)
    assert np.array_equal(after.marks, before.marks)


def test_rebuild_service_writes_one_store_per_pupil_with_marks(school_year):
    personas, year, north, south = school_year
    mark_write(marks=a_week_of_marks(north), recorded_by_id=personas.teacher.id)
    assert session_store_rebuild(academic_year=year) == 3
    assert SessionStore.objects.filter(academic_year=year).count() == 3
    assert session_store_differences(year) == []


def test_the_loader_returns_a_uint8_matrix_of_the_year_or_of_one_site(school_year):
    personas, year, north, south = school_year
    mark_write(marks=a_week_of_marks(north + south), recorded_by_id=personas.teacher.id)
    everyone = session_store_load(academic_year=year)
    assert everyone.marks.dtype == np.uint8
    assert everyone.marks.shape == (4, 522)
    assert list(everyone.pupil_ids) == sorted(p.id for p in north + south)
    north_only = session_store_load(academic_year=year, site_id=personas.north.id)
    assert sorted(north_only.pupil_ids) == sorted(p.id for p in north)
    # Three school days, two sessions each, all present.
    assert (north_only.marks != 0).sum(axis=1).tolist() == [6, 6, 6]
    present = np.array(codes.byte_table(lambda c: c.is_present))
    assert present[north_only.marks].sum() == 18


@pytest.mark.django_db(transaction=True)
def test_session_store_apply_refuses_to_run_outside_the_marks_transaction(school_year):
    personas, year, north, _ = school_year
    with pytest.raises(RuntimeError):
        session_store_apply(pupil_id=north[0].id, academic_year=year, marks=[(THU_4_SEP, "AM", "/")])
    with transaction.atomic():
        store = session_store_apply(pupil_id=north[0].id, academic_year=year, marks=[(THU_4_SEP, "AM", "/")])
    assert bytes(store.marks)[48] == byte("/")


def test_every_created_or_changed_mark_is_audited_with_old_and_new_codes(school_year):
    from safewell.audit.models import AuditEvent

    personas, year, north, _ = school_year
    ada = north[0]
    mark_write(marks=[MarkInput(ada.id, THU_4_SEP, "AM", "N")], recorded_by_id=personas.teacher.id)
    mark_write(marks=[MarkInput(ada.id, THU_4_SEP, "AM", "I")], source=MarkSource.AMENDMENT)
    events = list(AuditEvent.objects.filter(target_type="attendance.mark").order_by("id"))
    assert [(e.action, e.changes["code"]) for e in events] == [("create", [None, "N"]), ("update", ["N", "I"])]
    assert events[0].target_id == f"{ada.id}/2025-09-04/AM"


def test_the_loader_by_year_name_reads_every_organisations_stores_at_once(school_year):
    from safewell.attendance.store import session_store_load_by_name

    personas, year, north, south = school_year
    mark_write(marks=a_week_of_marks(north + south), recorded_by_id=personas.teacher.id)
    by_name = session_store_load_by_name(year_name="2025/26")
    by_year = session_store_load(academic_year=year)
    assert np.array_equal(by_name.pupil_ids, by_year.pupil_ids)
    assert np.array_equal(by_name.marks, by_year.marks)
