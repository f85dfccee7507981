"""The policy profile pages: the profile in force, each version, its YAML, the history with
diffs, and the upload of a new version.

Who: the administrators and the DSL team of the organisation of the site the person is
working at (core/current_site.py) may read; only administrators upload and put a version in
force (profile_selectors.profile_access).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safewell.accounts.current_site import current_site
from safewell.policy import rule_ids
from safewell.policy.models import PolicyProfile
from safewell.policy.profile_selectors import (
    profile_access,
    profile_diff,
    profile_history,
    profile_in_force,
    profile_version,
    review_status,
)
from safewell.policy.profile_services import policy_profile_activate, policy_profile_install
from safewell.policy.profiles import (
    MAX_PROFILE_BYTES,
    STATUTORY_RULES,
    Profile,
    StatutoryMinimum,
    ProfileError,
    ProfileInvalid,
    profile_from_json,
    rule_thresholds,
    rules_in_order,
)
from safewell.schools.models import Organisation

NOT_ALLOWED = "Only administrators and the DSL team can see the policy profile."
ONLY_ADMINS_CHANGE = "Only administrators can install or activate a policy profile."
UPLOAD_NEEDS_ONE = "Choose a YAML file or paste the profile: one of the two."
UPLOAD_TOO_LARGE = f"A profile is at most {MAX_PROFILE_BYTES:,} bytes."
INSTALLED = "Version {version} of '{name}' is installed and in force."
ACTIVATED = "Version {version} of '{name}' is now in force."
ALREADY_IN_FORCE = "Version {version} is already in force."

RECIPIENT_LABELS = {
    "dsl": "the lead DSL",
    "deputy_dsl": "the deputy DSL of the pupil's site",
    "attendance_officer": "attendance officers",
    "pastoral": "pastoral staff",
    "admin": "administrators",
    "social_worker": "the social worker",
    "virtual_school": "the virtual school",
    "placing_school": "the placing school",
    "local_authority": "the local authority",
    "youth_offending_worker": "the youth offending team worker",
}
CHANNEL_LABELS = {"in_app": "in Safewell", "email": "email", "sms": "text message"}
OPTION_LABELS = {
    "over_18_parent_notification": "Parents of students aged 18 or over are told of absence",
    "placing_school_notification": "The placing school is told of an absence",
    "cme_requires_safe_and_well_check": "The CME step asks for a formal safe-and-well check",
    "continuous_absence_online_review": "Continuous absence includes a digital-footprint and online-safety review",
}
DEADLINE_LABELS = {
    "n_code_resolved_within_school_days": ("N is replaced by the right code within", "school days"),
    "return_home_interview_within_hours": ("A return home interview within", "hours"),
}


def _organisation_for(request: HttpRequest, *, edit: bool = False) -> tuple[Organisation, bool]:
    organisation, can_edit = profile_access(request.user, current_site(request))
    if organisation is None:
        raise PermissionDenied(NOT_ALLOWED)
    if edit and not can_edit:
        raise PermissionDenied(ONLY_ADMINS_CHANGE)
    return organisation, can_edit


def _version_or_404(organisation: Organisation, version: int) -> PolicyProfile:
    row = profile_version(organisation, version)
    if row is None:
        raise Http404("No such version of this organisation's policy profile.")
    return row


# --- Reading a profile -----------------------------------------------------------------------


def display(value: object) -> str:
    """A setting as people read it: Yes/No, 0.5 not 0.50, "year to date" not "year_to_date"."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value.replace("_", " ")
    if isinstance(value, list):
        return ", ".join(display(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class ThresholdView:
    label: str
    display: str
    statutory: StatutoryMinimum | None

    @property
    def statutory_limit(self) -> str:
        return display(self.statutory.limit) if self.statutory else ""


@dataclass(frozen=True)
class RuleView:
    id: str
    meaning: str
    enabled: bool
    statutory: bool
    thresholds: list[ThresholdView]
    notify: list[str]
    channels: list[str]
    acknowledge_within_hours: int
    severity: str
    citation: str


def _rule_views(profile: Profile) -> list[RuleView]:
    return [
        RuleView(
            id=rule_id,
            meaning=rule_ids.RULES_BY_ID[rule_id].meaning,
            enabled=settings.enabled,
            statutory=rule_id in STATUTORY_RULES,
            thresholds=[
                ThresholdView(t.label, display(t.value), t.statutory) for t in rule_thresholds(rule_id, settings)
            ],
            notify=[RECIPIENT_LABELS[r] for r in settings.notify],
            channels=[CHANNEL_LABELS[c] for c in settings.channels],
            acknowledge_within_hours=settings.acknowledge_within_hours,
            severity=settings.severity,
            citation=settings.citation or rule_ids.RULES_BY_ID[rule_id].source,
        )
        for rule_id, settings in rules_in_order(profile)
    ]


def _profile_context(profile: Profile, *, today: date) -> dict:
    options = [(OPTION_LABELS[name], display(value)) for name, value in profile.options.model_dump().items()]
    deadlines = [
        (DEADLINE_LABELS[name][0], value, DEADLINE_LABELS[name][1])
        for name, value in profile.deadlines.model_dump().items()
    ]
    return {
        "profile": profile,
        "rules": _rule_views(profile),
        "options": options,
        "deadlines": deadlines,
        "review": review_status(profile, today=today),
        "today": today,
    }


@login_required
@require_GET
def profile_page(request: HttpRequest) -> HttpResponse:
    organisation, can_edit = _organisation_for(request)
    in_force = profile_in_force(organisation)
    context = _profile_context(in_force.profile, today=timezone.localdate())
    context.update({"organisation": organisation, "row": in_force.row, "in_force": True, "can_edit": can_edit})
    return render(request, "policy/profiles/profile.html", context)


@login_required
@require_GET
def profile_version_page(request: HttpRequest, version: int) -> HttpResponse:
    organisation, can_edit = _organisation_for(request)
    row = _version_or_404(organisation, version)
    context = _profile_context(profile_from_json(row.parsed), today=timezone.localdate())
    context.update({
        "organisation": organisation, "row": row, "in_force": row.is_active, "can_edit": can_edit,
        "yaml_lines": list(enumerate(row.yaml_text.splitlines(), start=1)),
    })
    return render(request, "policy/profiles/profile.html", context)


@login_required
@require_GET
def profile_yaml(request: HttpRequest) -> HttpResponse:
    """The YAML of the profile in force, as written (the statutory file when none is installed)."""
    organisation, _ = _organisation_for(request)
    in_force = profile_in_force(organisation)
    name = in_force.row.name if in_force.row else in_force.profile.name
    version = f"-v{in_force.row.version}" if in_force.row else ""
    response = HttpResponse(in_force.yaml_text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}{version}.yaml"'
    return response


@login_required
@require_GET
def profile_history_page(request: HttpRequest) -> HttpResponse:
    organisation, can_edit = _organisation_for(request)
    return render(request, "policy/profiles/history.html", {
        "organisation": organisation, "history": profile_history(organisation), "can_edit": can_edit,
    })


@login_required
@require_GET
def profile_diff_page(request: HttpRequest, old: int, new: int) -> HttpResponse:
    organisation, _ = _organisation_for(request)
    old_row, new_row = _version_or_404(organisation, old), _version_or_404(organisation, new)
    lines = profile_diff(old_row, new_row)
    return render(request, "policy/profiles/diff.html", {
        "organisation": organisation, "old": old_row, "new": new_row, "lines": lines,
        "added": sum(line.kind == "added" for line in lines),
        "removed": sum(line.kind == "removed" for line in lines),
    })


# --- Changing the profile ------------------------------------------------------------------


class ProfileUploadForm(forms.Form):
    file = forms.FileField(label="A YAML file", required=False, help_text="For example seed-000-ap.yaml, edited.")
    text = forms.CharField(
        label="Or paste the profile", required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        if bool(upload) == bool(text.strip()):
            raise forms.ValidationError(UPLOAD_NEEDS_ONE)
        if upload and upload.size > MAX_PROFILE_BYTES:
            raise forms.ValidationError(UPLOAD_TOO_LARGE)
        data["yaml"] = upload.read() if upload else text
        return data


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def profile_upload(request: HttpRequest) -> HttpResponse:
    organisation, _ = _organisation_for(request, edit=True)
    form = ProfileUploadForm(request.POST or None, request.FILES or None)
    errors: list[ProfileError] = []
    submitted = ""
    if request.method == "POST" and form.is_valid():
        yaml_text = form.cleaned_data["yaml"]
        try:
            row = policy_profile_install(organisation=organisation, yaml_text=yaml_text, actor=request.user)
        except ProfileInvalid as invalid:
            errors = invalid.errors
            submitted = yaml_text.decode("utf-8", "replace") if isinstance(yaml_text, bytes) else yaml_text
        else:
            messages.success(request, INSTALLED.format(version=row.version, name=row.name))
            return redirect("policy:profile")
    error_lines = {error.line for error in errors if error.line}
    return render(request, "policy/profiles/upload.html", {
        "organisation": organisation, "form": form, "errors": errors,
        "submitted_lines": [
            (number, line, number in error_lines) for number, line in enumerate(submitted.splitlines(), start=1)
        ],
    }, status=422 if errors else 200)


@login_required
@require_POST
def profile_activate(request: HttpRequest, version: int) -> HttpResponse:
    organisation, _ = _organisation_for(request, edit=True)
    row = _version_or_404(organisation, version)
    if row.is_active:
        messages.info(request, ALREADY_IN_FORCE.format(version=row.version))
    else:
        policy_profile_activate(profile=row, actor=request.user)
        messages.success(request, ACTIVATED.format(version=row.version, name=row.name))
    return redirect("policy:profile_history")
