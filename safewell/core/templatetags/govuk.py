"""Render Django form fields with GOV.UK Frontend's classes and error wiring.

Use `{% include "core/forms/field.html" with field=form.name %}` for one field, or
`{% include "core/forms/fields.html" with form=form %}` for a whole form with its error summary.
"""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def _widget_class(widget: forms.Widget, has_errors: bool) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "govuk-checkboxes__input"
    if isinstance(widget, forms.Textarea):
        return "govuk-textarea" + (" govuk-textarea--error" if has_errors else "")
    if isinstance(widget, forms.Select):
        return "govuk-select" + (" govuk-select--error" if has_errors else "")
    if isinstance(widget, forms.FileInput):
        return "govuk-file-upload" + (" govuk-file-upload--error" if has_errors else "")
    return "govuk-input" + (" govuk-input--error" if has_errors else "")


def described_by(field: BoundField) -> str:
    """The ids of the hint and error message, so screen readers read them with the field."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.filter
def govuk_widget(field: BoundField) -> SafeString:
    widget = field.field.widget
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{_widget_class(widget, bool(field.errors))} {existing}".strip()}
    describing = described_by(field)
    if describing:
        attrs["aria-describedby"] = describing
    return field.as_widget(attrs=attrs)


@register.filter
def govuk_describedby(field: BoundField) -> str:
    return described_by(field)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_radios(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.RadioSelect)


@register.filter
def error_anchor(field: BoundField) -> str:
    """Where the error summary's link goes: the first option of a group of radios or
    checkboxes (the group itself has no id), else the field."""
    if isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{field.auto_id}_0"
    return field.id_for_label


@register.inclusion_tag("core/table_head.html")
def table_head(caption: str, *headers: str) -> dict:
    """A GOV.UK table's caption, for screen readers only, and its row of column headers:
    `{% table_head "Contacts, in the order to call them" "Priority" "Name" %}`."""
    return {"caption": caption, "headers": headers}
