"""Template helpers of first-day calling: the words for a vulnerability marker, and
`{% contact_history pupil %}`, the recent contact attempts on the pupil page (pupils/
templates/pupils/pupil_detail.html), shown only to the people who do first-day calling,
their read audited."""

from __future__ import annotations

from django import template

from safewell.pupils.models import CharacteristicKind

register = template.Library()

MARKER_LABELS = {**dict(CharacteristicKind.choices), "social_worker": "Social worker"}
RECENT = 10


@register.filter
def marker_label(kind: str) -> str:
    return MARKER_LABELS.get(kind, kind.replace("_", " ").capitalize())


@register.inclusion_tag("followup/_pupil_contacts.html", takes_context=True)
def contact_history(context, pupil) -> dict:
    from safewell.accounts.selectors import roles_for
    from safewell.audit.services import audit_read
    from safewell.followup.selectors import FOLLOWUP_ROLES, contact_history as history_of

    if not roles_for(context["request"].user, pupil.site) & FOLLOWUP_ROLES:
        return {"shown": False}
    attempts = history_of(pupil, limit=RECENT)
    if attempts:
        audit_read(target=pupil, detail="contact history (the pupil page)")
    return {"shown": True, "pupil": pupil, "attempts": attempts}


@register.inclusion_tag("followup/_calling_summary.html", takes_context=True)
def calling_list_summary(context) -> dict:
    """How many families wait for a call today at the current site (the attendance
    officer's home page): counts only, so the home page reads no safeguarding detail."""
    from django.utils import timezone

    from safewell.accounts.selectors import roles_for
    from safewell.followup.selectors import FOLLOWUP_ROLES, calling_day, calling_list

    site = context.get("site")
    if site is None or not roles_for(context["request"].user, site) & FOLLOWUP_ROLES:
        return {"shown": False}
    now = timezone.now()
    found = calling_list(site=site, day=calling_day(site, now), now=now)
    return {"shown": True, "site": site, "calling": found}
