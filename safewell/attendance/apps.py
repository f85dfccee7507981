from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "safewell.attendance"
    label = "attendance"
