"""Administrator pages: who has MFA set up, and the API tokens of integrations."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safewell.accounts.models import Role, User
from safewell.accounts.selectors import (
    api_tokens_administered_by,
    has_role,
    mfa_status_for_admin,
    users_administered_by,
)
from safewell.accounts.services import (
    TOKEN_NAME_REQUIRED,
    TOKEN_NAME_TOO_LONG,
    api_token_create,
    api_token_revoke,
)


def _require_admin(user: User) -> None:
    if not has_role(user, [Role.ADMIN]):
        raise PermissionDenied("Only administrators can see this page.")


@login_required
@require_GET
def mfa_status(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    rows = mfa_status_for_admin(request.user)
    missing = [row for row in rows if row.missing_mfa]
    return render(
        request,
        "accounts/mfa_status.html",
        {"rows": rows, "missing_count": len(missing),
         "requiring_count": sum(row.requires_mfa for row in rows)},
    )


TOKEN_USER_REQUIRED = "Choose whose token it is."
TOKEN_USER_NOT_YOURS = "Choose someone who has a role at one of your sites."


class ApiTokenForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Whose token is it?",
        error_messages={"required": TOKEN_USER_REQUIRED, "invalid_choice": TOKEN_USER_NOT_YOURS},
    )
    name = forms.CharField(
        max_length=100, label="Name", help_text="The system that will use it, for example “MIS sync”.",
        error_messages={"required": TOKEN_NAME_REQUIRED, "max_length": TOKEN_NAME_TOO_LONG},
    )

    def __init__(self, *args, admin: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users_administered_by(admin)
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    _require_admin(request.user)
    form = ApiTokenForm(request.POST or None, admin=request.user)
    new_token = raw_token = None
    if request.method == "POST" and form.is_valid():
        try:
            new_token, raw_token = api_token_create(
                user=form.cleaned_data["user"], name=form.cleaned_data["name"],
                created_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = ApiTokenForm(admin=request.user)
    context = {
        "form": form,
        "tokens": api_tokens_administered_by(request.user),
        "new_token": new_token,
        # Shown on this response only: the database keeps just its hash.
        "raw_token": raw_token,
    }
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    _require_admin(request.user)
    token = get_object_or_404(api_tokens_administered_by(request.user), pk=token_id)
    try:
        api_token_revoke(token=token)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Token “{token.name}” revoked. It no longer works.")
    return redirect("accounts:api_tokens")
