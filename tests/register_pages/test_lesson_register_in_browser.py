"""Taking a lesson register in a real browser: from My registers to the lesson, all present
in one action, the exceptions by keyboard, saved through the lesson register API; a pupil
present at registration and marked absent is flagged as on site but missing (seed 004).
The same offline queue as the session register: marks kept while offline arrive once.
Every state passes axe-core, with no CSP violation."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import expect

from safewell.attendance.models import LessonMark, LessonRegister, Mark, SubmissionReceipt
from safewell.attendance.registers import MarkInput, register_submit
from tests.axe_check import assert_no_axe_violations
from tests.register_pages.lesson_pages_timetable import DURING_LESSON, swimming  # noqa: F401  (fixture)
from tests.conftest import sign_in
from tests.register_pages.register_pages_school import DAY, WHILE_OPEN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def lesson_marks() -> dict[int, tuple[str, int | None]]:
    return {m.pupil_id: (m.code, m.minutes_late) for m in LessonMark.objects.all()}


@pytest.fixture
def morning_taken(school):
    """Everyone present at the morning register except Cal (N)."""
    cal = school.pupils[2]
    register_submit(
        site=school.north, registration_group=school.form_7a, date=DAY, session="AM",
        marks=[MarkInput(p.pk, "N" if p == cal else "/") for p in school.pupils],
        idempotency_key=str(uuid.uuid4()), base_version=0, actor=school.personas.teacher, now=WHILE_OPEN,
    )


def test_a_teacher_takes_a_lesson_register_by_keyboard(page, live_server, school, swimming, morning_taken, clock, csp_errors):
    ada, bea, cal, *_ = school.pupils
    clock.set(DURING_LESSON)
    sign_in(page, live_server, school.personas.teacher)
    page.clock.set_fixed_time(DURING_LESSON)
    page.goto(f"{live_server.url}/attendance/registers/")
    page.get_by_role("link", name="7 Swim").click()
    expect(page.locator("h1")).to_contain_text("7 Swim: Swimming, P3")
    assert page.locator("[data-state]").all_inner_texts() == ["Not yet marked"] * 3
    expect(page.locator(f"[data-pupil='{bea.pk}']")).to_contain_text("Morning register: /")
    expect(page.locator(f"[data-pupil='{cal.pk}']")).to_contain_text("Morning register: N")
    assert_no_axe_violations(page)

    started = time.monotonic()
    page.get_by_role("button", name="Mark all not yet marked present (/)").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#code-{ada.pk}")).to_be_focused()
    page.keyboard.press("ArrowDown")  # Bea, here at registration, is not at the pool
    page.keyboard.type("n")
    expect(page.locator(f"[data-pupil='{bea.pk}'] [data-missing-on-site]")).to_be_visible()
    expect(page.locator(f"#feedback-{bea.pk}")).to_contain_text("Present at registration (/), absent from this lesson")
    page.keyboard.press("ArrowDown")  # Cal, absent this morning, arrives now: late
    page.keyboard.press("L")
    expect(page.get_by_role("button", name="Save register")).to_be_focused()
    expect(page.locator(f"#arrived-{cal.pk}")).to_have_value("11:05")
    # Cal was not here at registration: no "missing on site" for him.
    expect(page.locator(f"[data-pupil='{cal.pk}'] [data-missing-on-site]")).to_be_hidden()
    assert_no_axe_violations(page)
    page.keyboard.press("Enter")

    expect(page.locator("#register-status")).to_contain_text("Saved at 11:05")
    assert time.monotonic() - started < 60
    assert lesson_marks() == {ada.pk: ("/", None), bea.pk: ("N", None), cal.pk: ("L", 5)}
    assert LessonRegister.objects.get().version == 1
    assert SubmissionReceipt.objects.filter(lesson_register__isnull=False).count() == 1
    # The session register is untouched by the lesson's marks.
    assert dict(Mark.objects.filter(pupil__in=[ada, bea, cal]).values_list("pupil_id", "code")) == {
        ada.pk: "/", bea.pk: "/", cal.pk: "N",
    }
    expect(page.locator(f"[data-pupil='{cal.pk}'] [data-minutes-late]")).to_have_text("5 min late")
    assert page.locator("[data-state]").all_inner_texts() == ["Saved"] * 3
    expect(page.locator("[data-taken]")).to_have_text("Taken by teacher.")
    assert_no_axe_violations(page)
    assert csp_errors == []


def test_lesson_marks_saved_offline_arrive_once_when_back_online(page, live_server, school, swimming, clock, csp_errors):
    ada, bea, cal, *_ = school.pupils
    clock.set(DURING_LESSON)
    sign_in(page, live_server, school.personas.teacher)
    page.goto(f"{live_server.url}{swimming.url()}")
    page.context.set_offline(True)
    page.get_by_role("button", name="Mark all not yet marked present (/)").click()
    page.locator(f"#code-{bea.pk}").fill("N")
    page.get_by_role("button", name="Save register").click()

    expect(page.locator("#register-status")).to_contain_text("Waiting to send (offline): 3 marks kept on this device")
    assert not LessonMark.objects.exists()

    page.context.set_offline(False)
    expect(page.locator("#register-status")).to_contain_text("Saved at")
    assert lesson_marks() == {ada.pk: ("/", None), bea.pk: ("N", None), cal.pk: ("/", None)}
    assert LessonRegister.objects.get().version == 1
    assert SubmissionReceipt.objects.filter(lesson_register__isnull=False).count() == 1
    assert csp_errors == []
