"""The `safewell` command: Django's management commands, Safewell's listed first, with plain
configuration errors.

`safewell` (or `safewell help`) lists Safewell's own commands by what a person wants to
do; `safewell help --all` lists every command, Django's too, and `safewell help COMMAND`
gives one command's options.
"""

from __future__ import annotations

import os
import sys

from django.core.management import ManagementUtility, get_commands, load_command_class

# The groups in the order they are listed.
GROUPS = (
    "set-up",
    "imports and exports",
    "registers and rules",
    "audit",
    "demo",
    "benchmarks",
    "operations",
)
# Every command under safewell/*/management/commands, by group:
# tests/platform/test_cli_help.py fails when one is missing, so none goes unlisted.
COMMAND_GROUPS: dict[str, str] = {
    "api_token_create": "set-up",
    "policy_validate": "set-up",
    "policy_install": "set-up",
    "import_terms": "imports and exports",
    "import_timetable": "imports and exports",
    "evaluate": "registers and rules",
    "rebuild_session_store": "registers and rules",
    "policy_review_remind": "registers and rules",
    "audit": "audit",
    "demo": "demo",
    "demo_load": "demo",
    "demo_totp": "demo",
    "bench": "benchmarks",
    "generate": "benchmarks",
    "alert_rate": "benchmarks",
    "worker": "operations",
    "scheduler": "operations",
    "flush": "operations",
}
DJANGO_COMMANDS_HINT = (
    "Django's own commands (migrate, createsuperuser, check, shell, …) work too: "
    "'{prog} help --all' lists them."
)


class SafewellUtility(ManagementUtility):
    """Django's command-line utility, whose main help lists Safewell's commands by group."""

    def execute(self) -> None:
        if self.argv[1:] == ["help", "--all"]:
            sys.stdout.write(super().main_help_text() + "\n")
            return
        super().execute()

    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only:
            return super().main_help_text(commands_only=True)
        return safewell_help_text(self.prog_name)


def safewell_help_text(prog: str) -> str:
    """Safewell's commands under their group headings, one line each."""
    commands = get_commands()
    width = max(len(name) for name in COMMAND_GROUPS)
    lines = [f"Safewell's commands ('{prog} help COMMAND' gives its options):"]
    for group in GROUPS:
        lines += ["", group.capitalize()]
        for name, in_group in COMMAND_GROUPS.items():
            if in_group == group:
                summary = load_command_class(commands[name], name).help.strip().splitlines()[0]
                lines.append(f"  {name:<{width}}  {summary}")
    lines += ["", DJANGO_COMMANDS_HINT.format(prog=prog)]
    return "\n".join(lines)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safewell.config.settings")
    from django.db.utils import OperationalError

    from safewell.core.env import ConfigurationError

    try:
        SafewellUtility(sys.argv).execute()
    except ConfigurationError as error:
        print(f"safewell: {error}", file=sys.stderr)
        sys.exit(2)
    except OperationalError as error:
        # Almost always an unreachable server or a wrong name or password in DATABASE_URL:
        # say so in one line, not a page of traceback.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(
            f"safewell: the database could not be used ({reason}): check DATABASE_URL and "
            "that the database server is running.",
            file=sys.stderr,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
