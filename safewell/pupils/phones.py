"""UK telephone numbers, stored in E.164 (+44…), so that SMS gateways and dialling agree.

Accepted as typed by a person: spaces, dashes, dots and brackets are ignored, and a number
may start 0, +44, 0044 or +44 (0). A UK national significant number (after the 0) has 9 or
10 digits and starts 1, 2, 3, 5, 7, 8 or 9 (Ofcom's National Telephone Numbering Plan; [U],
from memory). Numbers outside the UK are refused: Safewell contacts families and
professionals through UK numbers only for now.
"""

from __future__ import annotations

import re

PHONE_NOT_UK = (
    "“{phone}” is not a UK telephone number: use a number like 07700 900123 or "
    "+44 7700 900123."
)

_SEPARATORS = re.compile(r"[\s\-.()/]")
_NATIONAL = re.compile(r"^[1235789]\d{8,9}$")


class InvalidPhone(ValueError):
    pass


def to_e164(phone: str) -> str:
    """The number as +44…, or InvalidPhone. A blank number stays blank."""
    raw = (phone or "").strip()
    if not raw:
        return ""
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("+440"):  # "+44 (0)20 …", the brackets already removed
        digits = "+44" + digits[4:]
    for prefix in ("+44", "0044", "0"):
        if digits.startswith(prefix):
            national = digits[len(prefix):]
            break
    else:
        raise InvalidPhone(PHONE_NOT_UK.format(phone=raw))
    if not _NATIONAL.match(national):
        raise InvalidPhone(PHONE_NOT_UK.format(phone=raw))
    return "+44" + national


def for_display(e164: str) -> str:
    """+447700900123 → 07700 900123 (the way UK staff read numbers)."""
    if not e164.startswith("+44"):
        return e164
    national = "0" + e164[3:]
    if national.startswith("02"):
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if national.startswith(("01", "07")):
        return f"{national[:5]} {national[5:]}"
    return f"{national[:4]} {national[4:7]} {national[7:]}"
