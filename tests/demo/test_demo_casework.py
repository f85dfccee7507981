"""The demo's case work (issue 7 "Done when"): the 12-school-day no-contact story is a CME
case with its LA notification PDF; the looked-after child's missing episode produces a
police pack and an RHI clock; a returning pupil's reintegration plan tracks its attendance
target. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.core.management import call_command
from pypdf import PdfReader

from safewell.accounts.models import User
from safewell.policy.models import Alert
from safewell.safeguarding import selectors
from safewell.safeguarding.models import (
    Case,
    CaseKind,
    ChronologyEntry,
    Concern,
    MissingEpisode,
    ReintegrationPlan,
    ReturnHomeInterview,
    Task,
)
from tests.demo.test_demo_fictional_names import KNOWN_SEED_NAMES

LONDON = ZoneInfo("Europe/London")


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_the_twelve_day_absence_is_a_cme_case_opened_from_its_alert_and_told_on_time(db, demo):
    case = Case.objects.get(pupil__legal_surname="Ashdown")
    assert case.kind == CaseKind.CME and case.alert.rule_id == "cme_ten_days"
    assert case.cme_due_on == dt.date(2026, 11, 9)  # the 10th school day, after half term and the INSET day
    notification = case.referrals.get()
    assert (notification.sent_on, notification.sent_on_time, notification.reference) == (
        dt.date(2026, 11, 9), True, "SCC-CME-2026-0417")
    assert case.enquiries.count() == 4 and case.checks.get().outcome == "safe_and_well"


def test_its_la_notification_pdf_reads_back(client, db, demo):
    case = Case.objects.get(pupil__legal_surname="Ashdown")
    client.force_login(User.objects.get(username="ap.dsl"))
    response = client.get(f"/safeguarding/referrals/{case.referrals.get().pk}/notification.pdf")
    text = pdf_text(response.content)
    assert "To: the children missing education officer, Suffolk" in text and "Tyler Ashdown" in text
    assert "This notification was sent on Monday 9 November 2026; it was due by Monday 9 November 2026" in text
    assert "No answer at the flat" in text
    # What the LA's CME officer needs first (issue 11 §7): the home address, the parents with
    # their numbers, when last seen, the absence in words, and whom to contact.
    for expected in ("Home address", "Amelia Ashdown", "07700 900332 (mobile)",
                     "At school on Friday 16 October 2026, afternoon session",
                     "20 sessions of O (absent in other or unknown circumstances)", "Please contact Ewan Tallack"):
        assert expected in text, expected
    for raw in ("Cme_due_on", "Sessions_by_code", "{'O'", "2026-10-19"):
        assert raw not in text, raw


def test_tylers_case_does_not_contradict_itself(db, demo):
    """The notification was sent on time, so its task is done; the plan's actions are done as
    recorded (issue 11 §6)."""
    case = Case.objects.get(pupil__legal_surname="Ashdown")
    notification_task = case.tasks.get(done_when="cme_notification_sent")
    assert notification_task.is_done and case.referrals.get().sent_on_time
    assert not [t.title for t in case.tasks.filter(completed_at__isnull=True, due_on__lt=case.referrals.get().sent_on)]
    plan_tasks = {t.title: t.is_done for t in case.reintegration_plans.get().tasks.all()}
    # On the demo's Friday 20 November the review meeting (Thursday 26 November) is still to come.
    assert plan_tasks == {"Check in with Tyler at the gate each morning": True,
                          "Weekly call with Tyler's social worker": True,
                          "Review meeting with the family and Thornwick High School": False}
    assert not [t for t in case.tasks.all() if t.is_overdue(demo)], "nothing on the case is overdue"


def test_the_looked_after_childs_episodes_have_the_polices_grades_and_interviews(db, demo):
    episodes = list(MissingEpisode.objects.filter(pupil__legal_surname="Moult").order_by("last_seen_at"))
    assert [e.police_risk_grade for e in episodes] == ["medium", "low", "high", "medium"]
    assert [ReturnHomeInterview.objects.get(episode=e).status for e in episodes] == [
        "completed", "declined", "completed", "offered"]
    assert episodes[2].missing_from == "school"  # left at lunchtime, as the register shows


def test_last_nights_episode_has_a_running_interview_clock_and_its_alert(db, demo):
    episode = MissingEpisode.objects.filter(pupil__legal_surname="Moult").latest("last_seen_at")
    morning = dt.datetime(2026, 11, 20, 9, tzinfo=LONDON)
    clock = selectors.interview_clock(episode, now=morning)
    assert clock.status == "running" and clock.due_by == dt.datetime(2026, 11, 23, 1, 40, tzinfo=LONDON)
    assert Alert.objects.get(rule_id="return_home_interview_due", episode_key=f"episode:{episode.pk}").is_live


def test_the_police_pack_holds_both_philomena_parts(client, db, demo):
    episode = MissingEpisode.objects.filter(pupil__legal_surname="Moult").latest("last_seen_at")
    client.force_login(User.objects.get(username="dsl"))
    response = client.get(f"/safeguarding/missing/{episode.pk}/police-pack.pdf")
    text = pdf_text(response.content)
    assert "Kayden Moult" in text and "Black puffer jacket" in text and "Wisbech bus station" in text
    assert "Asthma: a blue inhaler" in text and "Previous missing episodes (3)" in text


def test_a_returning_pupils_plan_tracks_its_attendance_target(db, demo):
    plan = ReintegrationPlan.objects.get(pupil__legal_surname="Ashdown")
    progress = selectors.plan_progress(plan, today=demo)
    # Back on Thu 12 Nov: 12 sessions to Thu 19 Nov, and today's morning once its register is taken.
    assert plan.starts_on == dt.date(2026, 11, 12) and progress.expected_sessions in (12, 13)
    assert progress.attended_sessions == progress.expected_sessions and progress.on_track
    assert Task.objects.filter(plan=plan).count() == 3


def test_the_part_time_timetable_is_measured_against_its_mornings(db, demo):
    plan = ReintegrationPlan.objects.get(pupil__legal_surname="Haverstock")
    progress = selectors.plan_progress(plan, today=demo)
    assert plan.next_review_on == plan.part_time_timetable.review_on
    assert progress.part_time_sessions >= 25  # every afternoon since Mon 5 Oct is C2 (docs/demo.md)
    # The DfE counts the C2 afternoons as absence; the plan measures him against his mornings.
    assert progress.dfe_attendance_percent < 60 < progress.percent


def test_a_teachers_concern_is_waiting_for_the_dsl_team(db, demo):
    concern = Concern.objects.get(pupil__legal_surname="Pridmore")
    assert not concern.is_triaged and concern.raised_by.username == "ap.beech"
    assert Alert.objects.get(rule_id="concern_awaiting_triage").is_live


def test_the_demo_case_work_names_no_seed_setting(db, demo):
    text = " ".join(f"{t} {b}" for t, b in ChronologyEntry.objects.values_list("title", "body")).lower()
    assert not any(name.lower() in text for name in KNOWN_SEED_NAMES)


def test_loading_the_demo_again_adds_no_case_work(db, demo):
    models = (Case, ChronologyEntry, MissingEpisode, ReintegrationPlan, Concern, Task)
    before = {m.__name__: m.objects.count() for m in models}
    call_command("demo_load", today=demo, verbosity=0)
    assert {m.__name__: m.objects.count() for m in models} == before
