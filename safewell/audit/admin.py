"""Django admin: the audit log, read-only. Nobody adds, changes or deletes an event here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from safewell.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "occurred_at", "actor_username", "action", "target_type", "target_id", "ip_address")
    list_filter = ("action", "target_type")
    search_fields = ("actor_username", "target_type", "target_id", "request_id", "detail")
    date_hierarchy = "occurred_at"
    ordering = ("-id",)
    list_select_related = False
    show_full_result_count = False  # COUNT(*) over a long log on every page is slow
    actions = None  # no bulk delete
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
