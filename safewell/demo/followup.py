"""Demo data of first-day calling (docs/demo.md, "The morning of the demo's today"):

1. **The calls of the weeks before** (`history_load`): every run of unexplained absence (N
   or O) in the five weeks before yesterday had its first-day call, reaching a parent who
   knew where the child was (as a school that has been using Safewell would have). Two
   stories are the exceptions: Tyler Ashdown's 12 school days (no contact was ever made,
   his story) and the looked-after child's missing episodes (the children's home was
   reached and did not know where he was: the police definition of missing).
2. **This morning** (`morning_load`): the morning registers of today are taken, except
   those of the teachers in the README's logins (Cedar, Kestrel and Swift keep a register
   to take), with these absences, no reason given:
   - Brackenwell: Leon Haverstock (a child in need, with a social worker: the vulnerable
     child at the top of the list); two pupils who share a mother (one call for the
     family); a pupil absent yesterday too, with no contact made (second on the list); one
     more first-day absence;
   - Lodefield: two pupils at Marsh Drove, and a student of 18 or over at Tithe Barn (she
     is texted herself, not her family).
   So the attendance officer (ap.attendance, attendance) has a morning list to work
   through once the morning registers close.

Runs after the attendance demo (INSTALLED_APPS order) and before the policy demo, which
replays the nightly evaluation over these. Idempotent: the history is added once (a pupil
with any attempt is skipped), the registers are submitted with a fixed idempotency key,
and the sibling contact is made only once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from safewell.accounts.models import Role, User
from safewell.attendance import store
from safewell.attendance.models import Mark, MarkSource, SessionRegister
from safewell.attendance.registers import MarkInput, planned_codes, register_submit
from safewell.audit.services import audit_bulk
from safewell.demo.demo_data.plan import demo_plan
from safewell.followup.models import ContactAttempt, ContactChannel, ContactedKind, ContactOutcome, ReasonCategory
from safewell.followup.selectors import site_calendar
from safewell.pupils.models import Pupil, RegistrationGroup, Relationship
from safewell.schools.models import Site

LONDON = ZoneInfo("Europe/London")
HISTORY_DAYS = 35
PRESENT = {"AM": "/", "PM": "\\"}
CME_STORY_SURNAME = "Ashdown"
MISSING_STORY_SURNAME = "Moult"
VULNERABLE_TODAY = ("Leon", "Haverstock")


def load(*, today: dt.date) -> None:
    for plan in demo_plan().organisations:
        for site_plan in plan.sites:
            site = Site.objects.select_related("organisation").get(code=site_plan.code)
            absent, second_day = absent_this_morning(site, today)
            history_load(site, today, not_called=set(second_day))
            morning_load(site, today, _untaken_groups(plan), absent)


def _untaken_groups(plan) -> set[str]:
    """The groups of the README's teachers: they still have today's register to take."""
    listed = {s.username for s in plan.staff if s.listed and s.role == Role.TEACHER}
    return {g.name for site in plan.sites for g in site.groups if g.tutor in listed}


def _officer(site: Site) -> User:
    return User.objects.filter(memberships__site=site, memberships__role=Role.ATTENDANCE_OFFICER).order_by("pk").first()


# --- The calls of the weeks before ---------------------------------------------------------------


def history_load(site: Site, today: dt.date, *, not_called: set[int]) -> None:
    """The first-day calls of every run of N or O before today, except for the pupils of
    `not_called` and the CME story."""
    pupils = {p.pk: p for p in Pupil.objects.filter(site=site).prefetch_related("contacts")}
    if ContactAttempt.objects.filter(pupil_id__in=list(pupils)).exists():
        return
    runs = _unexplained_runs(list(pupils), today - dt.timedelta(days=HISTORY_DAYS), today - dt.timedelta(days=1))
    officer = _officer(site)
    attempts = []
    for pupil_id, first_day, first_session in runs:
        pupil = pupils[pupil_id]
        if pupil.legal_surname == CME_STORY_SURNAME or pupil_id in not_called:
            continue  # the stories: no contact was made
        attempt = _history_attempt(site, pupil, first_day, first_session, officer)
        if attempt is not None:
            attempts.append(attempt)
    created = ContactAttempt.objects.bulk_create(attempts)
    audit_bulk(action="create", targets=created, detail="demo: the first-day calls of the weeks before")


def _unexplained_runs(pupil_ids: list[int], start: dt.date, end: dt.date) -> list[tuple[int, dt.date, str]]:
    """(pupil, first day, first session) of each run of N/O sessions from `start` to `end`."""
    sessions: dict[int, list[tuple[dt.date, str, str]]] = defaultdict(list)
    for pupil_id, day, session, code in Mark.objects.filter(
        pupil_id__in=pupil_ids, date__range=(start, end)
    ).order_by("pupil_id", "date", "session").values_list("pupil_id", "date", "session", "code"):
        sessions[pupil_id].append((day, session, code))
    runs = []
    for pupil_id, marks in sessions.items():
        previous_unexplained = False
        for day, session, code in marks:
            unexplained = code in ("N", "O")
            if unexplained and not previous_unexplained:
                runs.append((pupil_id, day, session))
            previous_unexplained = unexplained
    return runs


def _history_attempt(site: Site, pupil: Pupil, day: dt.date, session: str, officer: User) -> ContactAttempt | None:
    contact = next((c for c in pupil.contacts.all() if not c.do_not_contact and c.mobile_phone), None)
    if contact is None:
        return None
    closes = site.register_times(session)[1]
    at = dt.datetime.combine(day, closes, tzinfo=LONDON) + dt.timedelta(minutes=35)
    missing = pupil.legal_surname == MISSING_STORY_SURNAME
    return ContactAttempt(
        pupil=pupil, site=site, absence_date=day, channel=ContactChannel.PHONE,
        contacted_kind=ContactedKind.PUPIL if contact.relationship == Relationship.SELF else ContactedKind.CONTACT,
        contact=contact if contact.relationship != Relationship.SELF else None, contacted_name=contact.name,
        contacted_role=contact.get_relationship_display(), address=contact.mobile_phone, attempted_at=at,
        outcome=ContactOutcome.REACHED, whereabouts_known=not missing,
        reason_category="" if missing else ReasonCategory.REFUSING_SCHOOL,
        notes=("Not at the home and not where he was expected; the home has reported him missing to the police."
               if missing else "At home; would not come in."),
        recorded_by=officer, recorded_at=at,
    )


# --- This morning ----------------------------------------------------------------------------------


def morning_load(site: Site, today: dt.date, untaken: set[str], absent: set[int]) -> None:
    calendar = site_calendar(site, today, today)
    if calendar is None or "AM" not in calendar.sessions(today):
        return
    opens = site.register_times("AM")[0]
    taken_at = dt.datetime.combine(today, opens, tzinfo=LONDON) + dt.timedelta(minutes=5)
    for group in RegistrationGroup.objects.filter(site=site).exclude(name__in=untaken).select_related("tutor"):
        pupils = list(Pupil.objects.filter(registration_group=group).values_list("pk", flat=True))
        planned = planned_codes(pupil_ids=pupils, date=today, session="AM")
        marks = [MarkInput(p, "N" if p in absent else planned[p].code if p in planned else PRESENT["AM"]) for p in pupils]
        register_submit(
            site=site, registration_group=group, date=today, session="AM", marks=marks,
            idempotency_key=f"demo-morning-{group.pk}-{today.isoformat()}", base_version=_version(group, today),
            actor=group.tutor, now=taken_at,
        )


def _version(group: RegistrationGroup, today: dt.date) -> int:
    register = SessionRegister.objects.filter(registration_group=group, date=today, session="AM").first()
    return register.version if register else 0


def absent_this_morning(site: Site, today: dt.date) -> tuple[set[int], list[int]]:
    """(the pupils absent this morning with no reason given, those of them absent yesterday
    too): see the module docstring. Chosen by UPN among pupils who are in no other story
    and have no social worker, except the vulnerable child of the Brackenwell story."""
    candidates = [
        p for p in Pupil.objects.filter(site=site, registration_group__isnull=False).exclude(
            characteristics__kind__in=["looked_after", "child_protection_plan", "child_in_need"]
        ).exclude(registration_group__tutor__username__in=_listed_teachers()).order_by("upn").distinct()
        if p.legal_surname not in _story_surnames()
    ]
    children = [p for p in candidates if not p.is_over_18(today)]
    if site.code == "brackenwell":
        first, second, again, another = children[:4]
        _share_a_mother(first, second)
        _absent_yesterday_too(site, again, today)
        vulnerable = Pupil.objects.filter(site=site, legal_forename=VULNERABLE_TODAY[0], legal_surname=VULNERABLE_TODAY[1])
        return {first.pk, second.pk, again.pk, another.pk, *vulnerable.values_list("pk", flat=True)}, [again.pk]
    if site.code.endswith("tithe-barn"):
        return _first_adult(candidates, today), []
    return {children[0].pk, children[1].pk}, []


def _first_adult(candidates: list[Pupil], today: dt.date) -> set[int]:
    return next(({p.pk} for p in candidates if p.is_over_18(today)), set())


def _listed_teachers() -> set[str]:
    return {s.username for s in demo_plan().staff if s.listed and s.role == Role.TEACHER}


def _story_surnames() -> set[str]:
    return {s.surname for s in demo_plan().stories}


def _share_a_mother(first: Pupil, second: Pupil) -> None:
    """Brother and sister with one mother (different surnames): the calling list groups
    them, and one call does for both."""
    mother = first.contacts.filter(relationship=Relationship.MOTHER).first()
    theirs = second.contacts.filter(relationship=Relationship.MOTHER).first()
    if mother is None or theirs is None or theirs.mobile_phone == mother.mobile_phone:
        return
    theirs.name, theirs.mobile_phone, theirs.email = mother.name, mother.mobile_phone, mother.email
    theirs.save(update_fields=["name", "mobile_phone", "email"])


def _absent_yesterday_too(site: Site, pupil: Pupil, today: dt.date) -> None:
    """Yesterday's marks of the second-day story: N both sessions, written like the rest of
    the demo's past marks (store.mark_write), so no contact has been made for it."""
    calendar = site_calendar(site, today - dt.timedelta(days=14), today)
    yesterday = calendar.nth_school_day_before(today, 1)
    store.mark_write(marks=[store.MarkInput(pupil.pk, yesterday, s, "N") for s in calendar.sessions(yesterday)],
                     source=MarkSource.GENERATED, recorded_at=dt.datetime.combine(yesterday, dt.time(9), tzinfo=LONDON))
