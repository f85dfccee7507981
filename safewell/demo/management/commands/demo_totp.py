"""`safewell demo_totp USERNAME`: the current six-digit code of a demo user's authenticator."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from safewell.demo.management.commands._demo import DEMO_TOTP_SECRET

NOT_A_DEMO_USER = (
    "{username} has no demo authenticator: this command only gives codes for the demo "
    "logins, whose TOTP secret is published."
)


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo login (demo data only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *, username: str, **options) -> None:
        from allauth.mfa import app_settings
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
        from allauth.mfa.utils import decrypt

        secrets = [
            decrypt(a.data["secret"])
            for a in Authenticator.objects.filter(
                user__username=username, type=Authenticator.Type.TOTP
            )
        ]
        # Only ever reveal a code derived from the published demo secret: a real user's
        # authenticator stays a second factor even for someone with shell access.
        if DEMO_TOTP_SECRET not in secrets:
            raise CommandError(NOT_A_DEMO_USER.format(username=username))
        now = time.time()
        counter = int(now) // app_settings.TOTP_PERIOD
        seconds_left = app_settings.TOTP_PERIOD - int(now) % app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))
        if options["verbosity"] > 1:
            self.stderr.write(f"(valid for {seconds_left} more seconds)")
