"""safewell policy_validate FILE [--organisation-kind KIND]: check a policy profile, storing nothing.

Prints each problem as `FILE:LINE: FIELD: message` (the form editors and CI read) and exits 1
when the profile would be refused; prints a one-line summary and exits 0 when it is valid.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safewell.policy.profiles import ProfileInvalid, profile_parse


class Command(BaseCommand):
    help = "Validate a policy profile (YAML): every problem with its line and field; exit 1 if refused."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument(
            "--organisation-kind", default=None,
            help="also check the profile suits this kind of organisation (school, alternative_provision, …)",
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            profile = profile_parse(path.read_bytes(), organisation_kind=options["organisation_kind"])
        except ProfileInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(problem_line(path, error))
            raise CommandError(f"{path}: refused ({len(invalid.errors)} problem(s))", returncode=1) from None
        enabled = len(profile.enabled_rules())
        self.stdout.write(
            f"{path}: valid profile '{profile.name}' (document version {profile.version}), "
            f"{enabled} of {len(profile.rules)} rules on, next review {profile.next_review_on:%-d %B %Y}"
        )


def problem_line(path: Path, error) -> str:
    line = error.line if error.line else "-"
    field = f" {error.field}:" if error.field else ""
    return f"{path}:{line}:{field} {error.message}"
