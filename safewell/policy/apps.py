from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "safewell.policy"
    label = "policy"

    def ready(self) -> None:
        from safewell.core.outbox import register_delivery_request
        from safewell.followup.profile_settings import register_settings_source
        from safewell.policy.engine import hooks
        from safewell.policy.models import Notification
        from safewell.policy.profile_selectors import followup_settings_for
        from safewell.policy.tasks import deliver_notifications_soon

        # A register's marks re-evaluate their pupils in the same transaction (engine/hooks.py).
        hooks.connect()
        # A committed alert asks a worker to deliver its notifications at once (core/outbox.py).
        register_delivery_request(Notification, deliver_notifications_soon)
        # First-day calling reads the profile in force without importing policy.
        register_settings_source(followup_settings_for)
