"""Structure of jurisdiction codes (GB/T 2260 six-digit codes down to county, then street,
community and grid codes that extend their parent's), and name checks. Pure functions.

- province: ``PP0000`` (first digit 1–8)
- city: ``PPCC00`` under its province ``PP0000`` (``CC`` not ``00``)
- county / district: ``PPCCDD`` under its city ``PPCC00`` (``DD`` not ``00``)
- street / township: county code + 3 digits (not ``000``)
- community / village: street code + 3 digits (not ``000``)
- grid: community code + 3 digits (not ``000``)

Because siblings always have codes of the same length and every descendant's path starts
with ``<parent path>.``, the materialised-path range ``[path, path + "~")`` holds exactly the
subtree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from zoneinfo import available_timezones

from django.utils.translation import gettext_lazy as _

from fangkong.regions.choices import RegionLevel

MAX_NAME = 100
_DIGITS = re.compile(r"\A\d+\Z", re.ASCII)
_PROVINCE = re.compile(r"\A[1-8]\d0000\Z", re.ASCII)

#: Code length of each level.
CODE_LENGTH = {
    RegionLevel.PROVINCE: 6,
    RegionLevel.CITY: 6,
    RegionLevel.COUNTY: 6,
    RegionLevel.STREET: 9,
    RegionLevel.COMMUNITY: 12,
    RegionLevel.GRID: 15,
}


def code_format_ok(code: str) -> bool:
    """ASCII digits of a length some level uses (6, 9, 12 or 15)."""
    return bool(_DIGITS.match(code)) and len(code) in {6, 9, 12, 15}


def code_problem(code: str, parent_code: str | None, parent_level: int | None) -> str | None:
    """Why ``code`` cannot be a child of ``parent_code`` (at ``parent_level``; both ``None``
    for a province), as an error code, or ``None`` when it fits.

    Codes: ``code_format`` (not digits of a known length), ``level_too_deep`` (below a grid),
    ``code_parent_mismatch`` (does not extend the parent as its level requires).
    """
    if not code_format_ok(code):
        return "code_format"
    if parent_code is None or parent_level is None:
        return None if _PROVINCE.match(code) else "code_parent_mismatch"
    level = parent_level + 1
    if level > RegionLevel.GRID:
        return "level_too_deep"
    if len(code) != CODE_LENGTH[RegionLevel(level)]:
        return "code_parent_mismatch"
    if level == RegionLevel.CITY:
        fits = code[:2] == parent_code[:2] and code[2:4] != "00" and code[4:] == "00"
    elif level == RegionLevel.COUNTY:
        fits = code[:4] == parent_code[:4] and code[4:] != "00" and parent_code[4:] == "00"
    else:
        fits = code.startswith(parent_code) and code[len(parent_code) :] != "000"
    return None if fits else "code_parent_mismatch"


CODE_MESSAGES = {
    "code_format": _("A code is 6, 9, 12 or 15 digits."),
    "level_too_deep": _("A grid has no children."),
    "code_parent_mismatch": _(
        "The code does not fit its parent: a city shares its province's first 2 digits, a "
        "county its city's first 4, and a street, community or grid adds 3 digits to its "
        "parent's code; a province is PP0000."
    ),
}


def name_problem(name: str) -> str | None:
    """``name_required``, ``name_too_long`` or ``name_control_characters`` (control, format
    and bidirectional-override characters), or ``None``. ``name`` should be stripped."""
    if not name:
        return "name_required"
    if len(name) > MAX_NAME:
        return "name_too_long"
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} for char in name):
        return "name_control_characters"
    return None


NAME_MESSAGES = {
    "name_required": _("Give a name."),
    "name_too_long": _("A name has at most 100 characters."),
    "name_control_characters": _("The name contains control or invisible characters."),
}


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_ok(value: str) -> bool:
    """An IANA time-zone name known to this system (``Asia/Shanghai``, ``Asia/Urumqi``)."""
    return value in _zones()
