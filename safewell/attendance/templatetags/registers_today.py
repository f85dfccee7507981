"""`{% registers_today %}`: today's registers of the signed-in person at the current site,
for the teacher's home page (core/templates/core/home/teacher.html), so the home page
needs nothing from the attendance app in its view."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("attendance/registers/_registers_today.html", takes_context=True)
def registers_today(context) -> dict:
    from safewell.accounts.selectors import roles_for
    from safewell.attendance import register_views, selectors

    request, site = context["request"], context.get("site")
    if site is None or not selectors.can_take_registers(roles_for(request.user, site)):
        return {"registers": None, "site": site}
    # The one place this tag reads the clock.
    now = timezone.now()
    today = timezone.localtime(now, register_views.LONDON).date()
    return {"registers": register_views.registers_of_day(site, request.user, today, now), "site": site}
