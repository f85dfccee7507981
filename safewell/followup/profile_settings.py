"""What first-day calling reads from the organisation's policy profile, and how it gets it.

The profile belongs to policy, which sits above followup in design.md's order, so followup
never imports it: policy registers, from its AppConfig.ready(), the function that reads the
profile in force and answers with these settings (policy/profile_selectors.py,
`followup_settings_for`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from safewell.followup.ladder import Rung


@dataclass(frozen=True)
class FollowupSettings:
    """One organisation's first-day calling settings, from the profile in force."""

    ladder: tuple[Rung, ...]
    # The markers that make a child vulnerable (the profile's `vulnerable_if`): the calling
    # list puts them first, as the engine alerts on them.
    vulnerable_if: tuple[str, ...]
    over_18_parent_notification: bool
    placing_school_notification: str
    send_messages_automatically: bool
    send_messages_at: dt.time
    message_channels: tuple[str, ...]
    # (from, until), Europe/London: nothing goes to a family outside them.
    family_hours: tuple[dt.time, dt.time]


SettingsSource = Callable[[int], FollowupSettings]
NO_SETTINGS_SOURCE = "No policy profile source is registered: the policy app registers it when it is ready."

_source: SettingsSource | None = None


def register_settings_source(source: SettingsSource) -> None:
    """Let `source(organisation_id)` answer for the profile in force (a second registration
    replaces the first, as `ready()` may run twice)."""
    global _source
    _source = source


def followup_settings(organisation_id: int) -> FollowupSettings:
    """The first-day calling settings of the profile in force for the organisation."""
    if _source is None:
        raise RuntimeError(NO_SETTINGS_SOURCE)
    return _source(organisation_id)
