"""A bad timetable is refused whole, every problem named by file, line and field; nothing is stored."""

from __future__ import annotations

import pytest

from safewell.pupils.models import ClassMembership, Lesson, Period, Subject, TeachingClass
from safewell.core.import_problems import ImportRejected
from safewell.pupils.timetable_import import TimetableFile, timetable_import
from tests.timetable.conftest import CLASSES, LESSONS, PERIODS, SUBJECTS, members_csv


def nothing_stored() -> bool:
    return not any(m.objects.exists() for m in (Subject, Period, TeachingClass, Lesson, ClassMembership))


def problems_of(organisation, **files: str) -> list[tuple[str, int, str]]:
    with pytest.raises(ImportRejected) as excinfo:
        timetable_import(organisation=organisation, files=[
            TimetableFile(f"{name}.csv", text.encode()) for name, text in files.items()
        ])
    return [(p.file, p.line, p.field) for p in excinfo.value.problems]


GOOD = {"subjects": SUBJECTS, "periods": PERIODS, "classes": CLASSES, "lessons": LESSONS}

# (which file gets the extra line, the line, the problems as (file, line, field))
BAD_LINES = [
    ("periods", "annexe,P4,15:00,16:00", [("periods.csv", 5, "site")]),
    ("periods", "north,P4,15:00,14:00", [("periods.csv", 5, "ends_at")]),
    ("periods", "north,P4,3pm,16:00", [("periods.csv", 5, "starts_at")]),
    ("periods", "north,P4,25:00,16:00", [("periods.csv", 5, "starts_at")]),
    ("periods", "north,P1,15:00,16:00", [("periods.csv", 5, "period")]),  # duplicate of line 2
    ("subjects", "Maths,no,no", [("subjects.csv", 5, "subject")]),  # duplicate
    ("subjects", "Drama,sometimes,no", [("subjects.csv", 5, "is_pe")]),
    ("classes", "north,8Y/Dr,Drama,teacher,", [("classes.csv", 5, "subject")]),
    ("classes", "north,8Y/Ma,Maths,nobody.here,", [("classes.csv", 5, "teacher")]),
    ("classes", "north,8Y/Ma,Maths,deputy_south,", [("classes.csv", 5, "teacher")]),  # no role at North
    ("classes", "north,8X/Ma,Maths,teacher,", [("classes.csv", 5, "class")]),  # duplicate
    ("classes", "north,,Maths,teacher,", [("classes.csv", 5, "class")]),
    ("lessons", "north,8X/Ma,Saturday,P1,", [("lessons.csv", 6, "weekday")]),
    ("lessons", "north,8X/Ma,Tuesday,P9,", [("lessons.csv", 6, "period")]),
    ("lessons", "south,8X/Ma,Tuesday,P1,", [("lessons.csv", 6, "class"), ("lessons.csv", 6, "period")]),
    ("lessons", "north,9Z/Ma,Tuesday,P1,", [("lessons.csv", 6, "class")]),
    ("lessons", "north,8X/Ma,Mon,P1,", [("lessons.csv", 6, "period")]),  # duplicate of line 2
]


@pytest.mark.parametrize("file,line,problems", BAD_LINES, ids=[f"{b[0]}:{b[1]}" for b in BAD_LINES])
def test_it_refuses_the_whole_timetable_and_names_the_file_line_and_field(personas, file, line, problems):
    files = dict(GOOD)
    files[file] = files[file] + line + "\n"
    assert problems_of(personas.organisation, **files) == problems
    assert nothing_stored()


def test_it_names_an_unknown_pupil_a_bad_upn_and_a_pupil_of_another_site(personas, pupils):
    from tests.pupils.pupil_factory import make_pupil

    ada = pupils[0]
    southerner = make_pupil(personas.south, forename="Dee", surname="Marrowby")
    members = members_csv(
        f"north,8X/Ma,{ada.upn},2026-09-01,",  # 2: fine
        "north,8X/Ma,A123456789012,2026-09-01,",  # 3: wrong check letter
        "north,8X/Ma,P207000016049,2026-09-01,",  # 4: a valid UPN nobody here has
        f"north,8X/Ma,{southerner.upn},2026-09-01,",  # 5: a South pupil in a North class
        f"north,8X/Ma,{ada.upn},2026-09-01,",  # 6: duplicate of line 2
        f"north,8X/PE,{ada.upn},2026-13-01,",  # 7: no month 13
        f"north,8X/PE,{ada.upn},2026-09-01,2026-08-01",  # 8: ends before it starts
    )
    assert problems_of(personas.organisation, **GOOD, members=members) == [
        ("members.csv", 3, "upn"), ("members.csv", 4, "upn"), ("members.csv", 5, "upn"),
        ("members.csv", 6, "starts_on"), ("members.csv", 7, "starts_on"), ("members.csv", 8, "ends_on"),
    ]
    assert nothing_stored()


def test_it_refuses_a_pupil_in_the_same_class_twice_at_once(personas, pupils):
    ada = pupils[0]
    members = members_csv(f"north,8X/Ma,{ada.upn},2026-09-01,", f"north,8X/Ma,{ada.upn},2026-11-01,")
    assert problems_of(personas.organisation, **GOOD, members=members) == [("members.csv", 3, "starts_on")]


def test_a_file_that_is_no_timetable_file_is_named_by_its_header(personas):
    assert problems_of(personas.organisation, rooms="room,capacity\nM1,30\n") == [("rooms.csv", 1, "header")]
    assert problems_of(personas.organisation, periods="site,period,starts_at,ends_at\n") == [
        ("periods.csv", 1, "file")
    ]


def test_a_file_that_is_not_utf8_is_refused(personas):
    with pytest.raises(ImportRejected) as excinfo:
        timetable_import(organisation=personas.organisation, files=[TimetableFile("subjects.csv", b"subject\n\xff\n")])
    assert [str(p) for p in excinfo.value.problems] == ["subjects.csv, line 1, file: the file is not UTF-8 text"]


def test_two_files_of_the_same_kind_are_refused(personas):
    assert problems_of(personas.organisation, subjects=SUBJECTS, more_subjects=SUBJECTS) == [
        ("more_subjects.csv", 1, "file")
    ]


def test_the_messages_say_what_to_do(personas):
    with pytest.raises(ImportRejected) as excinfo:
        timetable_import(organisation=personas.organisation, files=[
            TimetableFile("periods.csv", (PERIODS + "annexe,P4,15:00,16:00\n").encode()),
            TimetableFile("lessons.csv", "site,class,weekday,period\nnorth,8X/Ma,Sunday,P1\n".encode()),
        ])
    assert str(excinfo.value) == (
        "lessons.csv, line 2, class: '8X/Ma' is not a class at North site: add it to a classes file first; "
        "lessons.csv, line 2, weekday: 'Sunday' is not a school weekday: use Monday … Friday, Mon … Fri, or 1 … 5; "
        "periods.csv, line 5, site: 'annexe' is not a site of Testbridge Academy (site codes: north, south)"
    )
