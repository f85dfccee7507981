"""Demo data of the safeguarding app: the case work behind three of docs/demo.md's stories,
written through the services as the DSLs would have written it, each at the time it happened.

- **Tyler Ashdown** (Brackenwell): the 12-school-day absence across half term. The DSL
  opens a CME case from the policy engine's `cme_ten_days` alert the morning it fired, makes
  the reasonable enquiries, tells Suffolk that day (the notification PDF is on the case),
  Suffolk acknowledges, the LA's safe-and-well check finds him at his aunt's; he comes back
  and a reintegration plan tracks a 90% attendance target against the register.
- **Leon Haverstock** (Brackenwell): returning after a hospital stay on a part-time
  timetable (C2): a reintegration plan linked to the timetable, reviewed by its review date.
- **Kayden Moult** (Lodefield, Marsh Drove), looked after by Norfolk: a missing-person
  profile kept in advance (Philomena part 1, with a drawn placeholder photo), the three
  missing episodes of `attendance/demo.py` (`Stories.missing_episodes`) with police
  references, the police's risk grades and return home interviews, and a fourth episode last
  night: back at 01:40, its 72-hour interview clock running (and its alert in the inbox).
- A teacher's concern about **Mason Pridmore**, waiting for the DSL team.

Runs after the policy app's demo (INSTALLED_APPS order), so the CME alert exists. Idempotent:
a story is written only when its child has no safeguarding record yet.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from safewell.accounts.models import User
from safewell.demo.demo_data.plan import demo_plan
from safewell.core.request_context import acting_as
from safewell.policy.models import Alert
from safewell.pupils.models import Pupil
from safewell.safeguarding import services
from safewell.safeguarding.models import ChronologyEntry, Concern
from safewell.schools.calendar import SchoolCalendar
from safewell.schools.models import Organisation

LONDON = ZoneInfo("Europe/London")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def load(*, today: dt.date) -> None:
    ap = Organisation.objects.get(name=demo_plan().organisation("ap").name)
    special = Organisation.objects.get(name=demo_plan().organisation("special").name)
    calendar = SchoolCalendar.for_site(ap.sites.get())
    _tyler(ap, today, calendar)
    _leon(ap, today)
    _mason_concern(ap, today, calendar)
    _kayden(special, today)


def _pupil(organisation: Organisation, forename: str, surname: str) -> Pupil | None:
    return Pupil.objects.filter(organisation=organisation, legal_forename=forename, legal_surname=surname).first()


def _has_record(pupil: Pupil) -> bool:
    return ChronologyEntry.objects.filter(pupil=pupil).exists()


def _user(username: str) -> User:
    return User.objects.get(username=username)


# --- Tyler Ashdown: the CME case ------------------------------------------------------------------


def _tyler(organisation: Organisation, today: dt.date, calendar: SchoolCalendar) -> None:
    tyler = _pupil(organisation, "Tyler", "Ashdown")
    alert = Alert.objects.filter(pupil=tyler, rule_id="cme_ten_days").order_by("raised_at").first()
    if tyler is None or alert is None or _has_record(tyler):
        return
    dsl, deputy = _user("ap.dsl"), _user("ap.deputy")
    opened = alert.raised_at.astimezone(LONDON).replace(hour=8, minute=20)
    day = opened.date()
    with acting_as(dsl.pk):
        case = services.case_open_from_alert(alert=alert, actor=dsl, now=opened)
        for kind, who, outcome, hour in (
            ("relatives", "Aunt (maternal), by phone", "Has not seen him since October half term; will call if he turns up.", 9),
            ("siblings_schools", "Thornwick High School, attendance office", "His sister has been in school every day.", 9),
            ("gp", "Riverside Surgery practice manager", "No appointments or contact since September.", 10),
            ("home_visit", "Two members of staff", "No answer at the flat; a neighbour says the family went away.", 11),
        ):
            services.reasonable_enquiry_record(case=case, actor=dsl, now=at(day, hour, 30), kind=kind, made_on=day,
                                               who=who, outcome=outcome)
        notification = case.referrals.get()
        services.referral_send(referral=notification, actor=dsl, now=at(day, 12), sending=services.Sending(
            sent_on=day, lawful_basis="legal_obligation", reference=""))
        acknowledged = calendar.nth_school_day_after(day, 1)
        services.referral_acknowledge(referral=notification, actor=dsl, now=at(acknowledged, 10),
                                      acknowledged_on=acknowledged, reference="SCC-CME-2026-0417")
        services.safe_and_well_check_record(
            case=case, actor=dsl, now=at(acknowledged, 16), checked_by="local_authority",
            checked_by_name="Children missing education officer, Suffolk County Council",
            checked_at=at(acknowledged, 15), child_seen=True, outcome="safe_and_well",
            notes="Seen at his aunt's in Lowestoft; the family had a housing crisis. Returning to the centre.")
        back = _first_day_back(tyler, after=day, today=today)
        if back is None:
            return
        services.chronology_entry_add(
            pupil=tyler, actor=deputy, kind="meeting", title="Return meeting with Tyler and his mother",
            body="Agreed a fresh start: a key adult each morning, and weekly contact with his social worker.",
            attendees="Tyler, his mother, the deputy DSL, his Damson group tutor", event_at=at(back, 9, 30),
            now=at(back, 15), case=case)
        services.reintegration_plan_create(
            case=case, actor=dsl, now=at(back, 15, 30),
            terms=services.PlanTerms(
                starts_on=back, monitoring_ends_on=back + dt.timedelta(weeks=6), attendance_target_percent=90,
                support="A key adult (his group tutor) checks in each morning; a quiet room at lunch; a weekly "
                        "call with his social worker.",
                digital_safety_checks="Checked with Tyler which apps he uses; no contact from unknown adults reported.",
                next_review_on=back + dt.timedelta(weeks=2)),
            actions=[services.Action("Check in with Tyler at the gate each morning", _user("ap.damson"), back + dt.timedelta(days=1)),
                     services.Action("Weekly call with Tyler's social worker", dsl, back + dt.timedelta(weeks=1)),
                     services.Action("Review meeting with the family and Thornwick High School", deputy,
                                     back + dt.timedelta(weeks=2), done_when="plan_reviewed")],
        )
        services.case_update(case=case, actor=dsl, now=at(back, 16), owner=dsl, status="monitoring",
                             next_review_on=back + dt.timedelta(weeks=2))
        _tyler_plan_followed(case, dsl, deputy, back=back, today=today)


def _tyler_plan_followed(case, dsl: User, deputy: User, *, back: dt.date, today: dt.date) -> None:
    """The plan's actions as they were done, up to yesterday: the first check-in and the first
    call are marked done; the review meeting is the plan's review, which completes its action."""
    plan = case.reintegration_plans.get()
    tasks = {t.title: t for t in plan.tasks.all()}
    for title, day, note in (
        ("Check in with Tyler at the gate each morning", back + dt.timedelta(days=1),
         "Grace Pellow meets him at the gate each morning."),
        ("Weekly call with Tyler's social worker", back + dt.timedelta(weeks=1),
         "Spoke to his social worker: the family's housing is settled; weekly calls continue."),
    ):
        if day < today:
            services.task_complete(task=tasks[title], actor=dsl, now=at(day, 16), note=note)
    review = back + dt.timedelta(weeks=2)
    if review < today:
        services.reintegration_review_record(
            plan=plan, actor=deputy, now=at(review, 16), reviewed_on=review,
            notes="Met Tyler, his mother and Thornwick High School: he is coming in most days; the attendance "
                  "officer follows up every session he misses. Keep the morning check-in to the end of term.",
            next_review_on=review + dt.timedelta(weeks=2))
        services.case_update(case=case, actor=dsl, now=at(review, 16, 30), owner=dsl, status="monitoring",
                             next_review_on=review + dt.timedelta(weeks=2))


