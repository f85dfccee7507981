from django.apps import AppConfig


class PupilsConfig(AppConfig):
    name = "safewell.pupils"
    label = "pupils"
