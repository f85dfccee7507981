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
        # `safewell generate` logs the first-day calls about its absences (followup/synthetic.py).
        from safewell.attendance.synthetic import register_call_days_hook
        from safewell.followup.synthetic import generated_calls_write

        register_call_days_hook("followup.first_day_calls", generated_calls_write)
