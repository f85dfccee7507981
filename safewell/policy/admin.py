"""Django admin: alerts and the outbox read-only (they change through the inbox and the
worker, which record why); staff mobile numbers for text messages are editable here.

Policy profiles have their own admin pages (the profiles engineer's), so they are not here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from safewell.policy.models import Alert, Notification, StaffAlertContact


class _ReadOnly(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Alert)
class AlertAdmin(_ReadOnly):
    list_display = ("id", "rule_id", "site", "pupil_id", "severity", "state", "raised_at", "due_by", "escalated_at")
    list_filter = ("state", "severity", "rule_id", "routed_to_role")
    date_hierarchy = "raised_at"
    # No pupil names in the list: opening an alert is a safeguarding read, audited in the inbox.
    list_select_related = ("site",)


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("id", "alert_id", "kind", "channel", "recipient", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("dedupe_key", "last_error")


@admin.register(StaffAlertContact)
class StaffAlertContactAdmin(admin.ModelAdmin):
    list_display = ("user", "mobile_phone", "sms_enabled")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
