"""mark_write refuses a submission whole, naming each bad mark and field; nothing is
written, neither marks nor session stores."""

from __future__ import annotations

import datetime as dt

import pytest

from safewell.attendance import codes, store
from safewell.attendance.models import Mark, SessionStore
from safewell.attendance.store import MarkInput, MarksRejected, mark_write

pytestmark = pytest.mark.django_db

THU_4_SEP = dt.date(2025, 9, 4)
WED_3_SEP_INSET = dt.date(2025, 9, 3)
SAT_6_SEP = dt.date(2025, 9, 6)
MON_27_OCT_HALF_TERM = dt.date(2025, 10, 27)
MON_4_MAY_BANK_HOLIDAY = dt.date(2026, 5, 4)
BEFORE_ANY_YEAR = dt.date(2024, 9, 4)


def refused(marks: list[MarkInput]) -> list[tuple[int, str, str]]:
    with pytest.raises(MarksRejected) as rejected:
        mark_write(marks=marks)
    assert Mark.objects.count() == 0
    assert SessionStore.objects.count() == 0
    return [(p.index, p.field, p.message) for p in rejected.value.problems]


# (what is wrong, the mark, the field named, the message) — from the regulations and the
# calendar, not from our code: statutory.md §1 (codes, H withdrawn 19 Aug 2024) and §9
# (sessions are school days; L and U carry the minutes late).
CASES = [
    ("an unknown code", dict(code="F"), "code", codes.UNKNOWN_CODE.format(code="F")),
    ("H, withdrawn in 2024", dict(code="H"), "code", None),
    ("J, withdrawn in 2024", dict(code="J"), "code", None),
    ("a session that is neither AM nor PM", dict(session="EV"), "session", store.BAD_SESSION.format(session="EV")),
    ("minutes late on an illness mark", dict(code="I", minutes_late=10), "minutes_late",
     store.MINUTES_LATE_NOT_LATE.format(code="I")),
    ("negative minutes late", dict(code="L", minutes_late=-5), "minutes_late", store.MINUTES_LATE_NEGATIVE),
    ("an INSET day", dict(date=WED_3_SEP_INSET), "date", None),
    ("a Saturday", dict(date=SAT_6_SEP), "date", None),
    ("half term", dict(date=MON_27_OCT_HALF_TERM), "date", None),
    ("a bank holiday in term", dict(date=MON_4_MAY_BANK_HOLIDAY), "date", None),
    ("a date in no academic year", dict(date=BEFORE_ANY_YEAR), "date", None),
]


@pytest.mark.parametrize("what, change, field, message", CASES, ids=[c[0] for c in CASES])
def test_it_refuses_a_bad_mark_and_writes_nothing(school_year, what, change, field, message):
    _, _, north, _ = school_year
    good = MarkInput(north[0].id, THU_4_SEP, "AM", "/")
    bad = MarkInput(**{**dict(pupil_id=north[1].id, date=THU_4_SEP, session="AM", code="/"), **change})
    problems = refused([good, bad])
    assert {(index, f) for index, f, _ in problems} == {(1, field)}
    if message is not None:
        assert problems[0][2] == message


def test_a_withdrawn_code_is_refused_with_its_replacement_named(school_year):
    _, _, north, _ = school_year
    problems = refused([MarkInput(north[0].id, THU_4_SEP, "AM", "J")])
    assert "withdrawn on 19 August 2024" in problems[0][2] and "J1" in problems[0][2]


def test_two_marks_for_one_session_are_refused(school_year):
    _, _, north, _ = school_year
    problems = refused([MarkInput(north[0].id, THU_4_SEP, "AM", "/"), MarkInput(north[0].id, THU_4_SEP, "AM", "I")])
    assert problems == [
        (1, "pupil", store.DUPLICATE_MARK.format(pupil_id=north[0].id, date=THU_4_SEP, session="AM"))
    ]


def test_an_unknown_pupil_is_refused(school_year):
    problems = refused([MarkInput(999_999, THU_4_SEP, "AM", "/")])
    assert problems == [(0, "pupil", store.UNKNOWN_PUPIL.format(pupil_id=999_999))]


def test_every_problem_is_reported_at_once(school_year):
    _, _, north, _ = school_year
    problems = refused(
        [
            MarkInput(north[0].id, SAT_6_SEP, "AM", "/"),
            MarkInput(north[1].id, THU_4_SEP, "AM", "H"),
            MarkInput(north[2].id, THU_4_SEP, "XX", "/"),
        ]
    )
    assert [(i, f) for i, f, _ in problems] == [(0, "date"), (1, "code"), (2, "session")]


def test_a_lower_case_code_is_stored_in_its_national_spelling(school_year):
    _, _, north, _ = school_year
    mark_write(marks=[MarkInput(north[0].id, THU_4_SEP, "AM", "l", minutes_late=7)])
    mark = Mark.objects.get(pupil=north[0])
    assert (mark.code, mark.minutes_late) == ("L", 7)


@pytest.mark.parametrize(
    "fields",
    [dict(code="F"), dict(code="LL"), dict(session="EV"), dict(code="I", minutes_late=5), dict(source=9)],
    ids=["unknown code", "two letters that are no code", "no such session", "minutes on I", "no such source"],
)
def test_the_database_refuses_a_mark_the_services_would_refuse(school_year, fields):
    from django.db import IntegrityError, transaction

    _, _, north, _ = school_year
    values = {**dict(pupil=north[0], date=THU_4_SEP, session="AM", code="/"), **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.create(**values)
    Mark.objects.create(pupil=north[0], date=THU_4_SEP, session="AM", code="/")
    assert Mark.objects.count() == 1
