"""The DSL inbox: alerts by site, severity and age; one alert with its evidence on the
pupil's calendar; acknowledge, action or dismiss in one click plus a reason; the in-app
notifications.

Who sees what is decided in `selectors.py` (its table). People with no role that receives
alerts (teachers, administrators, external users) get 403; an alert routed to someone else
is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from safewell.attendance.heatmap import legend_items, pupil_year_heatmap
from safewell.policy import alerts, outbox, selectors
from safewell.policy.models import CLOSED_STATES
from safewell.policy.routing import category_of
from safewell.schools.models import AcademicYear

NOT_AN_ALERT_RECIPIENT = (
    "Alerts are for the DSL team and attendance officers; ask your DSL if you need to see one."
)
CHOOSE_A_DECISION = "Choose acknowledge, actioned, dismiss or reopen."
DECISIONS = {
    "acknowledge": alerts.alert_acknowledge,
    "action": alerts.alert_action,
    "dismiss": alerts.alert_dismiss,
    "reopen": alerts.alert_reopen,
}
DONE = {
    "acknowledge": "Alert acknowledged.",
    "action": "Alert closed as actioned; the outcome is recorded.",
    "dismiss": "Alert dismissed; the reason is recorded.",
    "reopen": "Alert reopened; it stays open until a person closes it.",
}


def _require_inbox(request: HttpRequest) -> None:
    if not selectors.uses_inbox(request.user):
        raise PermissionDenied(NOT_AN_ALERT_RECIPIENT)


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _require_inbox(request)
    return _render_inbox(request)


def _render_inbox(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    filters = selectors.InboxFilter.from_query(request.GET)
    box = selectors.alert_inbox(request.user, filters=filters, now=timezone.now(), page_number=request.GET.get("page", 1))
    return render(request, "policy/inbox.html", {
        "inbox": box, "age_choices": selectors.AGE_CHOICES, "state_choices": selectors.STATE_CHOICES,
        "query_without_page": _query_without_page(request), "bulk_error": error,
        "bulk_reason": request.POST.get("reason", ""), "picked": request.POST.getlist("alert"),
    }, status=status)


MANY_DONE = {
    "acknowledge": "{count} alert{s} acknowledged.",
    "action": "{count} alert{s} closed as actioned; the outcome is recorded on each.",
    "dismiss": "{count} alert{s} dismissed; the reason is recorded on each.",
}


@require_POST
@login_required
def alerts_decide_many(request: HttpRequest) -> HttpResponse:
    """The inbox's ticked alerts, one decision and one reason for all, all or nothing."""
    _require_inbox(request)
    ids = [int(i) for i in request.POST.getlist("alert") if i.isdigit()]
    picked = list(selectors.alerts_visible_to(request.user).filter(pk__in=ids).order_by("pk"))
    if len(picked) != len(set(ids)):
        return _render_inbox(request, error=alerts.NOT_YOURS_TO_ACT_ON, status=400)
    decision = request.POST.get("decision", "")
    try:
        count = alerts.alerts_decide_many(alerts=picked, decision=decision, actor=request.user,
                                          reason=request.POST.get("reason", ""), now=timezone.now())
    except ValidationError as error:
        return _render_inbox(request, error=" ".join(error.messages), status=400)
    messages.success(request, MANY_DONE[decision].format(count=count, s="" if count == 1 else "s"))
    return redirect("policy:inbox")


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@login_required
def worklist(request: HttpRequest, rule_id: str) -> HttpResponse:
    """One worklist: the pupils a population condition holds for, newest first."""
    _require_inbox(request)
    entries = selectors.worklist_entries(request.user, rule_id)
    page = Paginator(entries, selectors.INBOX_PAGE_SIZE).get_page(request.GET.get("page", 1))
    return render(request, "policy/worklist.html", {
        "category": category_of(rule_id), "meaning": selectors.rule_meaning(rule_id), "page": page,
    })


@require_GET
@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    _require_inbox(request)
    return _render_detail(request, alert_id)


def _render_detail(request: HttpRequest, alert_id: int, *, errors: dict | None = None,
                   form: dict | None = None, status: int = 200) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    detail = selectors.alert_detail_for_user(request.user, alert_id, now=now, today=today)
    context = {
        "detail": detail, "alert": detail.alert, "errors": errors or {}, "form": form or {},
        "closed": detail.alert.state in CLOSED_STATES,
        **_calendar(detail, today),
    }
    return render(request, "policy/alert_detail.html", context, status=status)


def _calendar(detail: selectors.AlertDetail, today: dt.date) -> dict:
    """The pupil's year with the flagged sessions outlined: the year of the latest one."""
    pupil = detail.alert.pupil
    if pupil is None or not detail.sessions:
        return {}
    latest = detail.sessions[-1].date
    year = AcademicYear.objects.filter(
        organisation_id=pupil.organisation_id, starts_on__lte=latest, ends_on__gte=latest
    ).first()
    if year is None:
        return {}
    heatmap = pupil_year_heatmap(pupil=pupil, academic_year=year, today=today, flagged=detail.flagged)
    return {"heatmap": heatmap, "legend": legend_items(), "academic_year": year}


@require_POST
@login_required
def alert_decide(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One form, three buttons: acknowledge, actioned (with the outcome) or dismiss (with why)."""
    _require_inbox(request)
    alert, _ = selectors.alert_for_user(request.user, alert_id)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    if decision not in DECISIONS:
        return _render_detail(request, alert_id, errors={"decision": CHOOSE_A_DECISION},
                              form={"reason": reason}, status=400)
    try:
        DECISIONS[decision](alert=alert, actor=request.user, reason=reason, now=timezone.now())
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"decision": " ".join(error.messages)}
        errors = {field: " ".join(texts) if isinstance(texts, list) else texts for field, texts in errors.items()}
        return _render_detail(request, alert_id, errors=errors, form={"reason": reason, "decision": decision},
                              status=400)
    messages.success(request, DONE[decision])
    return redirect("policy:alert_detail", alert_id=alert.pk)


@require_GET
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    _require_inbox(request)
    rows = list(selectors.notifications_for(request.user)[:100])
    return render(request, "policy/notifications.html", {
        "notifications": rows, "unread": sum(1 for n in rows if n.read_at is None),
    })


@require_POST
@login_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    _require_inbox(request)
    outbox.notifications_mark_read(user=request.user, now=timezone.now())
    return redirect("policy:notifications")
