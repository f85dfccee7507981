from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safewell.config.settings")

from safewell.core.env import ConfigurationError  # noqa: E402

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
except ConfigurationError as error:
    print(f"safewell: {error}", file=sys.stderr)
    sys.exit(2)
