from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "safewell.accounts"
    label = "accounts"
