from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "safewell.policy"
    label = "policy"

    def ready(self) -> None:
        # A register's marks re-evaluate their pupils in the same transaction (engine/hooks.py).
        from safewell.policy.engine import hooks

        hooks.connect()