def _first_day_back(pupil: Pupil, *, after: dt.date, today: dt.date) -> dt.date | None:
    """The first day after `after` the register shows the child present."""
    from safewell.attendance.models import Mark

    return (Mark.objects.filter(pupil=pupil, date__gt=after, date__lt=today, code__in=["/", "\\", "L"])
            .order_by("date").values_list("date", flat=True).first())


# --- Leon Haverstock: a part-time timetable in a reintegration plan -------------------------------


def _leon(organisation: Organisation, today: dt.date) -> None:
    from safewell.attendance.models import PlannedAbsence

    leon = _pupil(organisation, "Leon", "Haverstock")
    timetable = PlannedAbsence.objects.filter(pupil=leon, code="C2").first() if leon else None
    if timetable is None or _has_record(leon):
        return
    dsl = _user("ap.dsl")
    start = timetable.starts_on
    with acting_as(dsl.pk):
        case = services.case_open(pupil=leon, kind="absence_concern", owner=dsl, actor=dsl, now=at(start, 8),
                                  summary="Returning after a long hospital stay; a part-time timetable agreed with his "
                                          "family, Cressingfold Academy and his social worker.")
        services.reintegration_plan_create(
            case=case, actor=dsl, now=at(start, 9),
            terms=services.PlanTerms(
                starts_on=start, monitoring_ends_on=timetable.ends_on, attendance_target_percent=95,
                support="Mornings only, adding one afternoon at a time; the school nurse's plan for his medication.",
                next_review_on=timetable.review_on, part_time_timetable_id=timetable.pk),
            actions=[services.Action("Fortnightly review with the family and the placing school", dsl, timetable.review_on)],
        )


