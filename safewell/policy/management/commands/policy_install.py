"""safewell policy_install --organisation NAME FILE [--no-activate] [--as USERNAME]: install a
policy profile as the organisation's next version, refused whole (with each problem's line
and field) if it is invalid. The installed version is put in force unless --no-activate.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safewell.accounts.models import User
from safewell.core.request_context import acting_as
from safewell.policy.management.commands.policy_validate import problem_line
from safewell.policy.profile_services import policy_profile_install
from safewell.policy.profiles import ProfileInvalid
from safewell.schools.models import Organisation


class Command(BaseCommand):
    help = "Install a policy profile (YAML) as an organisation's next version, in force unless --no-activate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--organisation", required=True, help="the organisation's name")
        parser.add_argument("--no-activate", action="store_true", help="store the version without putting it in force")
        parser.add_argument("--as", dest="actor", default=None, metavar="USERNAME",
                            help="who is installing it (recorded as its author); default: Safewell itself")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            organisation = Organisation.objects.get(name=options["organisation"])
        except Organisation.DoesNotExist:
            raise CommandError(f"no organisation named {options['organisation']!r}") from None
        actor = _actor(options["actor"])
        try:
            with acting_as(actor.pk if actor else None):
                row = policy_profile_install(
                    organisation=organisation, yaml_text=path.read_bytes(), actor=actor,
                    activate=not options["no_activate"],
                )
        except ProfileInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(problem_line(path, error))
            raise CommandError(
                f"{path}: refused whole ({len(invalid.errors)} problem(s)); nothing was installed", returncode=1
            ) from None
        state = "in force" if row.is_active else "not in force (activate it on the profile history page)"
        self.stdout.write(f"{organisation}: installed '{row.name}' as version {row.version}, {state}.")


def _actor(username: str | None) -> User | None:
    if username is None:
        return None
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user named {username!r}") from None
