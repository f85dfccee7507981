"""allauth's MFA forms, with a distinct message (and log entry) for a wrong and a reused code."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from allauth.account import forms as account_forms
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp import forms as totp_forms
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
from allauth.mfa.utils import decrypt

from safewell.accounts import security
from safewell.accounts.adapter import REPLAYED_CODE
from safewell.accounts.models import User


def totp_code_is_current(user: User, code: str) -> bool:
    """Whether `code` is right for this 30-second step for one of the user's TOTP apps.

    allauth refuses a code that was already used (each use is remembered in the shared cache
    for one step). So a code that is current, yet was refused, was a replay.
    """
    for authenticator in Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP):
        if validate_totp_code(decrypt(authenticator.data["secret"]), code):
            return True
    return False


def _label_code_field(field: forms.Field, label: str) -> None:
    field.label = label
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update(
        {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
    )


class _ExplainsRefusedCodes:
    """Tell a wrong code from a reused one, and log each refusal."""

    user: User
    data: dict
    fields: dict

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _label_code_field(self.fields["code"], "Code from your authenticator app, or a recovery code")

    def clean_code(self) -> str:
        code = self.data.get("code", "")
        try:
            return super().clean_code()  # type: ignore[misc]
        except ValidationError as error:
            raise self._explained(error, code) from None

    def _explained(self, error: ValidationError, code: str) -> ValidationError:
        if getattr(error, "code", None) == "too_many_login_attempts":
            self._record(security.MFA_LOCKED_OUT, "code refused: too many failed attempts")
            return error
        if totp_code_is_current(self.user, code.strip()):
            self._record(security.MFA_CODE_REPLAYED, "authenticator code refused: already used")
            return ValidationError(REPLAYED_CODE, code="replayed_code")
        self._record(security.MFA_CODE_REJECTED, "authenticator code refused: wrong code")
        return error

    def _record(self, action: str, detail: str) -> None:
        security.security_event_record(action=action, user=self.user, detail=detail)


class MFAAuthenticateForm(_ExplainsRefusedCodes, AuthenticateForm):
    pass


class MFAReauthenticateForm(_ExplainsRefusedCodes, ReauthenticateForm):
    pass


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    """Set up TOTP; the code typed to confirm set-up is spent, so it cannot also sign in."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _label_code_field(self.fields["code"], "Code from your authenticator app")

    def clean_code(self) -> str:
        try:
            code = super().clean_code()
        except ValidationError:
            security.security_event_record(
                action=security.MFA_CODE_REJECTED,
                user=self.user,
                signed_in=True,
                detail="authenticator code refused while setting up an authenticator app",
            )
            raise
        unsaved = Authenticator(user_id=self.user.pk, type=Authenticator.Type.TOTP)
        TOTP(unsaved)._mark_code_used(code)
        return code


class LoginForm(account_forms.LoginForm):
    """allauth's sign-in form with plain labels and the right autocomplete hints."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "Username or email address"
        login.widget.attrs.pop("placeholder", None)
        login.widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        password = self.fields["password"]
        password.label = "Password"
        # allauth puts a "Forgot your password?" link here; our page has its own below the button.
        password.help_text = ""
        password.widget.attrs.pop("placeholder", None)
        password.widget.attrs["autocomplete"] = "current-password"
