from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "safewell.audit"
    label = "audit"