# --- Mason Pridmore: a concern waiting for the DSL team -----------------------------------------


def _mason_concern(organisation: Organisation, today: dt.date, calendar: SchoolCalendar) -> None:
    mason = _pupil(organisation, "Mason", "Pridmore")
    if mason is None or Concern.objects.filter(pupil=mason).exists():
        return
    teacher = _user("ap.beech")
    yesterday = calendar.nth_school_day_before(today, 1)
    with acting_as(teacher.pk):
        services.concern_raise(
            pupil=mason, actor=teacher, now=at(yesterday, 15, 40), categories=["neglect", "other"],
            description="Said he has to look after his little brother on Mondays and Fridays because mum works away. "
                        "Looked tired and hungry this afternoon.",
            action_taken="Gave him breakfast club details; told him I would pass this on.",
            observed_at=at(yesterday, 14, 50))


# --- Kayden Moult: missing from care ---------------------------------------------------------------


def _kayden(organisation: Organisation, today: dt.date) -> None:
    kayden = _pupil(organisation, "Kayden", "Moult")
    if kayden is None or _has_record(kayden):
        return
    deputy = _user("deputy.marsh")
    episodes = _missing_episode_dates(organisation, today, kayden.upn)
    if not episodes:
        return
    year_start = episodes[0][0] - dt.timedelta(days=20)
    with acting_as(deputy.pk):
        services.missing_person_profile_save(
            pupil=kayden, actor=deputy, now=at(year_start, 10), photo=placeholder_photo(),
            details=services.ProfileDetails(
                physical_description="White British, about 165 cm, slim build, short light-brown hair, blue eyes; "
                                     "a small scar on his chin; often wears a black cap.",
                next_review_on=today + dt.timedelta(days=30),
                friends_and_associates="Older boys from the Wisbech estate (names with the police); a friend from his "
                                       "last placement in King's Lynn.",
                places_frequented="Wisbech bus station; the King's Lynn retail park; his mother's old address in Norfolk.",
                phones_and_social_media="Mobile 07700 900207 (often switched off); gaming chat and a messaging app.",
                vulnerabilities="Looked after; known to the police; risk of criminal exploitation (county lines).",
                medical_information="Asthma: a blue inhaler, usually carried.",
                financial_information="No bank card; pocket money from the home on Fridays.",
                transport="Buses to King's Lynn and Peterborough; a bicycle."))
        case = None
        for index, (first, session, last) in enumerate(episodes):
            case = _kayden_episode(kayden, deputy, case, index, first, session, last)
        _kayden_last_night(kayden, deputy, case, today)


def _missing_episode_dates(organisation: Organisation, today: dt.date, upn: str) -> list[tuple[dt.date, str, dt.date]]:
    """The dates attendance/demo.py placed the looked-after child's missing episodes on."""
    from safewell.demo.attendance import DemoAttendance

    plan = next(p for p in demo_plan().organisations if p.name == organisation.name)
    stories = DemoAttendance(organisation, plan, today).stories
    return [(first, session, last) for found, first, session, last in stories.missing_episodes if found == upn]


# (police reference, risk grade, how he came back, where, interview: "completed" | "declined")
_EPISODES = (
    ("CC-20260917-0412", "medium", "found_by_police", "Found by the police at Peterborough railway station.", "completed"),
    ("CC-20261008-0187", "low", "returned", "Came back to the home himself, tired and hungry.", "declined"),
    ("CC-20261105-0233", "high", "found_by_police", "Found by the police in King's Lynn with two older youths.", "completed"),
)


