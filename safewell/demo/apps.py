from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "safewell.demo"
    label = "demo"
    verbose_name = "Demo"
