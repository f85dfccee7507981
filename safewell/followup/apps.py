from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "safewell.followup"
    label = "followup"
