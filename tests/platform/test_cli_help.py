"""`safewell` and `safewell help` list Safewell's own commands by group, one line each;
Django's commands stay a `safewell help --all` away."""

from __future__ import annotations

from pathlib import Path

import pytest

import safewell
from safewell.config.cli import COMMAND_GROUPS, GROUPS, SafewellUtility


def safewell_commands() -> set[str]:
    """Safewell's own commands: its modules under management/commands, as Django finds them."""
    modules = Path(safewell.__file__).parent.glob("*/management/commands/*.py")
    return {module.stem for module in modules if not module.stem.startswith("_")}


def run(capsys, *args: str) -> str:
    SafewellUtility(["safewell", *args]).execute()
    return capsys.readouterr().out


def test_every_safewell_command_is_in_one_group():
    assert set(COMMAND_GROUPS) == safewell_commands()


def test_every_group_is_listed_and_has_a_command():
    assert set(COMMAND_GROUPS.values()) == set(GROUPS)


@pytest.mark.parametrize("args", [(), ("help",), ("--help",)], ids=["no-arguments", "help", "--help"])
def test_the_main_help_lists_safewells_commands_by_group(capsys, args):
    out = run(capsys, *args)

    headings = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert [group.capitalize() for group in GROUPS] == headings[1:-1]
    demo_totp = next(line for line in out.splitlines() if line.startswith("  demo_totp "))
    assert demo_totp.endswith(" Print the current TOTP code of a demo login (demo data only).")
    assert "runserver" not in out


def test_help_all_lists_djangos_commands_too(capsys):
    out = run(capsys, "help", "--all")

    assert "    runserver\n" in out and "    demo_totp\n" in out


def test_help_on_one_command_gives_its_options(capsys):
    out = run(capsys, "help", "demo_totp")

    assert out.startswith("usage: safewell demo_totp") and "username" in out
