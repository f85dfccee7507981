from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "safewell.policy"
    label = "policy"
