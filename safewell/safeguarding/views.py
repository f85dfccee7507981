"""Safeguarding pages. Thin: parse the form, call a selector (scoped, audited) or a service
(checked, one transaction), render. Who sees what is decided in selectors.py: anyone outside
every DSL team gets 403, a DSL-team member of another site 404; any member of staff may
raise a concern and see the concerns they raised, nothing more.

A form that a service refuses is shown again with each message against its field (status
400), and nothing is written."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safewell.accounts.models import Membership, Role, User
from safewell.policy import evidence_text
from safewell.policy.selectors import alert_for_user
from safewell.pupils.models import Pupil
from safewell.pupils.selectors import characteristic_kinds_on
from safewell.safeguarding import chronology, forms, pdf, questions, selectors, services
from safewell.safeguarding.documents import read_limited
from safewell.safeguarding.models import (
    LIVE_CASE_STATUSES,
    CaseKind,
    ChronologyEntry,
    ConcernCategory,
    DestructionRecord,
    EnquiryKind,
    EntryKind,
    ExportFormat,
    LawfulBasis,
    LegalHold,
    ReferralKind,
    TaskDoneWhen,
)

GET_POST = require_http_methods(["GET", "POST"])
SAVED = "Saved to the chronology."
CASE_OPENED = "Case opened. You are its owner."
CONCERN_RAISED = (
    "Thank you: your concern is with the DSL team, who have been alerted. If a child is in immediate "
    "danger, call 999 now."
)
PDF_NAME = "{what}-{upn}-{day:%Y-%m-%d}.pdf"


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


def _typed(moment: dt.datetime | None) -> str:
    """A moment as a datetime-local field shows it (London time)."""
    return timezone.localtime(moment).strftime(forms.DATETIME_FORMAT) if moment else ""


def _submitted(request: HttpRequest, form, action: Callable[[], object]) -> bool:
    """Run `action` for a valid POSTed form; a service refusal goes onto the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        action()
    except ValidationError as error:
        forms.show_errors(form, error)
        return False
    return True


def _page(request: HttpRequest, template: str, context: dict, *, form=None) -> HttpResponse:
    status = 400 if form is not None and form.errors else 200
    return render(request, template, {"form": form, **context}, status=status)


def _form_page(request: HttpRequest, form, *, title: str, pupil: Pupil | None = None, back: str = "",
               submit: str = "Save", intro: str = "", extra: dict | None = None) -> HttpResponse:
    return _page(request, "safeguarding/form_page.html", {
        "title": title, "pupil": pupil, "back": back, "submit": submit, "intro": intro, **(extra or {}),
    }, form=form)


def _case_url(case_id: int) -> str:
    return reverse("safeguarding:case_detail", kwargs={"case_id": case_id})


def _pupil_url(pupil_id: int) -> str:
    return reverse("safeguarding:pupil_record", kwargs={"pupil_id": pupil_id})


def _team(pupil: Pupil):
    """Who may own a case of this child: the DSL team of the site, and the lead DSLs."""
    return User.objects.filter(
        Q(memberships__site_id=pupil.site_id, memberships__role__in=selectors.CASEWORK_ROLES)
        | Q(memberships__role=Role.DSL, memberships__site__organisation_id=pupil.organisation_id),
        is_active=True,
    ).distinct().order_by("last_name", "first_name", "username")


def _staff(pupil: Pupil):
    """Who may own an action: staff of the child's site, and the lead DSLs."""
    return User.objects.filter(
        Q(memberships__site_id=pupil.site_id) & ~Q(memberships__role=Role.EXTERNAL)
        | Q(memberships__role=Role.DSL, memberships__site__organisation_id=pupil.organisation_id),
        is_active=True,
    ).distinct().order_by("last_name", "first_name", "username")


