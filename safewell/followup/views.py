"""The attendance officer's day (issue 6 §7): one page per site with the calling list (kept
live by htmx), the ledger, the replies and reports to accept, the code proposals and the
day's messages; the one-screen form to log an attempt; the templates; the demo's SMS and
email logs.

Who may use what: selectors.py (the table at the top). Views parse, check the site, call a
service or selector, and render; reads of safeguarding facts are audited here, once per
page and once per change of what the live list shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safewell.accounts.models import User
from safewell.accounts.selectors import roles_for
from safewell.audit.services import audit_read
from safewell.accounts.current_site import current_site
from safewell.followup import agency, forms, messages as family_messages, selectors, services, templates
from safewell.followup.models import (
    AbsenceReport,
    CodeProposal,
    ContactChannel,
    ContactedKind,
    InboundMessage,
    MessageTemplate,
    ReasonCategory,
    TemplateKind,
)
from safewell.followup.selectors import LONDON, local
from safewell.core.email_log import email_log_path
from safewell.core.sms import sms_log_path
from safewell.pupils.models import Contact, Pupil

NO_SUCH_DATE = "There is no date {day}."
ATTEMPT_LOGGED = "{outcome}: {channel} to {who} about {pupil} recorded."
PROPOSAL_WAITING = " A code proposal ({code}) waits for acceptance."
PROPOSAL_ACCEPTED = "{pupil}: {code} recorded for {sessions} on {date:%-d %B}, with the reason."
PROPOSAL_REJECTED = "{pupil}: the proposal was not accepted; the mark is unchanged."
MESSAGE_QUEUED = "A first-day {channel} to {who} about {pupil} is queued."
NOTICES_QUEUED = "{count} absence notice(s) to agencies queued."
REPLY_ACCEPTED = "The reply is now a contact attempt on {pupil}'s record."
REPLY_REJECTED = "The reply was set aside."
REPORT_ACCEPTED = "{pupil}'s absence report is accepted: they are off the calling list for those days."
REPORT_REJECTED = "The absence report was not accepted."
TEMPLATE_SAVED = "{kind} saved."
CONSENT_RECORDED = "{pupil}'s decision about contacting their family is recorded."
NOT_TEMPLATE_EDITOR = "Message templates are edited by administrators and attendance officers."
NO_SMS_LOG = "There is no text message log: this Safewell sends texts through a real provider."
NO_EMAIL_LOG = "There is no email log: this Safewell sends emails through a real server."
CHOOSE_A_PUPIL = "Choose the pupil."
MESSAGE_LOG_LINES = 200


def _now() -> dt.datetime:
    """The one place these views read the clock."""
    return timezone.now()


def _day(request: HttpRequest, now: dt.datetime, site=None) -> dt.date:
    """The day asked for; else today, or the last school day when the site does not meet today."""
    value = request.GET.get("day") or request.POST.get("day")
    if not value:
        return selectors.calling_day(site, now) if site is not None else local(now).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404(NO_SUCH_DATE.format(day=value)) from None


def _site(request: HttpRequest):
    return selectors.site_for_followup(request.user, request.GET.get("site") or request.POST.get("site"),
                                       current_site(request))


def _day_url(site, day: dt.date, anchor: str = "") -> str:
    return f"{reverse('followup:day')}?site={site.code}&day={day.isoformat()}{anchor}"


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return error.messages


# --- The day page and the live calling list ---------------------------------------------------


@require_GET
@login_required
def day(request: HttpRequest) -> HttpResponse:
    site, sites = _site(request)
    now = _now()
    today = _day(request, now, site)
    calling = selectors.calling_list(site=site, day=today, now=now)
    _audit_list(request, calling, force=True)
    return render(request, "followup/day.html", {
        "site": site, "sites": sites, "day": today, "calling": calling, "now": now,
        "can_decide": selectors.can_decide(request.user, site),
        "proposals": selectors.proposals_waiting(site), "replies": selectors.replies_waiting(site),
        "reports": selectors.reports_waiting(site), "day_messages": selectors.messages_of_day(site, today),
        "ledger": _ledger(site, today), "sms_log_shown": sms_log_path() is not None,
        "email_log_shown": email_log_path() is not None,
        "tier_labels": selectors.TIER_LABELS, "reason_choices": ReasonCategory.choices,
        "not_today": today != local(now).date(), "texts_note": selectors.texts_note(site, today, now),
        "texts_open": selectors.family_messages_open(site, now),
    })


@require_GET
@login_required
def calling_list_part(request: HttpRequest) -> HttpResponse:
    """The calling list alone, swapped in by htmx every 30 seconds: marks and contacts
    arriving elsewhere move pupils on and off it without a reload."""
    site, _ = _site(request)
    now = _now()
    calling = selectors.calling_list(site=site, day=_day(request, now), now=now)
    _audit_list(request, calling, force=False)
    return render(request, "followup/_calling_list.html", {"site": site, "day": calling.day, "calling": calling,
                                                           "now": now, "tier_labels": selectors.TIER_LABELS,
                                                           "can_decide": selectors.can_decide(request.user, site),
                                                           "texts_note": selectors.texts_note(site, calling.day, now),
                                                           "texts_open": selectors.family_messages_open(site, now)})


def _audit_list(request: HttpRequest, calling: selectors.CallingList, *, force: bool) -> None:
    """The list shows who is on a child protection plan or looked after: audit the read,
    on each page load and whenever the live list shows a different set of pupils."""
    shown = ",".join(f"{e.pupil.pk}:{'/'.join(e.vulnerability)}" for f in calling.families for e in f.entries)
    digest = hashlib.sha256(f"{calling.site.pk}|{calling.day}|{shown}".encode()).hexdigest()
    key = f"followup:calling:{calling.site.pk}"
    if force or request.session.get(key) != digest:
        request.session[key] = digest
        audit_read(target=calling.site, detail=f"calling list of {calling.day.isoformat()}: "
                                               f"{len(calling.pupil_ids)} pupil(s) {calling.pupil_ids[:200]}")


def _ledger(site, day: dt.date):
    from safewell.followup.models import ContactAttempt

    return list(ContactAttempt.objects.filter(site=site, absence_date=day).select_related(
        "pupil", "message", "recorded_by").order_by("-attempted_at", "-id")[:200])


# --- Logging an attempt ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def attempt_new(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_for_followup(request.user, pupil_id)
    now = _now()
    absence_day = _day(request, now)
    contacts = list(pupil.contacts.all().order_by("priority"))
    staff = list(User.objects.filter(memberships__site=pupil.site, is_active=True).exclude(pk=request.user.pk)
                 .distinct().order_by("first_name", "last_name"))
    siblings = selectors.siblings_on_the_list(pupil, day=absence_day, now=now)
    initial = {"who": str(contacts[0].pk) if contacts else forms.WHO_PUPIL, "at": f"{local(now):%H:%M}",
               "also_for": [str(p.pk) for p in siblings]}
    form = forms.ContactAttemptForm(request.POST or None, contacts=contacts, staff=staff, siblings=siblings,
                                    initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = [p for p in siblings if str(p.pk) in form.cleaned_data.get("also_for", [])]
        try:
            attempts = _log_for_family(request.user, pupil, chosen, absence_day, form.cleaned_data, contacts, staff, now)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _logged_words(attempts))
            return redirect(_day_url(pupil.site, absence_day, f"#pupil-{pupil.pk}"))
    history = selectors.contact_history(pupil, limit=10)
    if history:
        audit_read(target=pupil, detail="contact history (the attempt form)")
    return render(request, "followup/attempt_form.html", {
        "pupil": pupil, "form": form, "day": absence_day, "contacts": contacts, "history": history,
    }, status=400 if request.method == "POST" else 200)


def _log_for_family(actor, pupil: Pupil, siblings: list[Pupil], day: dt.date, data: dict, contacts: list[Contact],
                    staff: list[User], now: dt.datetime) -> list:
    """The attempt about `pupil`, and the same call about each brother or sister chosen, to
    their record of the same person (matched by number or email): all or none."""
    with transaction.atomic():
        attempts = [_log(actor, pupil, day, data, contacts, staff, now)]
        contact = attempts[0].contact
        for sibling in siblings:
            theirs = selectors.same_person_for(sibling, contact) if contact is not None else None
            if theirs is not None:
                attempts.append(_log(actor, sibling, day, {**data, "who": str(theirs.pk)}, [theirs], staff, now))
    return attempts


def _logged_words(attempts: list) -> str:
    first = attempts[0]
    words = ATTEMPT_LOGGED.format(outcome=first.get_outcome_display(), channel=first.get_channel_display().lower(),
                                  who=first.contacted_name, pupil=" and ".join(str(a.pupil) for a in attempts))
    proposals = [p.code for a in attempts for p in a.code_proposals.all()]
    return words + (PROPOSAL_WAITING.format(code=proposals[0]) if proposals else "")


def _log(actor, pupil: Pupil, day: dt.date, data: dict, contacts: list[Contact], staff: list[User], now: dt.datetime):
    who = data["who"]
    contact = next((c for c in contacts if str(c.pk) == who), None)
    kind = ContactedKind.PUPIL if who == forms.WHO_PUPIL else ContactedKind.AGENCY if who == forms.WHO_AGENCY \
        else ContactedKind.CONTACT
    attempted_at = dt.datetime.combine(local(now).date(), data["at"], tzinfo=LONDON)
    return services.contact_attempt_log(
        actor=actor, pupil=pupil, absence_date=day, channel=data["channel"], contacted_kind=kind, contact=contact,
        contacted_name=data["agency_name"] if kind == ContactedKind.AGENCY else "", outcome=data["outcome"],
        attempted_at=attempted_at, now=now, reason_category=data["reason_category"], reason_text=data["reason_text"],
        whereabouts_known={"known": True, "unknown": False}.get(data["whereabouts"]), child_seen=data["child_seen"],
        child_safe_and_well={"yes": True, "no": False}.get(data["child_safe_and_well"]),
        accompanied_by=next((u for u in staff if str(u.pk) == data["accompanied_by"]), None), notes=data["notes"],
    )


# The service's field names, as the form calls them.
_FORM_FIELD = {"contact": "who", "contacted_kind": "who", "contacted_name": "agency_name", "professional": "who",
               "whereabouts_known": "whereabouts", "attempted_at": "at", "absence_date": None}


def _add_errors(form, error: ValidationError) -> None:
    for field, problems in getattr(error, "message_dict", {"__all__": error.messages}).items():
        target = _FORM_FIELD.get(field, field)
        for problem in problems:
            form.add_error(target if target in form.fields else None, problem)


# --- Messages, notices, proposals, replies, reports --------------------------------------------


@require_POST
@login_required
def message_send(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_for_followup(request.user, pupil_id)
    now = _now()
    absence_day = _day(request, now)
    channel = request.POST.get("channel")
    if channel not in (ContactChannel.SMS, ContactChannel.EMAIL):
        raise Http404("No such channel")
    try:
        attempt = family_messages.first_day_message_send(pupil=pupil, day=absence_day, channel=channel,
                                                         actor=request.user, now=now)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
    else:
        messages.success(request, MESSAGE_QUEUED.format(channel="text" if channel == ContactChannel.SMS else "email",
                                                        who=attempt.contacted_name, pupil=pupil))
    return redirect(_day_url(pupil.site, absence_day, f"#pupil-{pupil.pk}"))


@require_POST
@login_required
def agency_notices_send(request: HttpRequest) -> HttpResponse:
    site, _ = _site(request)
    if not selectors.can_decide(request.user, site):
        raise PermissionDenied(selectors.NOT_DECIDING_STAFF)
    now = _now()
    absence_day = _day(request, now)
    count = agency.agency_notices_send(site=site, day=absence_day, now=now, actor=request.user)
    messages.success(request, NOTICES_QUEUED.format(count=count))
    return redirect(_day_url(site, absence_day, "#messages"))


def _decision(request: HttpRequest, form_class):
    form = form_class(request.POST)
    if not form.is_valid():
        raise Http404("No such decision")
    return form.cleaned_data


@require_POST
@login_required
def proposal_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(CodeProposal.objects.select_related("pupil", "site"), pk=proposal_id)
    if not roles_for(request.user, proposal.site):
        raise Http404("No such proposal")
    data = _decision(request, forms.DecisionForm)
    now = _now()
    try:
        if data["decision"] == "accept":
            proposal = services.code_proposal_accept(proposal=proposal, actor=request.user, now=now)
            messages.success(request, PROPOSAL_ACCEPTED.format(pupil=proposal.pupil, code=proposal.code,
                                                               sessions=" and ".join(proposal.sessions_changed),
                                                               date=proposal.date))
        else:
            services.code_proposal_reject(proposal=proposal, actor=request.user, note=data["note"], now=now)
            messages.success(request, PROPOSAL_REJECTED.format(pupil=proposal.pupil))
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
    return redirect(_day_url(proposal.site, proposal.date, "#proposals"))


@require_POST
@login_required
def reply_decide(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = get_object_or_404(InboundMessage, pk=reply_id)
    sites = {p.site for p in reply.possible_pupils.select_related("site")}
    if not any(roles_for(request.user, s) for s in sites):
        raise Http404("No such reply")
    site, _ = _site(request)
    data = _decision(request, forms.ReplyDecisionForm)
    now = _now()
    try:
        if data["decision"] == "accept":
            pupil = reply.possible_pupils.filter(pk=data["pupil"] or 0).first()
            if pupil is None:
                raise ValidationError(CHOOSE_A_PUPIL)
            services.inbound_message_accept(
                message=reply, pupil=pupil, actor=request.user, reason_category=data["reason_category"],
                whereabouts_known={"known": True, "unknown": False}.get(data["whereabouts"]), notes=data["note"], now=now)
            messages.success(request, REPLY_ACCEPTED.format(pupil=pupil))
        else:
            services.inbound_message_dismiss(message=reply, actor=request.user, note=data["note"], now=now)
            messages.success(request, REPLY_REJECTED)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
    return redirect(_day_url(site, local(now).date(), "#replies"))


@require_POST
@login_required
def report_decide(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(AbsenceReport.objects.select_related("site", "pupil"), pk=report_id)
    if not roles_for(request.user, report.site):
        raise Http404("No such report")
    data = _decision(request, forms.ReportDecisionForm)
    now = _now()
    try:
        if data["decision"] == "accept":
            chosen = Pupil.objects.filter(pk=data["pupil"], site=report.site).first() if data["pupil"] else None
            report = services.absence_report_accept(report=report, actor=request.user, now=now, pupil=chosen)
            messages.success(request, REPORT_ACCEPTED.format(pupil=report.pupil))
        else:
            services.absence_report_reject(report=report, actor=request.user, note=data["note"], now=now)
            messages.success(request, REPORT_REJECTED)
    except ValidationError as error:
        messages.error(request, " ".join(_errors(error)))
    return redirect(_day_url(report.site, local(now).date(), "#reports"))


@require_POST
@login_required
def consent_record(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_for_followup(request.user, pupil_id)
    consents = request.POST.get("consents")
    if consents not in ("yes", "no"):
        raise Http404("No such decision")
    services.parent_contact_consent_record(pupil=pupil, consents=consents == "yes", note=request.POST.get("note", ""),
                                           actor=request.user, now=_now())
    messages.success(request, CONSENT_RECORDED.format(pupil=pupil))
    return redirect(reverse("followup:contact_history", kwargs={"pupil_id": pupil.pk}))


@require_GET
@login_required
def contact_history(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """A pupil's whole contact history, and the over-18 consent."""
    pupil = selectors.pupil_for_followup(request.user, pupil_id)
    history = selectors.contact_history(pupil, limit=1000)
    audit_read(target=pupil, detail=f"contact history: {len(history)} attempt(s)")
    now = _now()
    return render(request, "followup/contact_history.html", {
        "pupil": pupil, "history": history, "over_18": pupil.is_over_18(local(now).date()),
        "consents": list(pupil.parent_contact_consents.select_related("recorded_by")[:20]),
    })


