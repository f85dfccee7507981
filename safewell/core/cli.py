"""The `safewell` command: Django's management commands, with plain configuration errors."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safewell.core.settings")
    from safewell.core.config import ConfigurationError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ConfigurationError as error:
        print(f"safewell: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