def _pdf_response(content: bytes, name: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- The dashboard and the child's record --------------------------------------------------------


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    site_code = request.GET.get("site", "")
    board = selectors.dashboard_for_user(request.user, now=_now(), site_code=site_code)
    return render(request, "safeguarding/dashboard.html", {"board": board, "site_code": site_code, "today": _today()})


def _filters(request: HttpRequest, form: forms.ChronologyFilterForm, *, default_all: bool = True) -> chronology.ChronologyFilter:
    if not form.is_valid():
        return chronology.ChronologyFilter()
    data = form.cleaned_data
    groups = frozenset(data["groups"]) if data["groups"] or not default_all else chronology.GROUP_KEYS
    case = request.GET.get("case", "")
    return chronology.ChronologyFilter(groups=groups, start=data["start"], end=data["end"],
                                       case_id=int(case) if case.isdigit() else None,
                                       newest_first=data["order"] == "newest")


@require_GET
@login_required
@never_cache
def pupil_record(request: HttpRequest, pupil_id: int) -> HttpResponse:
    form = forms.ChronologyFilterForm(request.GET or None, groups=chronology.FILTER_GROUPS)
    filters = _filters(request, form)
    record = selectors.chronology_for_user(request.user, pupil_id, filters, today=_today())
    return render(request, "safeguarding/pupil_record.html", {
        "record": record, "pupil": record.pupil, "filter_form": form, "query": request.GET.urlencode(),
        "is_lead": selectors.is_lead_dsl(request.user, record.pupil.organisation_id), "today": _today(),
    })


@require_GET
@login_required
def chronology_print(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """The filtered chronology as a PDF, to print."""
    form = forms.ChronologyFilterForm(request.GET or None, groups=chronology.FILTER_GROUPS)
    filters = _filters(request, form)
    record = selectors.chronology_for_user(request.user, pupil_id, filters, today=_today(), purpose="chronology printed")
    content = pdf.chronology_pdf(pupil=record.pupil, items=record.items, filters=filters, generated_at=_now())
    return _pdf_response(content, PDF_NAME.format(what="chronology", upn=record.pupil.upn, day=_today()), inline=True)


# --- Cases ------------------------------------------------------------------------------------------


@GET_POST
@login_required
def case_open(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_for_casework(request.user, pupil_id)
    form = forms.CaseOpenForm(request.POST or None, owners=_team(pupil), initial={"owner": request.user})
    opened = {}

    def act():
        data = form.cleaned_data
        due = None
        if data["kind"] == CaseKind.CME and data["first_day_absent"]:
            due = services.cme_due_date(site=pupil.site, first_day_absent=data["first_day_absent"],
                                        school_days=services.cme_school_days(pupil.organisation_id))
        opened["case"] = services.case_open(pupil=pupil, kind=data["kind"], summary=data["summary"], owner=data["owner"],
                                            actor=request.user, now=_now(), cme_due_on=due,
                                            next_review_on=data["next_review_on"])

    if _submitted(request, form, act):
        messages.success(request, CASE_OPENED)
        return redirect(_case_url(opened["case"].pk))
    return _form_page(request, form, title=f"Open a case for {pupil.display_name}", pupil=pupil,
                      back=_pupil_url(pupil.pk), submit="Open the case")


@require_POST
@login_required
def case_open_from_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The alert page's one click."""
    selectors.require_casework(request.user)
    alert, _ = alert_for_user(request.user, alert_id)
    try:
        case = services.case_open_from_alert(alert=alert, actor=request.user, now=_now())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("policy:alert_detail", alert_id=alert.pk)
    messages.success(request, CASE_OPENED)
    return redirect(_case_url(case.pk))


@require_GET
@login_required
@never_cache
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    detail = selectors.case_detail_for_user(request.user, case_id)
    now = _now()
    return render(request, "safeguarding/case_detail.html", {
        "detail": detail, "case": detail.case, "pupil": detail.case.pupil, "today": _today(),
        "clocks": {e.pk: selectors.interview_clock(e, now=now) for e in detail.episodes},
        "enquiry_kinds": [(key, label, key in detail.enquiry_kinds_done) for key, label in EnquiryKind.choices],
        "evidence": evidence_text.evidence_rows(detail.case.alert_evidence or {}),
    })


@GET_POST
@login_required
def case_edit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    form = forms.CaseEditForm(request.POST or None, owners=_team(case.pupil), initial={
        "owner": case.owner, "status": case.status, "next_review_on": case.next_review_on})
    if _submitted(request, form, lambda: services.case_update(
            case=case, actor=request.user, now=_now(), owner=form.cleaned_data["owner"],
            status=form.cleaned_data["status"], next_review_on=form.cleaned_data["next_review_on"])):
        messages.success(request, SAVED)
        return redirect(_case_url(case.pk))
    return _form_page(request, form, title=f"Change case {case.pk}", pupil=case.pupil, back=_case_url(case.pk))


@GET_POST
@login_required
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    form = forms.CaseCloseForm(request.POST or None)
    if _submitted(request, form, lambda: services.case_close(
            case=case, actor=request.user, now=_now(), outcome=form.cleaned_data["outcome"],
            rationale=form.cleaned_data["rationale"])):
        messages.success(request, "Case closed.")
        return redirect(_case_url(case.pk))
    return _form_page(request, form, title=f"Close case {case.pk}", pupil=case.pupil, back=_case_url(case.pk),
                      submit="Close the case")


# --- The chronology ---------------------------------------------------------------------------------


def _case_of(request: HttpRequest, pupil: Pupil):
    raw = request.GET.get("case", "")
    if not raw.isdigit():
        return None
    case = selectors.case_for_user(request.user, int(raw))
    if case.pupil_id != pupil.pk:
        raise Http404(selectors.NO_SUCH_RECORD)
    return case


@GET_POST
@login_required
def entry_add(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_for_casework(request.user, pupil_id)
    case = _case_of(request, pupil)
    form = forms.EntryForm(request.POST or None, initial={"kind": EntryKind.NOTE, "event_at": _typed(_now())})
    if _submitted(request, form, lambda: services.chronology_entry_add(
            pupil=pupil, actor=request.user, now=_now(), case=case, kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"], body=form.cleaned_data["body"], event_at=form.cleaned_data["event_at"],
            attendees=form.cleaned_data["attendees"])):
        messages.success(request, SAVED)
        return redirect(_case_url(case.pk) if case else _pupil_url(pupil.pk))
    return _form_page(request, form, title="Add a note, meeting or decision", pupil=pupil,
                      back=_case_url(case.pk) if case else _pupil_url(pupil.pk))


@GET_POST
@login_required
def entry_correct(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry: ChronologyEntry = selectors.entry_for_user(request.user, entry_id)
    form = forms.CorrectionForm(request.POST or None)
    if _submitted(request, form, lambda: services.chronology_entry_correct(
            entry=entry, actor=request.user, now=_now(), correction=form.cleaned_data["correction"])):
        messages.success(request, "Correction added beside the entry.")
        return redirect(_pupil_url(entry.pupil_id))
    return _form_page(request, form, title="Correct an entry", pupil=entry.pupil, back=_pupil_url(entry.pupil_id),
                      submit="Add the correction", extra={"corrected": entry})


# --- Concerns --------------------------------------------------------------------------------------


@GET_POST
@login_required
def concern_raise(request: HttpRequest) -> HttpResponse:
    pupils = selectors.pupils_for_concerns(request.user).order_by("legal_surname", "legal_forename")
    initial = {"observed_at": _typed(_now())}
    raw = request.GET.get("pupil", "")
    if raw.isdigit():
        if not pupils.filter(pk=int(raw)).exists():
            raise Http404("No such pupil")
        initial["pupil"] = int(raw)
    form = forms.ConcernForm(request.POST or None, pupils=pupils, initial=initial)
    if _submitted(request, form, lambda: services.concern_raise(
            pupil=form.cleaned_data["pupil"], actor=request.user, now=_now(),
            categories=form.cleaned_data["categories"], description=form.cleaned_data["description"],
            action_taken=form.cleaned_data["action_taken"], observed_at=form.cleaned_data["observed_at"])):
        messages.success(request, CONCERN_RAISED)
        return redirect("safeguarding:concerns_mine")
    return _form_page(request, form, title="Raise a safeguarding concern", submit="Send to the DSL team",
                      back=reverse("safeguarding:concerns_mine"),
                      intro="Only the DSL team reads concerns. If a child is in immediate danger, call 999 first.")


@require_GET
@login_required
def concerns_mine(request: HttpRequest) -> HttpResponse:
    if not selectors.can_raise_concerns(request.user):
        raise PermissionDenied(selectors.NOT_STAFF)
    return render(request, "safeguarding/concerns_mine.html", {"concerns": selectors.concerns_raised_by(request.user)[:100]})


@GET_POST
@login_required
@never_cache
def concern_triage(request: HttpRequest, concern_id: int) -> HttpResponse:
    concern = selectors.concern_detail_for_user(request.user, concern_id)
    cases = selectors.cases_visible_to(request.user).filter(pupil=concern.pupil, status__in=LIVE_CASE_STATUSES)
    form = forms.TriageForm(request.POST or None, cases=cases)
    if not concern.is_triaged and _submitted(request, form, lambda: services.concern_triage(
            concern=concern, actor=request.user, now=_now(), decision=form.cleaned_data["decision"],
            rationale=form.cleaned_data["rationale"], case=form.cleaned_data["case"])):
        messages.success(request, "Concern triaged.")
        concern.refresh_from_db()
        return redirect(_case_url(concern.case_id) if concern.case_id else _pupil_url(concern.pupil_id))
    labels = questions.labels(tuple(ConcernCategory.choices), concern.categories)
    return _page(request, "safeguarding/concern_triage.html", {"concern": concern, "pupil": concern.pupil,
                                                                "categories": labels}, form=form)


# --- Risk assessment -------------------------------------------------------------------------------


@GET_POST
@login_required
def assessment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    today = _today()
    held = characteristic_kinds_on(case.pupil, today)
    form = forms.AssessmentForm(request.POST or None, initial={
        "contextual_factors": [f for f, kind in questions.CHARACTERISTIC_OF_FACTOR.items() if kind in held],
        "review_on": today + dt.timedelta(weeks=4),
    })
    evidence = selectors.attendance_evidence(case.pupil, today=today)

    def act():
        data = form.cleaned_data
        services.risk_assessment_record(
            case=case, actor=request.user, now=_now(), answers=form.answers(), judgement=data["judgement"],
            rationale=data["rationale"], review_on=data["review_on"], push_factors=data["push_factors"],
            pull_factors=data["pull_factors"], contextual_factors=data["contextual_factors"],
            other_factors=data["other_factors"], online_considerations=data["online_considerations"],
            online_safety_lead_consulted=data["online_safety_lead_consulted"],
            online_safety_lead_name=data["online_safety_lead_name"],
        )

    if _submitted(request, form, act):
        messages.success(request, "Risk assessment recorded.")
        return redirect(_case_url(case.pk))
    return _page(request, "safeguarding/assessment_form.html", {"case": case, "pupil": case.pupil, "evidence": evidence},
                 form=form)


@require_GET
@login_required
@never_cache
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_detail_for_user(request.user, assessment_id)
    return render(request, "safeguarding/assessment_detail.html", {
        "assessment": assessment, "pupil": assessment.pupil, "answered": questions.answered(assessment.answers),
        "push": questions.labels(questions.PUSH_FACTORS, assessment.push_factors),
        "pull": questions.labels(questions.PULL_FACTORS, assessment.pull_factors),
        "contextual": questions.labels(questions.CONTEXTUAL_FACTORS, assessment.contextual_factors),
        "evidence": assessment.attendance_evidence,
    })


# --- Referrals and the CME notification -----------------------------------------------------------


def _sending(data: dict) -> services.Sending:
    return services.Sending(sent_on=data.get("sent_on"), lawful_basis=data.get("lawful_basis", ""),
                            consent_details=data.get("consent_details", ""),
                            override_reason=data.get("override_reason", ""), reference=data.get("reference", ""))


def _referral_url(referral_id: int) -> str:
    return reverse("safeguarding:referral_detail", kwargs={"referral_id": referral_id})


@GET_POST
@login_required
def referral_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    form = forms.ReferralForm(request.POST or None)
    made = {}

    def act():
        data = form.cleaned_data
        made["referral"] = services.referral_record(
            case=case, actor=request.user, now=_now(), kind=data["kind"], agency=data["agency"], reason=data["reason"],
            sending=_sending(data) if data["already_sent"] else None)

    if _submitted(request, form, act):
        messages.success(request, SAVED)
        return redirect(_referral_url(made["referral"].pk))
    return _form_page(request, form, title="Make a referral", pupil=case.pupil, back=_case_url(case.pk))


@require_GET
@login_required
@never_cache
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_detail_for_user(request.user, referral_id)
    case = referral.case
    enquiries = list(case.enquiries.select_related("recorded_by"))
    done = {e.kind for e in enquiries}
    return render(request, "safeguarding/referral_detail.html", {
        "referral": referral, "case": case, "pupil": referral.pupil, "enquiries": enquiries, "today": _today(),
        "checklist": [(key, label, key in done) for key, label in EnquiryKind.choices],
        "is_cme": referral.kind == ReferralKind.CME_NOTIFICATION,
    })


def _referral_step(request: HttpRequest, referral_id: int, form_class, title: str, action) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, referral_id)
    form = form_class(request.POST or None)
    if _submitted(request, form, lambda: action(referral, form.cleaned_data)):
        messages.success(request, SAVED)
        return redirect(_referral_url(referral.pk))
    return _form_page(request, form, title=title, pupil=referral.pupil, back=_referral_url(referral.pk),
                      extra={"referral": referral})


@GET_POST
@login_required
def referral_send(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_step(request, referral_id, forms.SendForm, "Record that it was sent",
                          lambda referral, data: services.referral_send(referral=referral, actor=request.user,
                                                                        now=_now(), sending=_sending(data)))


@GET_POST
@login_required
def referral_acknowledge(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_step(request, referral_id, forms.AcknowledgeForm, "Record the acknowledgement",
                          lambda referral, data: services.referral_acknowledge(
                              referral=referral, actor=request.user, now=_now(),
                              acknowledged_on=data["acknowledged_on"], reference=data["reference"]))


@GET_POST
@login_required
def referral_outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _referral_step(request, referral_id, forms.OutcomeForm, "Record the outcome",
                          lambda referral, data: services.referral_outcome_record(
                              referral=referral, actor=request.user, now=_now(), outcome=data["outcome"],
                              outcome_on=data["outcome_on"], notes=data["notes"]))


@require_GET
@login_required
def cme_notification_pdf(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The CME notification letter, with the evidence (audited as a read of the case)."""
    detail = selectors.cme_notification_for_user(request.user, referral_id)
    pupil = detail.case.pupil
    content = pdf.cme_notification_pdf(detail=detail, letter=selectors.cme_letter(detail, today=_today()),
                                       attendance=selectors.attendance_evidence(pupil, today=_today()),
                                       generated_at=_now())
    return _pdf_response(content, PDF_NAME.format(what="cme-notification", upn=pupil.upn, day=_today()))


@GET_POST
@login_required
def enquiry_add(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    kind = request.GET.get("kind", "")
    form = forms.EnquiryForm(request.POST or None, initial={"kind": kind, "made_on": _today()})
    if _submitted(request, form, lambda: services.reasonable_enquiry_record(case=case, actor=request.user, now=_now(),
                                                                            **form.cleaned_data)):
        messages.success(request, SAVED)
        notification = case.referrals.filter(kind=ReferralKind.CME_NOTIFICATION).first()
        return redirect(_referral_url(notification.pk) if notification else _case_url(case.pk))
    return _form_page(request, form, title="Record a reasonable enquiry", pupil=case.pupil, back=_case_url(case.pk))


@GET_POST
@login_required
def check_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    form = forms.CheckForm(request.POST or None)
    if _submitted(request, form, lambda: services.safe_and_well_check_record(case=case, actor=request.user, now=_now(),
                                                                             **form.cleaned_data)):
        messages.success(request, SAVED)
        return redirect(_case_url(case.pk))
    return _form_page(request, form, title="Record a safe-and-well check", pupil=case.pupil, back=_case_url(case.pk))


# --- Missing from home or care ---------------------------------------------------------------------


def _episode_url(episode_id: int) -> str:
    return reverse("safeguarding:episode_detail", kwargs={"episode_id": episode_id})


def _police(data: dict) -> services.PoliceReport:
    return services.PoliceReport(reported_at=data.get("reported_to_police_at"), reference=data.get("police_reference", ""),
                                 risk_grade=data.get("police_risk_grade", ""))


@GET_POST
@login_required
def episode_new(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_for_casework(request.user, pupil_id)
    case = _case_of(request, pupil)
    form = forms.EpisodeForm(request.POST or None)
    made = {}

    def act():
        data = form.cleaned_data
        sighting = services.Sighting(
            missing_from=data["missing_from"], last_seen_at=data["last_seen_at"], last_seen_place=data["last_seen_place"],
            clothing=data["clothing"], last_seen_with=data["last_seen_with"], circumstances=data["circumstances"])
        made["episode"] = services.missing_episode_record(pupil=pupil, actor=request.user, now=_now(), sighting=sighting,
                                                          police=_police(data), case=case)

    if _submitted(request, form, act):
        messages.success(request, "Missing episode recorded.")
        return redirect(_episode_url(made["episode"].pk))
    return _form_page(request, form, title=f"{pupil.display_name} is missing", pupil=pupil,
                      back=_case_url(case.pk) if case else _pupil_url(pupil.pk), submit="Record the episode",
                      intro="If the child is at risk, report them missing to the police on 999 or 101 first. "
                            "This form is part 2 of the Philomena Protocol.")


@require_GET
@login_required
@never_cache
def episode_detail(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = selectors.episode_detail_for_user(request.user, episode_id)
    interview = selectors.interview_of(episode)
    return render(request, "safeguarding/episode_detail.html", {
        "episode": episode, "pupil": episode.pupil, "case": episode.case, "interview": interview,
        "clock": selectors.interview_clock(episode, now=_now()),
        "push": questions.labels(questions.PUSH_FACTORS, interview.push_factors) if interview else [],
        "pull": questions.labels(questions.PULL_FACTORS, interview.pull_factors) if interview else [],
        "counts": selectors.episode_counts(episode.pupil, today=_today()),
        "profile": selectors.latest_missing_person_profile(episode.pupil),
    })


@GET_POST
@login_required
def episode_police(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = selectors.episode_for_user(request.user, episode_id)
    form = forms.PoliceForm(request.POST or None, initial={
        "reported_to_police_at": _typed(episode.reported_to_police_at),
        "police_reference": episode.police_reference, "police_risk_grade": episode.police_risk_grade})
    if _submitted(request, form, lambda: services.missing_episode_police_update(
            episode=episode, actor=request.user, now=_now(), police=_police(form.cleaned_data))):
        messages.success(request, SAVED)
        return redirect(_episode_url(episode.pk))
    return _form_page(request, form, title="The police's details", pupil=episode.pupil, back=_episode_url(episode.pk))


@GET_POST
@login_required
def episode_return(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = selectors.episode_for_user(request.user, episode_id)
    form = forms.ReturnForm(request.POST or None)
    if _submitted(request, form, lambda: services.missing_episode_return(
            episode=episode, actor=request.user, now=_now(),
            back=services.Return(form.cleaned_data["returned_at"], form.cleaned_data["return_how"],
                                 form.cleaned_data["return_notes"]))):
        messages.success(request, "Return recorded: the return home interview clock has started.")
        return redirect(_episode_url(episode.pk))
    return _form_page(request, form, title=f"{episode.pupil.display_name} is found or back", pupil=episode.pupil,
                      back=_episode_url(episode.pk))


@GET_POST
@login_required
def interview_record(request: HttpRequest, episode_id: int) -> HttpResponse:
    episode = selectors.episode_for_user(request.user, episode_id)
    form = forms.InterviewForm(request.POST or None)

    def act():
        data = form.cleaned_data
        services.return_home_interview_record(episode=episode, actor=request.user, now=_now(), interview=services.Interview(
            status=data["status"], offered_at=data["offered_at"], offered_by=data["offered_by"],
            responded_at=data["responded_at"], completed_at=data["completed_at"], conducted_by=data["conducted_by"],
            push_factors=data["push_factors"], pull_factors=data["pull_factors"], findings=data["findings"],
            declined_reason=data["declined_reason"]))

    if _submitted(request, form, act):
        messages.success(request, SAVED)
        return redirect(_episode_url(episode.pk))
    return _form_page(request, form, title="Return home interview", pupil=episode.pupil, back=_episode_url(episode.pk),
                      intro="Every child who comes back is offered an independent return home interview within "
                            "72 hours; they may decline.")


@require_GET
@login_required
def police_pack(request: HttpRequest, episode_id: int) -> HttpResponse:
    """One click: the Philomena pack for the police (profile part 1, this episode part 2)."""
    pack = selectors.police_pack_for_user(request.user, episode_id, today=_today())
    content = pdf.police_pack_pdf(pack=pack, generated_at=_now())
    return _pdf_response(content, PDF_NAME.format(what="police-pack", upn=pack.episode.pupil.upn, day=_today()))


@GET_POST
@login_required
def profile_edit(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil, profile = selectors.missing_person_profile_for_user(request.user, pupil_id)
    initial = {field: getattr(profile, field) for field in forms.ProfileForm.base_fields if field != "photo"} if profile else {}
    form = forms.ProfileForm(request.POST or None, request.FILES or None, initial=initial)

    def act():
        data = form.cleaned_data
        upload = data.get("photo")
        services.missing_person_profile_save(
            pupil=pupil, actor=request.user, now=_now(),
            photo=read_limited(upload.chunks()) if upload else None,
            details=services.ProfileDetails(**{k: v for k, v in data.items() if k != "photo"}))

    if _submitted(request, form, act):
        messages.success(request, "Missing-person profile saved as a new version.")
        return redirect(_pupil_url(pupil.pk))
    return _page(request, "safeguarding/profile_form.html", {"pupil": pupil, "profile": profile}, form=form)


# --- Reintegration and tasks -------------------------------------------------------------------------


def _plan_url(plan_id: int) -> str:
    return reverse("safeguarding:plan_detail", kwargs={"plan_id": plan_id})


ACTION_ROWS = 5
# A plan's action is marked done, or done by the plan's review (a review meeting).
PLAN_ACTION_DONE_WHEN = [(v, label) for v, label in TaskDoneWhen.choices
                         if v in (TaskDoneWhen.MARKED, TaskDoneWhen.PLAN_REVIEWED)]


def _actions(request: HttpRequest, owners) -> list[services.Action]:
    """The actions typed on the plan form (rows left empty are skipped)."""
    by_id = {str(u.pk): u for u in owners}
    found = []
    for index in range(ACTION_ROWS):
        title = request.POST.get(f"action_{index}_title", "").strip()
        if not title:
            continue
        due = request.POST.get(f"action_{index}_due_on", "")
        try:
            due_on = dt.date.fromisoformat(due) if due else None
        except ValueError:
            due_on = None
        found.append(services.Action(title, by_id.get(request.POST.get(f"action_{index}_owner", "")), due_on,
                                     request.POST.get(f"action_{index}_done_when", "")))
    return found


@GET_POST
@login_required
def plan_new(request: HttpRequest, case_id: int) -> HttpResponse:
    from safewell.attendance.models import PlannedAbsence

    case = selectors.case_for_user(request.user, case_id)
    today = _today()
    form = forms.PlanForm(request.POST or None, timetables=PlannedAbsence.objects.filter(pupil=case.pupil, code="C2"),
                          initial={"starts_on": today, "monitoring_ends_on": today + dt.timedelta(weeks=6),
                                   "attendance_target_percent": 90, "next_review_on": today + dt.timedelta(weeks=2)})
    owners = list(_staff(case.pupil))
    made = {}

    def act():
        data = form.cleaned_data
        timetable = data["part_time_timetable"]
        made["plan"] = services.reintegration_plan_create(
            case=case, actor=request.user, now=_now(), actions=_actions(request, owners),
            terms=services.PlanTerms(
                starts_on=data["starts_on"], monitoring_ends_on=data["monitoring_ends_on"],
                attendance_target_percent=data["attendance_target_percent"], support=data["support"],
                next_review_on=data["next_review_on"], digital_safety_checks=data["digital_safety_checks"],
                part_time_timetable_id=timetable.pk if timetable else None))

    if _submitted(request, form, act):
        messages.success(request, "Reintegration plan saved.")
        return redirect(_plan_url(made["plan"].pk))
    rows = [{"i": i, **{part: request.POST.get(f"action_{i}_{part}", "")
                        for part in ("title", "owner", "due_on", "done_when")}} for i in range(ACTION_ROWS)]
    return _page(request, "safeguarding/plan_form.html", {"case": case, "pupil": case.pupil, "owners": owners,
                                                           "rows": rows, "done_when_choices": PLAN_ACTION_DONE_WHEN},
                 form=form)


@require_GET
@login_required
@never_cache
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_detail_for_user(request.user, plan_id)
    return render(request, "safeguarding/plan_detail.html", {
        "plan": plan, "case": plan.case, "pupil": plan.pupil, "today": _today(),
        "progress": selectors.plan_progress(plan, today=_today()),
        "reviews": list(plan.reviews.select_related("reviewed_by")),
        "tasks": list(plan.tasks.select_related("owner")),
    })


@GET_POST
@login_required
def plan_review(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_for_user(request.user, plan_id)
    form = forms.ReviewForm(request.POST or None, initial={"reviewed_on": _today()})
    if _submitted(request, form, lambda: services.reintegration_review_record(plan=plan, actor=request.user, now=_now(),
                                                                              **form.cleaned_data)):
        messages.success(request, "Review recorded.")
        return redirect(_plan_url(plan.pk))
    return _form_page(request, form, title="Review the reintegration plan", pupil=plan.pupil, back=_plan_url(plan.pk))


@GET_POST
@login_required
def task_new(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, case_id)
    form = forms.TaskForm(request.POST or None, owners=_staff(case.pupil), initial={"owner": request.user})
    if _submitted(request, form, lambda: services.task_add(case=case, actor=request.user, now=_now(), action=services.Action(
            form.cleaned_data["title"], form.cleaned_data["owner"], form.cleaned_data["due_on"],
            form.cleaned_data["done_when"]))):
        messages.success(request, "Task set.")
        return redirect(_case_url(case.pk))
    return _form_page(request, form, title="Set a task", pupil=case.pupil, back=_case_url(case.pk))


@require_POST
@login_required
def task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    task = selectors.task_for_user(request.user, task_id)
    try:
        services.task_complete(task=task, actor=request.user, now=_now(), note=request.POST.get("note", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Task done.")
    return redirect(_case_url(task.case_id))


# --- Documents and sharing ---------------------------------------------------------------------------


@GET_POST
@login_required
def document_upload(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = selectors.pupil_for_casework(request.user, pupil_id)
    case = _case_of(request, pupil)
    form = forms.DocumentForm(request.POST or None, request.FILES or None)
    if _submitted(request, form, lambda: services.document_upload(
            pupil=pupil, case=case, actor=request.user, now=_now(), kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"], content=read_limited(form.cleaned_data["file"].chunks()))):
        messages.success(request, "Document added.")
        return redirect(_case_url(case.pk) if case else _pupil_url(pupil.pk))
    return _form_page(request, form, title="Add a document", pupil=pupil, submit="Upload",
                      back=_case_url(case.pk) if case else _pupil_url(pupil.pk))


@require_GET
@login_required
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_for_user(request.user, document_id)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    extension = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}[document.content_type]
    disposition = "inline" if document.is_image else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="document-{document.pk}.{extension}"'
    response["Cache-Control"] = "no-store"
    return response


@GET_POST
@login_required
def share(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """An agency export of a chosen part of the chronology, with the sharing decision."""
    pupil = selectors.pupil_for_casework(request.user, pupil_id)
    form = forms.ShareForm(request.POST or None, groups=chronology.FILTER_GROUPS)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        filters = chronology.ChronologyFilter(groups=frozenset(data["groups"]), start=data["start"], end=data["end"],
                                              newest_first=data["order"] == "newest")
        decision = services.SharingDecision(data["recipient"], data["purpose"], data["lawful_basis"], data["format"])
        try:
            services.sharing_decision_check(decision, data["groups"])
            record = selectors.chronology_for_user(request.user, pupil.pk, filters, today=_today(),
                                                   purpose=f"chronology shared with {decision.recipient}")
            content = _export(record, filters, decision)
            services.agency_export_record(pupil=pupil, actor=request.user, now=_now(), decision=decision,
                                          selection=filters.selection(), entry_count=len(record.items), content=content)
        except ValidationError as error:
            forms.show_errors(form, error)
        else:
            name = f"chronology-{pupil.upn}-{_today():%Y-%m-%d}.{decision.format}"
            if decision.format == ExportFormat.PDF:
                return _pdf_response(content, name)
            response = HttpResponse(content, content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return _form_page(request, form, title=f"Share part of {pupil.display_name}'s chronology", pupil=pupil,
                      back=_pupil_url(pupil.pk), submit="Record the decision and download",
                      intro="Choose only what the agency needs. The decision, the lawful basis and a fingerprint of "
                            "what you download are kept in the chronology.")


def _export(record: selectors.PupilFile, filters: chronology.ChronologyFilter, decision: services.SharingDecision) -> bytes:
    sharing = {"recipient": decision.recipient, "purpose": decision.purpose,
               "lawful_basis": LawfulBasis(decision.lawful_basis).label}
    if decision.format == ExportFormat.PDF:
        return pdf.chronology_pdf(pupil=record.pupil, items=record.items, filters=filters, generated_at=_now(),
                                  sharing=sharing)
    pupil = record.pupil
    return json.dumps({
        "pupil": {"name": pupil.legal_name, "upn": pupil.upn, "date_of_birth": pupil.date_of_birth.isoformat()},
        "shared": {**sharing, "lawful_basis_code": decision.lawful_basis, "at": _now().isoformat(),
                   "selection": filters.selection()},
        "entries": [item.as_json() for item in record.items],
    }, indent=2).encode()


# --- Reports and retention -------------------------------------------------------------------------


@require_GET
@login_required
@never_cache
def cme_compliance(request: HttpRequest) -> HttpResponse:
    rows = selectors.cme_compliance_for_user(request.user, today=_today())
    return render(request, "safeguarding/cme_compliance.html", {
        "rows": rows, "on_time": sum(1 for r in rows if r.on_time), "late": sum(1 for r in rows if r.on_time is False),
    })


def _require_any_lead(user: User) -> None:
    if not Membership.objects.filter(user=user, role=Role.DSL).exists():
        raise PermissionDenied(selectors.NOT_THE_LEAD_DSL)


def _lead_pupil(request: HttpRequest, pupil_id: int) -> Pupil:
    """A child whose file only the lead DSL may hold or destroy (retention, statutory.md §8)."""
    pupil = selectors.pupil_for_casework(request.user, pupil_id)
    if not selectors.is_lead_dsl(request.user, pupil.organisation_id):
        raise PermissionDenied(selectors.NOT_THE_LEAD_DSL)
    return pupil


@require_GET
@login_required
def retention(request: HttpRequest) -> HttpResponse:
    _require_any_lead(request.user)
    organisations = Membership.objects.filter(user=request.user, role=Role.DSL).values("site__organisation_id")
    return render(request, "safeguarding/retention.html", {
        "rows": selectors.retention_review_for_user(request.user, today=_today()),
        "years": settings.SAFEWELL_SAFEGUARDING_RETENTION_YEARS,
        "log": DestructionRecord.objects.filter(organisation_id__in=organisations).select_related("destroyed_by")[:100],
    })


@GET_POST
@login_required
def legal_hold(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = _lead_pupil(request, pupil_id)
    hold = LegalHold.objects.filter(pupil=pupil, lifted_at__isnull=True).first()
    service = services.legal_hold_lift if hold else services.legal_hold_place
    form = forms.ReasonForm(request.POST or None)
    if _submitted(request, form, lambda: service(pupil=pupil, actor=request.user, now=_now(),
                                                 reason=form.cleaned_data["reason"])):
        messages.success(request, "Legal hold lifted." if hold else "Legal hold placed: the file will not be destroyed.")
        return redirect(_pupil_url(pupil.pk))
    return _form_page(request, form, title="Lift the legal hold" if hold else "Place a legal hold", pupil=pupil,
                      back=_pupil_url(pupil.pk), extra={"hold": hold},
                      intro=(f"In force since {timezone.localtime(hold.placed_at):%-d %B %Y}: {hold.reason}" if hold else
                             "A legal hold stops this child's safeguarding file being destroyed at the end of its "
                             "retention period (an inquiry, a legal claim, a review)."))


@GET_POST
@login_required
def retention_destroy(request: HttpRequest, pupil_id: int) -> HttpResponse:
    pupil = _lead_pupil(request, pupil_id)
    form = forms.DestroyForm(request.POST or None)
    if _submitted(request, form, lambda: services.retention_destroy(pupil=pupil, actor=request.user, now=_now(),
                                                                    confirm_upn=form.cleaned_data["confirm_upn"])):
        messages.success(request, "The safeguarding file was destroyed and the destruction logged.")
        return redirect("safeguarding:retention")
    return _form_page(request, form, title=f"Destroy {pupil.display_name}'s safeguarding file", pupil=pupil,
                      back=reverse("safeguarding:retention"), submit="Destroy the file",
                      intro=f"Retention date: {selectors.retention_due_on(pupil):%-d %B %Y}. Every case, entry, document and "
                            "form of this child's safeguarding file is deleted; the register is not touched. This cannot "
                            "be undone.")

