"""Field checks shared by the people services: free text, birth dates, jurisdiction scope.

Checks append ``field_error`` entries to a list so a service reports every bad field at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound, ValidationFailed, field_error
from fangkong.core.idcard import EARLIEST_BIRTH
from fangkong.core.text import text_problem
from fangkong.regions.models import Region
from fangkong.regions.subtree import region_in_scope

MAX_NOTE = 5000
MAX_REASON = 1000


def text_field(
    value: str | None,
    *,
    field: str,
    max_length: int,
    errors: list[dict[str, Any]],
    required: bool = False,
) -> str:
    """Free text kept verbatim (trimmed): injection strings are data, escaped on output. The
    text policy (``core.text``) refuses NUL, control characters, lone surrogates and
    direction controls."""
    text = (value or "").strip()
    problem = text_problem(text)
    if problem is not None:
        errors.append(field_error(field, *problem))
    elif len(text) > max_length:
        errors.append(
            field_error(
                field,
                "text_too_long",
                _("At most %(count)d characters.") % {"count": max_length},
            )
        )
    elif required and not text:
        errors.append(field_error(field, "required", _("This field is required.")))
    return text


def collect(errors: list[dict[str, Any]], fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a validator; on ``ValidationFailed`` keep its field errors and return ``None``."""
    try:
        return fn(*args, **kwargs)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        return None


def check_birth_date(value: date | None, errors: list[dict[str, Any]]) -> None:
    """A declared birth date lies between 1900-01-01 and today (``birth_date_range``)."""
    if value is not None and not (EARLIEST_BIRTH <= value <= timezone.localdate()):
        errors.append(
            field_error(
                "birth_date",
                "birth_date_range",
                _("The birth date must be between 1900 and today."),
            )
        )


def require_in_scope(actor: AnyActor, region: Region) -> None:
    """``NotFound`` (like a missing node) when ``region`` is outside the actor's subtree."""
    if not region_in_scope(actor, region):
        raise NotFound(_("No such jurisdiction."), code="region_not_found")
