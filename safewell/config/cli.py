"""The `safewell` command: Django's management commands, with plain configuration errors."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safewell.config.settings")
    from django.db.utils import OperationalError

    from safewell.core.env import ConfigurationError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
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