# --- Templates and the demo's SMS log --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def message_templates(request: HttpRequest) -> HttpResponse:
    """The school's own wording of each message, with the placeholders it may use."""
    site = current_site(request)
    editable = [s for s in [site] if s is not None and roles_for(request.user, s) & selectors.TEMPLATE_EDITORS]
    if not editable:
        raise PermissionDenied(NOT_TEMPLATE_EDITOR)
    organisation = editable[0].organisation
    errors: dict[str, dict[str, list[str]]] = {}
    posted = {}
    if request.method == "POST":
        form = forms.TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            problems = templates.template_problems(kind=data["kind"], subject=data["subject"], body=data["body"])
            if problems:
                errors[data["kind"]], posted[data["kind"]] = problems, data
            else:
                MessageTemplate.objects.update_or_create(
                    organisation=organisation, kind=data["kind"],
                    defaults={"subject": data["subject"], "body": data["body"], "updated_by": request.user,
                              "updated_at": _now()},
                )
                messages.success(request, TEMPLATE_SAVED.format(kind=TemplateKind(data["kind"]).label))
                return redirect(reverse("followup:templates"))
    rows = []
    for kind, label in TemplateKind.choices:
        wording = templates.wording_for(organisation.pk, kind)
        shown = posted.get(kind, {"subject": wording.subject, "body": wording.body})
        rows.append({"kind": kind, "label": label, "subject": shown["subject"], "body": shown["body"],
                     "is_sms": kind in templates.SMS_KINDS, "errors": errors.get(kind, {}),
                     "placeholders": sorted(templates.PLACEHOLDERS[kind])})
    return render(request, "followup/templates.html", {"organisation": organisation, "rows": rows},
                  status=400 if errors else 200)


