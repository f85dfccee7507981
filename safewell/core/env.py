"""Reading configuration from the environment, with plain-sentence errors."""

from __future__ import annotations

import os
from pathlib import Path


class ConfigurationError(Exception):
    """A setting is missing or wrong. The message is one sentence saying what to set."""


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}.")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {value!r}.") from None


def secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (for Docker/systemd secrets)."""
    if os.environ.get(name):
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        raise ConfigurationError(
            f"{name}_FILE points at {path}, which cannot be read ({error.strerror})."
        ) from None
