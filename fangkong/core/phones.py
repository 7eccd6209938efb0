"""Chinese phone numbers: one canonical form whatever way they were typed.

* Mobile: 11 digits starting ``1[3-9]`` → ``13800138000``.
* Landline: area code (``010``, ``02x`` or a 4-digit ``0xxx``), a 7–8 digit local number that
  does not start with 0, and an optional extension → ``010-12345678`` or
  ``0755-12345678-123``.

Accepted decorations: ``+86``, ``0086``, ``86-`` prefixes, full-width digits, spaces, dashes,
dots, brackets, zero-width characters, and an extension written ``ext``/``x``/``转``/``分机``/``#``.
Failures raise :class:`ValidationFailed` with ``phone_characters``, ``phone_length`` (10- or
12-digit junk and other counts), ``phone_mobile_prefix``, ``phone_area_code`` or
``phone_local_number``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.errors import ValidationFailed, field_error

MAX_RAW_LENGTH = 40

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_EXTENSION = re.compile(r"(?:ext\.?|x|转|分机|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_DECORATION = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014\u2212.()\[\]/]")
_MOBILE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Phone:
    """A normalised phone: ``kind`` is ``mobile`` or ``landline``; ``number`` is canonical."""

    kind: str
    number: str

    @property
    def masked(self) -> str:
        return mask_phone(self.number)


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[field_error(field, code, message)], code=code)


def _area_length(digits: str) -> int:
    """``010`` and ``020``–``029`` are 3-digit area codes; every other ``0xxx`` has 4."""
    if digits.startswith(("010", "02")):
        return 3
    return 4


def normalise_phone(raw: object, *, field: str = "phone") -> Phone:
    """Parse one phone number into its canonical form (see the module docstring).

    Steps: NFKC and zero-width removal; split off an extension; drop separators; drop a
    ``+86``/``0086``/``86`` country prefix (then a landline gets its leading ``0`` back); decide
    mobile (``1`` + 10 digits) or landline (``0`` + area + local).
    """
    if not isinstance(raw, str) or not raw.strip():
        raise _invalid(field, "phone_required", _("Enter a phone number."))
    if len(raw) > MAX_RAW_LENGTH:
        raise _invalid(field, "phone_length", _("The phone number is far too long."))
    text = unicodedata.normalize("NFKC", raw).translate(_ZERO_WIDTH).strip()
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension = match.group(1)
        text = text[: match.start()]
    compact = _DECORATION.sub("", text)
    international = False
    if compact.startswith("+"):
        if not compact.startswith("+86"):
            raise _invalid(
                field, "phone_country", _("Only mainland China numbers (+86) are accepted.")
            )
        compact = compact[3:]
        international = True
    elif compact.startswith("0086"):
        compact = compact[4:]
        international = True
    elif compact.startswith("86") and len(compact) in (13, 12, 11) and compact[2] in "123456789":
        # ``86-13800138000`` or ``86-10-12345678``: a country code typed without + or 00.
        compact = compact[2:]
        international = True
    if not compact.isdigit() or not compact.isascii():
        raise _invalid(
            field, "phone_characters", _("A phone number has only digits and separators.")
        )
    if international and not compact.startswith("1"):
        compact = "0" + compact.lstrip("0")
    if international and compact.startswith("1") and len(compact) != 11:
        # ``+86 10 12345678``: Beijing's area code without its trunk 0.
        compact = "0" + compact
    if compact.startswith("1"):
        if len(compact) != 11:
            raise _invalid(
                field,
                "phone_length",
                _("A mobile number has 11 digits; this one has %(count)d.")
                % {"count": len(compact)},
            )
        if not _MOBILE.fullmatch(compact):
            raise _invalid(field, "phone_mobile_prefix", _("A mobile number starts with 13 to 19."))
        if extension:
            raise _invalid(field, "phone_characters", _("A mobile number has no extension."))
        return Phone(kind="mobile", number=compact)
    if not compact.startswith("0"):
        if len(compact) in (7, 8):
            raise _invalid(field, "phone_area_code", _("Add the area code to the landline number."))
        raise _invalid(
            field,
            "phone_length",
            _("This is neither an 11-digit mobile number nor a landline with an area code."),
        )
    area_length = _area_length(compact)
    area, local = compact[:area_length], compact[area_length:]
    if area == "000" or area.startswith("00"):
        raise _invalid(field, "phone_area_code", _("The area code is not valid."))
    if len(local) not in (7, 8):
        raise _invalid(
            field,
            "phone_length",
            _("A landline number has 7 or 8 digits after the area code."),
        )
    if local[0] == "0":
        raise _invalid(field, "phone_local_number", _("A landline number does not start with 0."))
    number = f"{area}-{local}" + (f"-{extension}" if extension else "")
    return Phone(kind="landline", number=number)


def mask_phone(number: str) -> str:
    """``13800138000`` → ``138****8000``; ``010-12345678`` → ``010-****5678``; the extension
    of a landline is dropped from the masked form."""
    if _MOBILE.fullmatch(number):
        return number[:3] + "****" + number[-4:]
    parts = number.split("-")
    if len(parts) >= 2 and parts[1]:
        local = parts[1]
        return f"{parts[0]}-" + "*" * (len(local) - 4) + local[-4:]
    if len(number) > 4:
        return "*" * (len(number) - 4) + number[-4:]
    return "*" * len(number)