def _kayden_episode(kayden, deputy, case, index, first, session, last):
    reference, grade, how, notes, interview = _EPISODES[index % len(_EPISODES)]
    from_school = session == "PM"
    seen = at(first, 12, 40) if from_school else at(first - dt.timedelta(days=1), 21, 30)
    reported = seen + dt.timedelta(minutes=50 if from_school else 90)
    episode = services.missing_episode_record(
        pupil=kayden, actor=deputy, now=reported + dt.timedelta(minutes=20), case=case,
        sighting=services.Sighting(
            missing_from="school" if from_school else "care_placement", last_seen_at=seen,
            last_seen_place="Leaving Marsh Drove at lunchtime by the back gate" if from_school
            else "Bramblewood Children's Home, going out to the shop",
            clothing="Black cap, grey hoodie, black joggers, white trainers",
            circumstances="Received several calls at lunch and left without telling anyone." if from_school else ""),
        police=services.PoliceReport(reported_at=reported, reference=reference, risk_grade=grade))
    returned = at(last, 17, 30)
    services.missing_episode_return(episode=episode, actor=deputy, now=returned + dt.timedelta(hours=1),
                                    back=services.Return(returned, how, notes))
    _interview_task(episode, deputy, now=returned + dt.timedelta(hours=1))
    offered = at(last + dt.timedelta(days=1), 10)
    done = services.Interview(status="declined", offered_at=offered, offered_by="Open Door return interview service",
                              responded_at=offered + dt.timedelta(hours=2), declined_reason="Did not want to talk about it.")
    if interview == "completed":
        done = services.Interview(
            status="completed", offered_at=offered, offered_by="Open Door return interview service",
            responded_at=offered, completed_at=returned + dt.timedelta(hours=66),
            conducted_by="Return interview worker, Open Door return interview service",
            push_factors=["poor_relationships"], pull_factors=["exploitation", "incentives", "gang_involvement"],
            findings="Says he was given money and a phone to carry things to King's Lynn; frightened of the older boys.")
    services.return_home_interview_record(episode=episode, actor=deputy, now=returned + dt.timedelta(hours=67), interview=done)
    return episode.case


def _kayden_last_night(kayden, deputy, case, today: dt.date) -> None:
    """Missing yesterday evening, found at 01:40 today: the interview clock is running."""
    yesterday = today - dt.timedelta(days=1)
    episode = services.missing_episode_record(
        pupil=kayden, actor=deputy, now=at(today, 7, 50), case=case,
        sighting=services.Sighting(missing_from="care_placement", last_seen_at=at(yesterday, 19, 30),
                                   last_seen_place="Bramblewood Children's Home, front door",
                                   clothing="Black puffer jacket, grey joggers, white trainers, black cap"),
        police=services.PoliceReport(reported_at=at(yesterday, 21, 15), reference="CC-" + yesterday.strftime("%Y%m%d") + "-0356",
                                     risk_grade="medium"))
    services.missing_episode_return(episode=episode, actor=deputy, now=at(today, 7, 55), back=services.Return(
        at(today, 1, 40), "found_by_police", "Found by the police at Wisbech bus station; cold but unhurt."))
    _interview_task(episode, deputy, now=at(today, 7, 58))
    services.return_home_interview_record(episode=episode, actor=deputy, now=at(today, 8, 10), interview=services.Interview(
        status="offered", offered_at=at(today, 8, 5), offered_by="Open Door return interview service"))


def _interview_task(episode, deputy: User, *, now: dt.datetime) -> None:
    """The deputy DSL asks for the return home interview: the task is done when the interview
    is recorded as held or declined (services.tasks_fulfil)."""
    due = (episode.returned_at + dt.timedelta(hours=72)).astimezone(LONDON).date()
    services.task_add(case=episode.case, actor=deputy, now=now, action=services.Action(
        "Ask Open Door to offer and hold the return home interview", deputy, due, done_when="return_home_interview"))


def placeholder_photo() -> bytes:
    """A drawn head-and-shoulders silhouette: the demo has no photographs of anyone."""
    image = Image.new("RGB", (240, 300), (230, 236, 237))
    draw = ImageDraw.Draw(image)
    draw.ellipse((75, 45, 165, 145), fill=(16, 97, 101))
    draw.ellipse((30, 160, 210, 380), fill=(16, 97, 101))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
