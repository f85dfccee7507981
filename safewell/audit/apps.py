from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "safewell.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Every model is loaded by now, including the apps listed after this one.
        from safewell.audit import capture

        capture.connect_all()
