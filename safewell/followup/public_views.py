"""The two doors into first-day calling from outside: the parents' absence report form
(issue 6 §6) and the SMS provider's reply webhook (issue 6 §5).

The form is public, so it is rate limited per address, and it answers the same whether or
not the child was found, so it cannot be used to learn who attends. The webhook is signed;
a bad signature, a malformed payload or a number that belongs to no contact is refused and
logged (to `safewell.security`), and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from safewell.followup import forms, replies
from safewell.followup.services import absence_report_submit
from safewell.schools.models import Site

security_log = logging.getLogger("safewell.security")

# Per address: a family reports a few absences at most; more is someone probing the form.
REPORTS_PER_HOUR = 5
TOO_MANY_REPORTS = (
    "Too many reports have been sent from this connection in the last hour. Please call the school instead."
)
NO_SUCH_DATE_OF_BIRTH = "Enter a real date of birth."
SIGNATURE_HEADER = "HTTP_X_SAFEWELL_SIGNATURE"
# A signed request older than this is refused, so a captured request cannot be replayed later.
SIGNATURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_WEBHOOK_BYTES = 20_000


def _site_or_404(code: str) -> Site:
    site = Site.objects.select_related("organisation").filter(code=code).first()
    if site is None:
        raise Http404("No such school")
    return site


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _rate_limited(request: HttpRequest) -> bool:
    """True once this address has sent REPORTS_PER_HOUR reports within the hour."""
    key = f"followup:absence-report:{_client_address(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > REPORTS_PER_HOUR
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return False


@require_http_methods(["GET", "POST"])
def absence_report(request: HttpRequest, site_code: str) -> HttpResponse:
    site = _site_or_404(site_code)
    form = forms.AbsenceReportForm(request.POST or None, initial={"first_day": timezone.localdate(),
                                                                  "last_day": timezone.localdate()})
    if request.method == "POST":
        if _rate_limited(request):
            security_log.warning("absence report form: rate limit reached from %s", _client_address(request))
            return render(request, "followup/absence_report.html",
                          {"site": site, "form": form, "refused": TOO_MANY_REPORTS}, status=429)
        if form.is_valid():
            if (born := form.date_of_birth()) is None:
                form.add_error("dob_day", NO_SUCH_DATE_OF_BIRTH)
            else:
                try:
                    _submit(site, form.cleaned_data, born)
                except ValidationError as error:
                    _add_errors(form, error)
                else:
                    return redirect(reverse("absence_report_thanks", kwargs={"site_code": site.code}))
    return render(request, "followup/absence_report.html", {"site": site, "form": form},
                  status=400 if request.method == "POST" else 200)


def _submit(site: Site, data: dict, born: dt.date) -> None:
    absence_report_submit(
        site=site, child_name=data["child_name"], child_date_of_birth=born, first_day=data["first_day"],
        last_day=data["last_day"], reason_category=data["reason_category"], reason_text=data["reason_text"],
        reporter_name=data["reporter_name"], reporter_relationship=data["reporter_relationship"],
        reporter_phone=data["reporter_phone"], now=timezone.now(),
    )


def _add_errors(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        target = "dob_day" if field == "child_date_of_birth" else field
        for problem in problems:
            form.add_error(target if target in form.fields else None, problem)


def absence_report_thanks(request: HttpRequest, site_code: str) -> HttpResponse:
    return render(request, "followup/absence_report_thanks.html", {"site": _site_or_404(site_code)})


# --- The SMS provider's reply webhook ---------------------------------------------------------


class WebhookRefused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signature_for(body: bytes, timestamp: str, secret: str) -> str:
    """What the provider (or its adapter) sends: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" under the shared secret>` (the Stripe scheme, widely understood)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _verify(request: HttpRequest, now: dt.datetime) -> None:
    secret = getattr(settings, "SAFEWELL_SMS_WEBHOOK_SECRET", "")
    if not secret:
        raise WebhookRefused(503, "the webhook has no secret configured (SAFEWELL_SMS_WEBHOOK_SECRET)")
    parts = dict(p.split("=", 1) for p in request.META.get(SIGNATURE_HEADER, "").split(",") if "=" in p)
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not given:
        raise WebhookRefused(401, "missing or malformed signature")
    sent_at = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
    if abs(now - sent_at) > SIGNATURE_TOLERANCE:
        raise WebhookRefused(401, "signature timestamp outside the allowed window")
    expected = signature_for(request.body, timestamp, secret).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise WebhookRefused(401, "bad signature")


@csrf_exempt
@require_POST
def sms_webhook(request: HttpRequest) -> JsonResponse:
    """A reply from a family: `{"id", "from", "body", "received_at"?}` (JSON), signed."""
    now = timezone.now()
    try:
        if len(request.body) > MAX_WEBHOOK_BYTES:
            raise WebhookRefused(413, "payload too large")
        _verify(request, now)
        try:
            payload = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise WebhookRefused(400, "the body is not JSON") from None
        message = replies.inbound_sms_receive(payload=payload, now=now)
    except WebhookRefused as refusal:
        security_log.warning("SMS webhook refused (%s) from %s: %s", refusal.status, _client_address(request), refusal.reason)
        return JsonResponse({"detail": refusal.reason}, status=refusal.status)
    except replies.ReplyRefused as refusal:
        security_log.warning("SMS webhook refused (%s) from %s: %s", refusal.status, _client_address(request), refusal)
        return JsonResponse({"detail": str(refusal), "errors": refusal.errors}, status=refusal.status)
    return JsonResponse({"id": message.pk, "possible_pupils": message.possible_pupils.count()})
