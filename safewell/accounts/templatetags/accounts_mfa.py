from __future__ import annotations

from django import template
from django.http import HttpRequest

from safewell.accounts.sessions import session_has_second_factor, session_roles, user_requires_mfa

register = template.Library()


@register.filter
def must_set_up_mfa(request: HttpRequest) -> bool:
    """True for a signed-in user whose role needs MFA and who has not set it up yet."""
    user = request.user
    if not user.is_authenticated:
        return False
    return user_requires_mfa(user, session_roles(request)) and not session_has_second_factor(request)