@dataclass(frozen=True)
class MessageLog:
    """A log the demo's texts or emails are written to instead of being sent, one per line."""

    title: str
    writer: str  # what writes it: "provider" (texts) or "backend" (emails)
    messages: str
    caption: str
    headings: tuple[str, ...]  # one per tab-separated field of a line
    missing: str  # why there is no page, when another provider or backend is in use
    audit_detail: str


SMS_LOG = MessageLog(title="SMS log", writer="provider", messages="texts",
                     caption="Text messages written to the log, newest first",
                     headings=("When", "To", "Message"), missing=NO_SMS_LOG, audit_detail="the SMS log")
EMAIL_LOG = MessageLog(title="Email log", writer="backend", messages="emails",
                       caption="Emails written to the log, newest first",
                       headings=("When", "To", "Subject", "Message"), missing=NO_EMAIL_LOG,
                       audit_detail="the email log")


@require_GET
@login_required
def sms_log(request: HttpRequest) -> HttpResponse:
    """The demo's fake SMS provider writes each text to a file; this shows the newest."""
    return _message_log(request, SMS_LOG, sms_log_path())


@require_GET
@login_required
def email_log(request: HttpRequest) -> HttpResponse:
    """The demo's email backend writes each email to a file; this shows the newest."""
    return _message_log(request, EMAIL_LOG, email_log_path())


def _message_log(request: HttpRequest, log: MessageLog, path: Path | None) -> HttpResponse:
    """The newest lines of a log of tab-separated messages, for the follow-up staff."""
    selectors.site_for_followup(request.user, None, current_site(request))
    if path is None:
        raise Http404(log.missing)
    lines = path.read_text(encoding="utf-8").splitlines()[-MESSAGE_LOG_LINES:] if path.exists() else []
    audit_read(target=current_site(request) or selectors.followup_sites_for(request.user)[0], detail=log.audit_detail)
    fields = len(log.headings)
    rows = [line.split("\t", fields - 1) for line in reversed(lines)]
    return render(request, "followup/message_log.html",
                  {"log": log, "rows": [row for row in rows if len(row) == fields], "path": path})
