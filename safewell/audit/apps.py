from __future__ import annotations

from collections.abc import Iterable

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "safewell.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Every model is loaded by now, including the apps listed after this one.
        from safewell.audit import capture
        from safewell.audit.selectors import register_record_sites

        capture.connect_all()
        # The two record types that exist from the start. Apps holding safeguarding
        # records register theirs the same way, from their own `ready()`.
        register_record_sites("schools.site", _sites_of_site)
        register_record_sites("accounts.user", _sites_of_user)


def _sites_of_site(target_id: str) -> Iterable[int]:
    return [int(target_id)] if target_id.isdigit() else []


def _sites_of_user(target_id: str) -> Iterable[int]:
    from safewell.accounts.models import Membership

    if not target_id.isdigit():
        return []
    return Membership.objects.filter(user_id=int(target_id)).values_list("site_id", flat=True)
