"""Building, unit and room from a free-text address, and the key that joins spellings.

``3号楼2单元501``, ``3栋2单元501室``, ``3幢二单元501号``, ``３－２－５０１`` and ``3-2-501``
all give ``("3", "2", "501")`` and the address key ``3-2-501``. A missing unit leaves an empty
middle (``3栋501`` → ``3--501``) so the key never confuses ``building-room`` with ``building-unit``.
The rest of the address (compound, street) is not parsed; the household's jurisdiction node
already places it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十]+")

_PART = r"([0-9]+[A-Z]?|[A-Z][0-9]*)"
_BUILDING = re.compile(_PART + r"\s*(?:号楼|号院楼|栋楼|栋|幢|座|号|楼|#)")
_UNIT = re.compile(r"([0-9]+|[A-Z])\s*(?:单元|门洞|门)")
_ROOM = re.compile(r"([0-9]{2,5}[A-Z]?)\s*(?:室|号|户)?\s*$")
_DASHED = re.compile(r"(?<![0-9A-Z])" + _PART + r"-" + _PART + r"(?:-([0-9]{2,5}[A-Z]?))?\s*$")


@dataclass(frozen=True)
class AddressParts:
    """What was found; empty strings for parts that are not in the text."""

    building: str
    unit: str
    room: str

    @property
    def key(self) -> str:
        """``3-2-501``; empty when neither building nor room was found."""
        if not self.building and not self.room:
            return ""
        return f"{self.building}-{self.unit}-{self.room}"


def _chinese_number(match: re.Match[str]) -> str:
    """``二`` → 2, ``十二`` → 12, ``二十`` → 20, ``二十三`` → 23 (up to 99), ``五零一`` → 501."""
    text = match.group(0)
    if "十" not in text:
        return "".join(str(_CN_DIGITS[char]) for char in text)
    tens_text, _, ones_text = text.partition("十")
    tens = _CN_DIGITS.get(tens_text[-1:], 1) if tens_text else 1
    ones = _CN_DIGITS.get(ones_text[:1], 0) if ones_text else 0
    return str(tens * 10 + ones)


def _trim(part: str) -> str:
    """Drop leading zeros of a number (``03`` → ``3``) but keep a lone ``0``."""
    stripped = part.lstrip("0")
    return stripped or ("0" if part else "")


def _prepare(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).upper()
    text = re.sub(r"[\u2010-\u2015\u2212~～—]", "-", text)
    text = _CN_NUMBER.sub(_chinese_number, text)
    text = re.sub(r"([0-9A-Z])#(?=[0-9])", r"\1-", text)
    return re.sub(r"\s*-\s*", "-", text).strip()


def parse_address(raw: str) -> AddressParts:
    """Find building, unit and room in ``raw``.

    1. NFKC (full-width digits), upper case, dash variants to ``-``, Chinese numerals to digits.
    2. A dashed tail ``3-2-501`` (or ``3-501``: building and room) wins when present.
    3. Otherwise look for ``<n>号楼/栋/幢/座``, ``<n>单元/门`` and a trailing room number
       (``501``, ``501室``) after them.
    """
    text = _prepare(raw or "")
    dashed = _DASHED.search(text)
    if dashed:
        first, second, third = dashed.group(1), dashed.group(2), dashed.group(3)
        if third:
            return AddressParts(_trim(first), _trim(second), _trim(third))
        return AddressParts(_trim(first), "", _trim(second))
    building = unit = room = ""
    cursor = 0
    found = _BUILDING.search(text)
    if found:
        building = _trim(found.group(1))
        cursor = found.end()
    found_unit = _UNIT.search(text, cursor)
    if found_unit:
        unit = _trim(found_unit.group(1))
        cursor = found_unit.end()
    if building or unit:
        found_room = _ROOM.search(text, cursor)
        if found_room:
            room = _trim(found_room.group(1))
    return AddressParts(building, unit, room)


def address_key(raw: str) -> str:
    """The key of :func:`parse_address` (``3-2-501``), or empty."""
    return parse_address(raw).key
