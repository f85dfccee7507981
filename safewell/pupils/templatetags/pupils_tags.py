from __future__ import annotations

from django import template

from safewell.pupils.phones import for_display

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """+447700900123 → 07700 900123."""
    return for_display(e164 or "")
