"""A missing or invalid database URL or secret stops start-up with one plain sentence: exit
status 2, one line on stderr, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SAFEWELL = [sys.executable, "-c", "from safewell.config.cli import main; main()"]
LONG_KEY = "k" * 60

CASES = [
    pytest.param({"DATABASE_URL": "mysql://x"},
                 "DATABASE_URL must point at PostgreSQL (postgres://…); unset it to use SQLite.",
                 id="mysql-url"),
    pytest.param({"DATABASE_URL": "not-a-url"},
                 "DATABASE_URL is not a database URL: set it to "
                 "postgres://USER:PASSWORD@HOST:5432/NAME, or unset it to use SQLite.",
                 id="not-a-url"),
    pytest.param({"DATABASE_URL": "postgres://db.example.org"},
                 "DATABASE_URL names no database: end it with the name, as in "
                 "postgres://USER:PASSWORD@HOST:5432/NAME.",
                 id="url-without-database-name"),
    pytest.param({"SAFEWELL_PRODUCTION": "true"},
                 "SECRET_KEY is not set: set SECRET_KEY (or SECRET_KEY_FILE) to a random string "
                 "of at least 50 characters.",
                 id="production-without-secret"),
    pytest.param({"SECRET_KEY": "too-short"},
                 "SECRET_KEY is too short: use a random string of at least 50 characters.",
                 id="short-secret"),
    pytest.param({"SECRET_KEY_FILE": "/nonexistent/secret_key"},
                 "SECRET_KEY_FILE points at /nonexistent/secret_key, which cannot be read "
                 "(No such file or directory).",
                 id="missing-secret-file"),
    pytest.param({"SECRET_KEY_FILE": "/"},
                 "SECRET_KEY_FILE points at /, which cannot be read (Is a directory).",
                 id="unreadable-secret-file"),
    pytest.param({"SAFEWELL_HTTPS": "maybe"},
                 "SAFEWELL_HTTPS must be true or false, not 'maybe'.",
                 id="bad-boolean"),
]


def run_safewell(overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    drop = ("DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "SAFEWELL_PRODUCTION", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run([*SAFEWELL, *args], env={**env, **overrides},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("overrides", "sentence"), CASES)
def test_a_bad_setting_stops_start_up_with_one_sentence(overrides, sentence):
    result = run_safewell(overrides, "check")

    assert result.returncode == 2
    assert result.stderr == f"safewell: {sentence}\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_an_unreachable_database_is_one_sentence_too():
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
    result = run_safewell({"DATABASE_URL": "postgres://safewell@127.0.0.1:9/safewell"}, "migrate")

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("safewell: the database could not be used (")
    assert result.stderr.endswith("check DATABASE_URL and that the database server is running.\n")
    assert "Traceback" not in result.stderr


def test_a_good_production_configuration_starts(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(LONG_KEY + "\n")
    result = run_safewell(
        {"SAFEWELL_PRODUCTION": "true", "SECRET_KEY_FILE": str(key_file),
         "SAFEWELL_DATA_DIR": str(tmp_path)},
        "check",
    )
    assert result.returncode == 0, result.stderr
