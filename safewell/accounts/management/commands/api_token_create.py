"""`safewell api_token_create USERNAME NAME`: make an API token and print it, once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from safewell.accounts.models import User
from safewell.accounts.services import api_token_create
from safewell.core.request_context import acting_as


class Command(BaseCommand):
    help = "Create an API token for USERNAME, named NAME. The token is printed once only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what will use the token, e.g. 'MIS sync'")

    def handle(self, *args, username: str, name: str, **options) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"There is no user called {username!r}.") from None
        # Run by whoever has shell access to the server: the audit log records no actor.
        with acting_as(None):
            try:
                token, raw = api_token_create(user=user, name=name, created_by=None)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Token {token.prefix}… created for {user.username}. It is shown only now: "
            "store it in the integration's secret store."
        )
        self.stdout.write(raw)
