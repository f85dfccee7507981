from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "safewell.followup"
    label = "followup"

    def ready(self) -> None:
        from safewell.core.outbox import register_delivery_request
        from safewell.followup.jobs import deliver_messages_soon
        from safewell.followup.models import OutboundMessage

        # A committed message asks a worker to deliver it at once (core/outbox.py).
        register_delivery_request(OutboundMessage, deliver_messages_soon)
