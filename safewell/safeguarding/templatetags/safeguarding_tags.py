"""Template helpers of the safeguarding pages: GOV.UK radios and checkboxes for Django's
choice widgets."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


@register.filter
def widget_kind(field: BoundField) -> str:
    """"radios", "checkboxes" or "" (every other widget renders as core/forms/field.html)."""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    return ""


@register.filter
def get(mapping: dict, key):
    return mapping.get(key) if isinstance(mapping, dict) else None
