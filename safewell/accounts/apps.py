from __future__ import annotations

from collections.abc import Iterable

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safewell.accounts"
    label = "accounts"

    def ready(self) -> None:
        from safewell.accounts import receivers  # noqa: F401 - connects the signal receivers
        from safewell.accounts.record_openings import register_record_sites

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
