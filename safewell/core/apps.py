from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "safewell.core"
    label = "core"
