"""Reads of first-day calling, scoped to who is asking: the calling list, absence episodes
(shared with the policy engine), a pupil's contact history, and the queues of the
attendance officer's day.

Who may do what (roles held at the pupil's site):

| role                          | calling list, log attempts, contact history | accept proposals, replies, reports | edit templates |
|-------------------------------|---------------------------------------------|------------------------------------|----------------|
| attendance_officer            | yes                                         | yes                                | yes            |
| dsl, deputy_dsl               | yes                                         | yes                                | no             |
| pastoral                      | yes (seed 004: home visits by pastoral staff) | no                               | no             |
| admin                         | no                                          | no                                 | yes            |
| teacher, external             | no                                          | no                                 | no             |

The calling list and a contact history show safeguarding facts (who is on a child
protection plan, which agencies were told), so each read is audited (audit_read).

Dependencies: followup sits below policy (design.md) and never imports it. The profile in
force (the ladder, the over-18 option, who counts as vulnerable) comes through
profile_settings.py, which policy fills at start-up; a vulnerable child is found by
`pupils.vulnerability.vulnerable_pupils`, as the engine finds them, so the calling list and
the engine agree. The engine reads this module's `current_absence_episodes`, `attempt_facts`
and `whereabouts_known_on`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from safewell.accounts.models import Role, User
from safewell.accounts.selectors import roles_for, sites_for
from safewell.attendance import episodes
from safewell.attendance.models import Mark, SessionRegister
from safewell.followup.ladder import AttemptFact, LadderState, ladder_state
from safewell.followup.models import (
    AbsenceReport,
    CodeProposal,
    ContactAttempt,
    ContactedKind,
    ContactOutcome,
    InboundMessage,
    MessagePurpose,
    OutboundMessage,
    ParentContactConsent,
    ReviewStatus,
)
from safewell.followup.profile_settings import followup_settings
from safewell.pupils.models import Contact, Enrolment, Pupil, Relationship
from safewell.pupils.vulnerability import vulnerable_pupils
from safewell.schools.calendar import OutsideCalendar, SchoolCalendar
from safewell.schools.models import Site

LONDON = ZoneInfo("Europe/London")
FOLLOWUP_ROLES = frozenset({Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL, Role.PASTORAL})
DECIDING_ROLES = frozenset({Role.ATTENDANCE_OFFICER, Role.DSL, Role.DEPUTY_DSL})
TEMPLATE_EDITORS = frozenset({Role.ADMIN, Role.ATTENDANCE_OFFICER})
# Unexplained: the reason is not yet known (N) or the absence is in unknown circumstances (O)
# (statutory.md §1 [S]); or no mark at all on a register that was taken (a pupil left off).
UNEXPLAINED_CODES = episodes.EPISODE_CODES
# How far back an absence episode is followed (school days): beyond the CME step.
EPISODE_LOOKBACK_SCHOOL_DAYS = 25

NOT_FOLLOWUP_STAFF = "First-day calling is for attendance officers, pastoral staff and the DSL team."
NOT_DECIDING_STAFF = "Only attendance officers and the DSL team accept reasons, replies and reports."


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


# --- Access ---------------------------------------------------------------------------------


def followup_sites_for(user: User) -> list[Site]:
    return list(sites_for(user, roles=FOLLOWUP_ROLES).order_by("organisation__name", "name"))


def site_for_followup(user: User, code: str | None, fallback: Site | None) -> tuple[Site, list[Site]]:
    """The site of a first-day calling page: `code` among the user's, else `fallback` if it is
    one of them, else the first. PermissionDenied when they have none."""
    sites = followup_sites_for(user)
    if not sites:
        raise PermissionDenied(NOT_FOLLOWUP_STAFF)
    if code:
        for site in sites:
            if site.code == code:
                return site, sites
        raise Http404("No such site")
    return (fallback if fallback in sites else sites[0]), sites


def pupil_for_followup(user: User, pupil_id: int) -> Pupil:
    """The pupil, if `user` may log and read contact attempts for them: a pupil at a site
    where they have no role does not exist for them (404); a role there without follow-up
    duties is refused (403)."""
    pupil = Pupil.objects.select_related("site", "site__organisation", "registration_group").filter(pk=pupil_id).first()
    if pupil is None or not roles_for(user, pupil.site):
        raise Http404("No such pupil")
    if not roles_for(user, pupil.site) & FOLLOWUP_ROLES:
        raise PermissionDenied(NOT_FOLLOWUP_STAFF)
    return pupil


def can_decide(user: User, site: Site) -> bool:
    return bool(roles_for(user, site) & DECIDING_ROLES)


# --- Who may be contacted -----------------------------------------------------------------


def parents_contactable(pupil: Pupil, on: dt.date, *, over_18_parent_notification: bool) -> bool:
    """Whether the family (not the pupil) may be contacted about an absence on `on`. For a
    student of 18 or over, only with their recorded consent when the profile says parents of
    over-18s are not told (seed 004 "Parental Notification": parents are informed "if the
    individual is under 18 years"; issue 6 §5: "only with the student's recorded consent")."""
    if not pupil.is_over_18(on) or over_18_parent_notification:
        return True
    latest = ParentContactConsent.objects.filter(pupil=pupil).order_by("-recorded_at", "-id").first()
    return latest is not None and latest.consents


def contact_is_family(contact: Contact) -> bool:
    return contact.relationship != Relationship.SELF


# --- Unexplained sessions and absence episodes ------------------------------------------------


@dataclass(frozen=True)
class AbsentSession:
    date: dt.date
    session: str
    code: str | None  # None: no mark on a register that was taken

    @property
    def label(self) -> str:
        return f"{self.session} {self.code or 'no mark'}"


@dataclass(frozen=True)
class Episode:
    """A pupil's current absence episode (attendance/episodes.py: the one definition the
    engine reads too): its qualifying sessions, from the first, up to now."""

    pupil_id: int
    site_id: int
    started_at: dt.datetime  # the close of the register of its first qualifying session
    sessions: tuple[AbsentSession, ...]  # the qualifying sessions (N, O), oldest first

    @property
    def first_date(self) -> dt.date:
        return self.sessions[0].date

    @property
    def school_days(self) -> int:
        """The school days it touches (a run from Monday afternoon to Tuesday morning: 2)."""
        return len({s.date for s in self.sessions})

    @property
    def school_days_counted(self) -> str:
        """Its length as the CME clock counts it: qualifying sessions / 2 ('1.5')."""
        return episodes.school_days_text(len(self.sessions))


def site_calendar(site: Site, start: dt.date, end: dt.date) -> SchoolCalendar | None:
    """The site's calendar from `start` to `end`, or None where it has no term dates."""
    try:
        calendar = SchoolCalendar.for_site(site, start, end)
    except OutsideCalendar:
        return None
    return calendar if calendar.years else None


def _closes_at(site: Site, day: dt.date, session: str) -> dt.datetime:
    return dt.datetime.combine(day, site.register_times(session)[1], tzinfo=LONDON)


def held_sessions(site: Site, calendar: SchoolCalendar, start: dt.date, now: dt.datetime) -> list[tuple[dt.date, str]]:
    """The site's held sessions from `start` to today (by `now`), in order, closed or not."""
    try:
        return calendar.sessions_between(start, local(now).date())
    except OutsideCalendar:
        return []


def closed_sessions(site: Site, calendar: SchoolCalendar, start: dt.date, now: dt.datetime) -> list[tuple[dt.date, str]]:
    """The site's held sessions from `start` whose registers had closed by `now`, in order."""
    return [(d, s) for d, s in held_sessions(site, calendar, start, now) if _closes_at(site, d, s) <= now]


def _marks(pupil_ids: Sequence[int], start: dt.date, end: dt.date) -> dict[tuple[int, dt.date, str], str]:
    rows = Mark.objects.filter(pupil_id__in=list(pupil_ids), date__range=(start, end)).values_list(
        "pupil_id", "date", "session", "code"
    )
    return {(p, d, s): c for p, d, s, c in rows}


def _taken_registers(site: Site, start: dt.date, end: dt.date) -> set[tuple[int, dt.date, str]]:
    rows = SessionRegister.objects.filter(site=site, date__range=(start, end), taken_at__isnull=False)
    return set(rows.values_list("registration_group_id", "date", "session"))


def _unexplained(code: str | None, group_id: int | None, day: dt.date, session: str, taken: set) -> AbsentSession | None:
    if code is not None:
        return AbsentSession(day, session, code) if code in UNEXPLAINED_CODES else None
    if group_id is not None and (group_id, day, session) in taken:
        return AbsentSession(day, session, None)
    return None  # a register not taken is the missing-registers board's business


def current_absence_episodes(site: Site, pupil_ids: Iterable[int], now: dt.datetime) -> dict[int, Episode]:
    """{pupil id: Episode} for the pupils of `site` in an absence episode at `now`, by
    attendance/episodes.py: the run of N and O sessions back from now, across school days,
    which a session with no mark (a register never taken, or taken without the child, or not
    yet taken today) neither ends nor extends, and any other mark ends. The policy engine
    reads episodes by the same definition from the session store (policy/engine/rules/
    contacts.py), so the calling list and the alerts agree."""
    ids = sorted(set(int(p) for p in pupil_ids))
    if not ids:
        return {}
    today = local(now).date()
    start = today - dt.timedelta(days=EPISODE_LOOKBACK_SCHOOL_DAYS * 7 // 5 + 14)
    calendar = site_calendar(site, start, today)
    if calendar is None:
        return {}
    sessions = held_sessions(site, calendar, start, now)[-2 * EPISODE_LOOKBACK_SCHOOL_DAYS:]
    if not sessions:
        return {}
    marks = _marks(ids, sessions[0][0], today)
    admitted = _admission_dates(site, ids, today)
    found: dict[int, Episode] = {}
    for pupil_id in ids:
        on_roll_from = admitted.get(pupil_id)
        states = [
            episodes.BREAKS if on_roll_from is None or day < on_roll_from
            else episodes.session_state(marks.get((pupil_id, day, session)))
            for day, session in sessions
        ]
        run = episodes.current_run(states)
        if run is None:
            continue
        qualifying = tuple(
            AbsentSession(day, session, marks[(pupil_id, day, session)])
            for (day, session), state in zip(sessions[run.first:run.last + 1], states[run.first:run.last + 1])
            if state == episodes.QUALIFIES
        )
        day, session = sessions[run.first]
        found[pupil_id] = Episode(pupil_id, site.pk, _closes_at(site, day, session), qualifying)
    return found


def _admission_dates(site: Site, pupil_ids: Sequence[int], on: dt.date) -> dict[int, dt.date]:
    """The admission date of each pupil's enrolment at `site` in force on `on`."""
    rows = Enrolment.objects.filter(
        site=site, pupil_id__in=list(pupil_ids), admission_date__lte=on
    ).filter(Q(leaving_date__isnull=True) | Q(leaving_date__gte=on)).values_list("pupil_id", "admission_date")
    found: dict[int, dt.date] = {}
    for pupil_id, admission in rows:
        found[pupil_id] = max(admission, found.get(pupil_id, admission))
    return found


def pupils_on_roll(site: Site, day: dt.date) -> list[int]:
    return sorted(_admission_dates(site, list(
        Pupil.objects.filter(site=site).values_list("pk", flat=True)
    ), day))


def unexplained_today(site: Site, day: dt.date, now: dt.datetime, pupil_ids: Sequence[int] | None = None) -> dict[int, list[AbsentSession]]:
    """{pupil id: the day's closed sessions that are unexplained}, for pupils on roll at
    `site` who were not pre-notified (an accepted absence report covering the day)."""
    ids = pupils_on_roll(site, day) if pupil_ids is None else list(pupil_ids)
    calendar = site_calendar(site, day, day)
    if calendar is None or not ids:
        return {}
    sessions = [(d, s) for d, s in closed_sessions(site, calendar, day, now) if d == day]
    if not sessions:
        return {}
    marks = _marks(ids, day, day)
    taken = _taken_registers(site, day, day)
    groups = dict(Pupil.objects.filter(pk__in=ids).values_list("pk", "registration_group_id"))
    prenotified = set(AbsenceReport.objects.filter(
        pupil_id__in=ids, status=ReviewStatus.ACCEPTED, first_day__lte=day, last_day__gte=day,
    ).values_list("pupil_id", flat=True))
    found: dict[int, list[AbsentSession]] = {}
    for pupil_id in ids:
        if pupil_id in prenotified:
            continue
        absent = [a for d, s in sessions if (a := _unexplained(marks.get((pupil_id, d, s)), groups.get(pupil_id), d, s, taken))]
        if absent:
            found[pupil_id] = absent
    return found


# --- Contact attempts as the ladder and the engine need them ----------------------------------


def _fact(attempt: ContactAttempt) -> AttemptFact:
    return AttemptFact(
        attempted_at=attempt.attempted_at,
        made_contact=attempt.made_contact,
        whereabouts_unknown_to_them=attempt.outcome == ContactOutcome.REACHED and attempt.whereabouts_known is False,
        to_family=attempt.contacted_kind != ContactedKind.AGENCY,
    )


def attempt_facts(pupil_ids: Iterable[int], since: dt.datetime) -> dict[int, list[AttemptFact]]:
    facts: dict[int, list[AttemptFact]] = defaultdict(list)
    for attempt in ContactAttempt.objects.filter(pupil_id__in=list(pupil_ids), attempted_at__gte=since).order_by("attempted_at"):
        facts[attempt.pupil_id].append(_fact(attempt))
    return facts


def whereabouts_known_on(pupil_ids: Iterable[int] | None, *, until: dt.datetime) -> dict[int, dt.date]:
    """{pupil id: the day their whereabouts were last established} by a contact attempt up
    to `until`: someone reached knew where the child was, or the child was seen. A later
    attempt where the person reached did not know undoes it (statutory.md §7.1 [C]). The
    CME rules count a run of absence only while whereabouts are unknown (seed 000 §7)."""
    rows = ContactAttempt.objects.filter(attempted_at__lte=until).filter(
        Q(child_seen=True) | Q(outcome=ContactOutcome.REACHED, whereabouts_known__isnull=False)
    )
    if pupil_ids is not None:
        rows = rows.filter(pupil_id__in=list(pupil_ids))
    latest: dict[int, tuple[dt.datetime, bool]] = {}
    for pupil_id, at, seen, known in rows.order_by("attempted_at", "id").values_list(
        "pupil_id", "attempted_at", "child_seen", "whereabouts_known"
    ):
        latest[pupil_id] = (at, seen or bool(known))
    return {pupil_id: local(at).date() for pupil_id, (at, known) in latest.items() if known}


# --- The calling list ---------------------------------------------------------------------------

TIER_VULNERABLE, TIER_NO_CONTACT_YESTERDAY, TIER_OTHER = 1, 2, 3
TIER_LABELS = {
    TIER_VULNERABLE: "Vulnerable: call first",
    TIER_NO_CONTACT_YESTERDAY: "Absent yesterday too, no contact made",
    TIER_OTHER: "First day",
}


@dataclass
class CallingEntry:
    pupil: Pupil
    sessions: list[AbsentSession]
    episode: Episode | None
    ladder: LadderState | None
    vulnerability: tuple[str, ...]
    contacts: list[Contact]
    family_contactable: bool
    attempts_today: list[ContactAttempt] = field(default_factory=list)
    proposal: CodeProposal | None = None
    report_waiting: AbsenceReport | None = None

    @property
    def contact_made(self) -> bool:
        return self.ladder is not None and self.ladder.contact_made

    @property
    def tier(self) -> int:
        if self.vulnerability:
            return TIER_VULNERABLE
        if self.episode is not None and self.episode.first_date < self.sessions[0].date and not self.contact_made:
            return TIER_NO_CONTACT_YESTERDAY
        return TIER_OTHER

    @property
    def school_days_absent(self) -> int:
        return self.episode.school_days if self.episode else 1


@dataclass
class Family:
    """Pupils on the list who share a parent's number or email: one call for all of them."""

    entries: list[CallingEntry]

    @property
    def tier(self) -> int:
        return min(e.tier for e in self.entries)

    @property
    def contact_made(self) -> bool:
        return all(e.contact_made for e in self.entries)

    @property
    def key(self) -> str:
        return "-".join(str(e.pupil.pk) for e in self.entries)

    def sort_key(self) -> tuple:
        first = self.entries[0].pupil
        return (self.tier, -max(e.school_days_absent for e in self.entries), first.surname, first.forename, first.pk)


@dataclass
class CallingList:
    site: Site
    day: dt.date
    is_school_day: bool
    closed: list[str]
    next_close: dt.datetime | None
    families: list[Family]

    @property
    def to_contact(self) -> list[Family]:
        return [f for f in self.families if not f.contact_made]

    @property
    def contacted(self) -> list[Family]:
        return [f for f in self.families if f.contact_made]

    @property
    def pupil_ids(self) -> list[int]:
        return [e.pupil.pk for f in self.families for e in f.entries]


def family_messages_open(site: Site, now: dt.datetime) -> bool:
    """Whether messages may go to families now (the profile's hours for them)."""
    start, end = followup_settings(site.organisation_id).family_hours
    return start <= local(now).time() < end


def texts_note(site: Site, day: dt.date, now: dt.datetime) -> str:
    """What the calling list says about first-day texts today: when the automatic ones go, and
    that once their hour has passed a person sends them (issue 11 §3). Empty for another day."""
    if day != local(now).date():
        return ""
    calling = followup_settings(site.organisation_id)
    start, end = calling.family_hours
    wall = local(now).time()
    if not family_messages_open(site, now):
        return f"No texts or emails go to families now: only between {start:%H:%M} and {end:%H:%M}. Phone if it cannot wait."
    if not calling.send_messages_automatically:
        return f"First-day texts are sent by hand here, between {start:%H:%M} and {end:%H:%M}."
    at = calling.send_messages_at
    if wall < at:
        return f"First-day texts go automatically at {at:%H:%M} to the families still to contact."
    if (dt.datetime.combine(day, wall) - dt.datetime.combine(day, at)) < dt.timedelta(hours=1):
        return f"First-day texts are going now (from {at:%H:%M}) to the families still to contact."
    return (f"The automatic first-day texts went at {at:%H:%M}. For a child added to the list since, "
            f"send the text yourself if it is still right (until {end:%H:%M}).")


def calling_day(site: Site, now: dt.datetime) -> dt.date:
    """Today, or on a day the site does not meet (a weekend, a holiday), the last school day
    before it: what the calling list shows when no day is asked for."""
    today = local(now).date()
    calendar = site_calendar(site, today - dt.timedelta(days=30), today)
    if calendar is None or calendar.is_school_day(today):
        return today
    try:
        return calendar.nth_school_day_before(today, 1)
    except OutsideCalendar:
        return today


def calling_list(*, site: Site, day: dt.date, now: dt.datetime) -> CallingList:
    """Every unexplained absence of `day` at `site` whose register has closed, by family,
    the most at risk first (issue 6 §1): a vulnerable child (the profile's `vulnerable_if`,
    as the engine reads it); then a child absent yesterday too with no contact made; then the
    rest, longest absent first. Not access-scoped: the views check the site first."""
    calendar = site_calendar(site, day, day)
    is_school_day = calendar is not None and calendar.is_school_day(day)
    held = calendar.sessions(day) if is_school_day else ()
    closed = [s for s in held if _closes_at(site, day, s) <= now]
    upcoming = [_closes_at(site, day, s) for s in held if _closes_at(site, day, s) > now]
    absent = unexplained_today(site, day, now) if closed else {}
    entries = _entries(site, day, now, absent)
    return CallingList(site, day, is_school_day, closed, min(upcoming, default=None), _families(entries))


def _entries(site: Site, day: dt.date, now: dt.datetime, absent: dict[int, list[AbsentSession]]) -> list[CallingEntry]:
    if not absent:
        return []
    ids = sorted(absent)
    calling = followup_settings(site.organisation_id)
    pupils = {p.pk: p for p in Pupil.objects.filter(pk__in=ids).select_related("registration_group", "site")}
    episodes = current_absence_episodes(site, ids, now)
    earliest = min((e.started_at for e in episodes.values()), default=now)
    facts = attempt_facts(ids, earliest)
    vulnerable = vulnerable_pupils(today=day, markers=calling.vulnerable_if, pupil_ids=ids)
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(pupil_id__in=ids).order_by("pupil_id", "priority"):
        contacts[contact.pupil_id].append(contact)
    over_18_option = calling.over_18_parent_notification
    entries = []
    for pupil_id in ids:
        episode = episodes.get(pupil_id)
        ladder = ladder_state(rungs=calling.ladder, started_at=episode.started_at, attempts=facts.get(pupil_id, []), now=now) \
            if episode else None
        found = vulnerable.get(pupil_id)
        entries.append(CallingEntry(
            pupil=pupils[pupil_id], sessions=absent[pupil_id], episode=episode, ladder=ladder,
            vulnerability=found.kinds if found else (), contacts=contacts[pupil_id],
            family_contactable=parents_contactable(pupils[pupil_id], day, over_18_parent_notification=over_18_option),
        ))
    _attach_today(entries, day)
    return entries


def _attach_today(entries: list[CallingEntry], day: dt.date) -> None:
    by_pupil = {e.pupil.pk: e for e in entries}
    for attempt in ContactAttempt.objects.filter(pupil_id__in=list(by_pupil), absence_date=day).select_related(
        "message", "recorded_by"
    ).order_by("attempted_at", "id"):
        by_pupil[attempt.pupil_id].attempts_today.append(attempt)
    for proposal in CodeProposal.objects.filter(pupil_id__in=list(by_pupil), date=day, status=ReviewStatus.PENDING):
        by_pupil[proposal.pupil_id].proposal = proposal
    for report in AbsenceReport.objects.filter(
        pupil_id__in=list(by_pupil), status=ReviewStatus.PENDING, first_day__lte=day, last_day__gte=day
    ):
        by_pupil[report.pupil_id].report_waiting = report


def family_keys(contact: Contact) -> set[str]:
    """What makes two pupils one family for a call: a parent's number or email address."""
    if not (contact.parental_responsibility or contact.lives_with) or not contact_is_family(contact):
        return set()
    keys = {number for _, number in contact.phones}
    if contact.email:
        keys.add(contact.email.lower())
    return keys


def _families(entries: list[CallingEntry]) -> list[Family]:
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, entry in enumerate(entries):
        for contact in entry.contacts:
            for key in family_keys(contact):
                if key in owner:
                    parent[root(i)] = root(owner[key])
                else:
                    owner[key] = i
    groups: dict[int, list[CallingEntry]] = defaultdict(list)
    for i, entry in enumerate(entries):
        groups[root(i)].append(entry)
    families = [Family(sorted(members, key=lambda e: (e.tier, e.pupil.surname, e.pupil.forename))) for members in groups.values()]
    return sorted(families, key=Family.sort_key)


def siblings_on_the_list(pupil: Pupil, *, day: dt.date, now: dt.datetime) -> list[Pupil]:
    """The brothers and sisters on `pupil`'s family card of the day's calling list."""
    for family in calling_list(site=pupil.site, day=day, now=now).families:
        members = [e.pupil for e in family.entries]
        if pupil in members:
            return [p for p in members if p != pupil]
    return []


def same_person_for(pupil: Pupil, contact: Contact) -> Contact | None:
    """`pupil`'s own record of the person `contact` is (the same number or email address)."""
    keys = {number for _, number in contact.phones} | ({contact.email.lower()} if contact.email else set())
    return next((c for c in pupil.contacts.all().order_by("priority")
                 if keys & ({n for _, n in c.phones} | ({c.email.lower()} if c.email else set()))), None)


# --- A pupil's contact history and the day's queues ---------------------------------------------


def contact_history(pupil: Pupil, *, limit: int = 200) -> list[ContactAttempt]:
    """A pupil's contact attempts, newest first (the views audit the read)."""
    return list(
        ContactAttempt.objects.filter(pupil=pupil).select_related("message", "recorded_by", "accompanied_by", "corrects")
        .order_by("-attempted_at", "-id")[:limit]
    )


def proposals_waiting(site: Site) -> list[CodeProposal]:
    return list(CodeProposal.objects.filter(site=site, status=ReviewStatus.PENDING).select_related("pupil", "attempt")
                .order_by("date", "created_at"))


def replies_waiting(site: Site) -> list[InboundMessage]:
    return list(InboundMessage.objects.filter(status=ReviewStatus.PENDING, possible_pupils__site=site)
                .distinct().prefetch_related("possible_pupils").order_by("received_at"))


def reports_waiting(site: Site) -> list[AbsenceReport]:
    return list(AbsenceReport.objects.filter(site=site, status=ReviewStatus.PENDING).select_related("pupil")
                .order_by("received_at"))


def messages_of_day(site: Site, day: dt.date) -> list[OutboundMessage]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)
    return list(OutboundMessage.objects.filter(site=site, created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
                .select_related("pupil").order_by("-created_at", "-id"))


def notices_sent_to(email: str, *, pupils, since: dt.datetime) -> list[OutboundMessage]:
    """The absence notices sent to `email` since `since` about `pupils` (a queryset the
    caller has already scoped), newest first: what an agency's own user sees as new on their
    home page (the notices are theirs; no safeguarding detail beyond what was sent)."""
    if not email:
        return []
    return list(OutboundMessage.objects.filter(
        purpose=MessagePurpose.AGENCY_NOTICE, address__iexact=email, created_at__gte=since, pupil__in=pupils,
    ).select_related("pupil").order_by("-created_at", "-id"))


def pupils_in_absence_episodes(*, now: dt.datetime) -> list[int]:
    """Every pupil, at any site, in an absence episode at `now` (the escalation ladder's
    pupils): one query for the candidates (an N or O in the last three weeks: an episode
    can stand over a two-week holiday, or behind registers not yet taken), then their
    episodes."""
    since = local(now).date() - dt.timedelta(days=21)
    by_site: dict[int, set[int]] = defaultdict(set)
    for pupil_id, site_id in Mark.objects.filter(date__gte=since, code__in=sorted(UNEXPLAINED_CODES)).values_list(
        "pupil_id", "pupil__site_id"
    ).distinct():
        by_site[site_id].add(pupil_id)
    found: list[int] = []
    for site in Site.objects.filter(pk__in=list(by_site)):
        found += list(current_absence_episodes(site, by_site[site.pk], now))
    return sorted(found)
