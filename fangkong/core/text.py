"""One policy for every piece of free text that comes in: names, addresses, notes, reasons,
labels, search boxes, passwords and codes alike.

Refused, with the field (and row) named:

* ``text_nul``: NUL (PostgreSQL cannot store it, SQLite cuts strings at it);
* ``text_control_character``: any other C0 or C1 control character but tab, line feed and
  carriage return (a note may have lines), and lone surrogates (they cannot be encoded);
* ``text_bidi_control``: the invisible direction controls (``U+202A``–``U+202E``,
  ``U+2066``–``U+2069``, ``U+200E``, ``U+200F``, ``U+061C``). A right-to-left override makes
  ``exe.txt`` read ``txt.exe`` on screen and in exports; no name, address or note of ours
  needs one (Arabic and Uyghur text carries its direction in its letters).

Everything else is data, kept verbatim and escaped on output: ``<script>``, quotes, SQL and
formula text included.

Where it is applied: :class:`fangkong.core.middleware.NulInputMiddleware` checks every text of
every request (query string, form fields, JSON body at any depth) before a view runs, so a
page or an endpoint cannot forget it, including ones added later (a class test walks every
operation of the OpenAPI document and every form field). Services that take text from
elsewhere (file imports, bulk loads) call :func:`text_clean` or :func:`text_problem`;
:mod:`fangkong.core.names` applies the same characters to personal names.

There is no allow-list: passwords, sampling codes and identity numbers are refused on the
same characters (no keyboard types a direction control into a password; codes are base64url
or digits), so one rule holds for every field.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from fangkong.core.errors import ValidationFailed, field_error

#: Invisible direction controls (embedding, override, isolate, marks, Arabic letter mark).
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
#: Control characters a multi-line text may keep.
ALLOWED_CONTROLS = frozenset("\t\n\r")

TEXT_NUL = "text_nul"
TEXT_CONTROL = "text_control_character"
TEXT_BIDI = "text_bidi_control"

#: A quick test on raw request bytes: could this body hold a refused character? (UTF-8 of the
#: bidi controls and C1 controls, raw C0 controls, or a JSON ``\\u`` escape of any of them or
#: of a surrogate.) Only then is the body decoded and walked.
SUSPECT_BYTES = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
    rb"|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c|\xc2[\x80-\x9f]"
    rb"|\\u(?:00[01][0-9a-fA-F]|007[fF]|00[89][0-9a-fA-F]|200[eEfF]|202[a-eA-E]"
    rb"|206[6-9]|061[cC]|[dD][89a-fA-F][0-9a-fA-F]{2})"
)


def text_problem(value: str) -> tuple[str, str] | None:
    """``(code, message)`` of the first refused character in ``value``, or ``None``."""
    for char in value:
        if char == "\x00":
            return TEXT_NUL, _("The text contains a NUL character.")
        if char in BIDI_CONTROLS:
            return TEXT_BIDI, _("The text contains an invisible text-direction control character.")
        if char in ALLOWED_CONTROLS:
            continue
        if unicodedata.category(char) in ("Cc", "Cs"):
            return TEXT_CONTROL, _("The text contains a control character.")
    return None


def text_is_clean(value: str) -> bool:
    return text_problem(value) is None


def text_clean(value: str, *, field: str, row: int | None = None) -> str:
    """``value`` unchanged if it keeps the policy; raises ``ValidationFailed`` naming
    ``field`` (and ``row``) otherwise."""
    problem = text_problem(value)
    if problem is not None:
        code, message = problem
        raise ValidationFailed(
            message, errors=[field_error(field, code, message, row=row)], code=code
        )
    return value


def text_validator(value: str) -> None:
    """The policy as a Django form validator."""
    problem = text_problem(value)
    if problem is not None:
        raise ValidationError(problem[1], code=problem[0])


def _api_check(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise PydanticCustomError(problem[0], problem[1])
    return value


#: The policy as an API field type, for text a schema takes from somewhere the request
#: check does not see.
Text = Annotated[str, AfterValidator(_api_check)]


#: Field errors gathered by a service before it refuses (``core.errors.field_error`` rows).
Errors = list[dict[str, Any]]


def text_field(
    value: str | None,
    *,
    field: str,
    max_length: int,
    errors: Errors,
    required: bool = True,
    row: int | None = None,
) -> str:
    """Free text of a service's input, trimmed, kept to this policy and ``max_length``; the
    first problem is added to ``errors`` naming ``field`` (and ``row``). The one checker the
    services of every app use (cases, isolation, community, supplies)."""
    cleaned = (value or "").strip()
    problem = text_problem(cleaned)
    if problem is not None:
        errors.append(field_error(field, *problem, row=row))
    elif len(cleaned) > max_length:
        errors.append(
            field_error(
                field,
                "text_too_long",
                _("At most %(count)d characters.") % {"count": max_length},
                row=row,
            )
        )
    elif required and not cleaned:
        errors.append(field_error(field, "required", _("This field is required."), row=row))
    return cleaned


def errors_raise(errors: Errors, message: str) -> None:
    """``ValidationFailed`` (422) naming every field in ``errors``, if any."""
    if errors:
        raise ValidationFailed(message, errors=errors, code=str(errors[0]["code"]))


def reason_required(value: str | None) -> str:
    """The reason a governed change requires (at most 255 characters): ``ValidationFailed``
    naming ``reason`` when missing or against the policy."""
    errors: Errors = []
    cleaned = text_field(value, field="reason", max_length=255, errors=errors, required=True)
    errors_raise(errors, _("Say why."))
    return cleaned
