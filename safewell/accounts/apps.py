from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safewell.accounts"
    label = "accounts"

    def ready(self) -> None:
        from safewell.accounts import receivers  # noqa: F401 - connects the signal receivers

