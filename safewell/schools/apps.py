from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "safewell.schools"
    label = "schools"
