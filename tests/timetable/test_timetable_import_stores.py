"""A good timetable is stored whole; importing it again changes nothing; a changed line updates."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from safewell.audit.models import AuditEvent
from safewell.pupils.models import ClassMembership, Lesson, Period, Subject, TeachingClass
from safewell.pupils.timetable_import import TimetableFile, timetable_import
from tests.timetable.conftest import CLASSES, LESSONS, PERIODS, SUBJECTS


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Subject, Period, TeachingClass, Lesson, ClassMembership)}


def test_a_timetable_is_stored_with_every_record(timetabled):
    assert counts() == {"Subject": 3, "Period": 3, "TeachingClass": 3, "Lesson": 4, "ClassMembership": 7}
    maths = TeachingClass.objects.get(name="8X/Ma")
    assert (maths.subject.name, maths.teacher.username, maths.room) == ("Maths", "teacher", "M1")
    assert Period.objects.get(name="P3").starts_at == dt.time(13, 45)
    swimming = TeachingClass.objects.get(name="8X/Sw")
    assert swimming.teacher is None and swimming.subject.is_swimming


def test_importing_the_same_files_again_creates_and_changes_nothing(timetabled):
    before = counts()
    result = timetable_import(organisation=timetabled.personas.organisation, files=[
        TimetableFile("subjects.csv", SUBJECTS.encode()), TimetableFile("periods.csv", PERIODS.encode()),
        TimetableFile("classes.csv", CLASSES.encode()), TimetableFile("lessons.csv", LESSONS.encode()),
    ])
    assert counts() == before
    assert sum(result.created.values()) == 0 and sum(result.updated.values()) == 0


def test_a_changed_line_updates_its_record_and_the_change_is_audited(timetabled):
    organisation = timetabled.personas.organisation
    result = timetable_import(organisation=organisation, files=[
        TimetableFile("periods.csv", b"site,period,starts_at,ends_at\nnorth,P3,13:30,14:30\n"),
        TimetableFile("classes.csv", b"site,class,subject,teacher,room\nnorth,8X/Sw,Swimming,teacher,Pool\n"),
    ])
    assert (result.updated["periods"], result.updated["classes"]) == (1, 1)
    assert Period.objects.get(name="P3").starts_at == dt.time(13, 30)
    assert TeachingClass.objects.get(name="8X/Sw").teacher == timetabled.personas.teacher
    event = AuditEvent.objects.filter(target_type="pupils.period", action="update").get()
    assert event.changes == {"starts_at": ["13:45:00", "13:30:00"], "ends_at": ["14:45:00", "14:30:00"]}


def test_every_created_record_is_in_the_audit_log(timetabled):
    assert AuditEvent.objects.filter(target_type="pupils.lesson", action="create").count() == 4
    assert AuditEvent.objects.filter(target_type="pupils.classmembership", action="create").count() == 7


def test_a_membership_can_be_ended_by_importing_its_end_date(timetabled):
    ada = timetabled.ada
    timetable_import(organisation=timetabled.personas.organisation, files=[TimetableFile(
        "members.csv", f"site,class,upn,starts_on,ends_on\nnorth,8X/PE,{ada.upn},2026-09-01,2026-12-18\n".encode()
    )])
    assert ClassMembership.objects.get(pupil=ada, teaching_class__name="8X/PE").ends_on == dt.date(2026, 12, 18)


def test_the_command_imports_files_and_refuses_a_bad_one_whole(timetabled, tmp_path: Path):
    good = tmp_path / "lessons.csv"
    good.write_text("site,class,weekday,period\nnorth,8X/PE,Thursday,P1\n")
    out = StringIO()
    call_command("import_timetable", str(good), organisation="Testbridge Academy", stdout=out)
    assert "lessons: 1 new, 0 updated" in out.getvalue()

    bad = tmp_path / "more-lessons.csv"
    bad.write_text("site,class,weekday,period\nnorth,8X/PE,Wednesday,P1\nnorth,8X/PE,Funday,P1\n")
    err = StringIO()
    with pytest.raises(CommandError, match="refused whole"):
        call_command("import_timetable", str(bad), organisation="Testbridge Academy", stderr=err)
    assert "more-lessons.csv, line 3, weekday" in err.getvalue()
    assert not Lesson.objects.filter(weekday=2).exists()


def test_the_command_names_an_unknown_organisation(db, tmp_path: Path):
    path = tmp_path / "subjects.csv"
    path.write_text(SUBJECTS)
    with pytest.raises(CommandError, match="no organisation named 'Nowhere'"):
        call_command("import_timetable", str(path), organisation="Nowhere")
