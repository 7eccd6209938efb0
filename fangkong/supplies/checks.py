"""Input checks shared by the supplies services: roles, reasons, free text, quantities."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import PermissionDenied, ValidationFailed, field_error
from fangkong.core.text import text_problem

Errors = list[dict[str, Any]]
#: The largest quantity one line may carry (a city's week of food packs fits many times).
MAX_QUANTITY = 1_000_000_000


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(
            _("Your role may not do this with supplies."), code="role_not_allowed"
        )


def clean_text(
    value: str | None, *, field: str, max_length: int, errors: Errors, required: bool = True
) -> str:
    """Free text, trimmed, kept to the text policy (``core.text``) and ``max_length``."""
    cleaned = (value or "").strip()
    problem = text_problem(cleaned)
    if problem is not None:
        errors.append(field_error(field, *problem))
    elif len(cleaned) > max_length:
        errors.append(
            field_error(
                field,
                "text_too_long",
                _("At most %(count)d characters.") % {"count": max_length},
            )
        )
    elif required and not cleaned:
        errors.append(field_error(field, "required", _("This field is required.")))
    return cleaned


def quantity_check(value: int, *, field: str, errors: Errors, row: int | None = None) -> None:
    """A positive whole quantity no larger than :data:`MAX_QUANTITY`."""
    if not 0 < value <= MAX_QUANTITY:
        errors.append(
            field_error(
                field,
                "quantity_out_of_range",
                _("A whole number from 1 to %(most)d.") % {"most": MAX_QUANTITY},
                row=row,
            )
        )


def refuse_if(errors: Errors, message: str) -> None:
    """``ValidationFailed`` with every collected error, coded by the first."""
    if errors:
        raise ValidationFailed(message, errors=errors, code=str(errors[0]["code"]))


def reason_checked(value: str | None) -> str:
    """The reason a governed change requires: ``ValidationFailed`` naming ``reason``."""
    errors: Errors = []
    cleaned = clean_text(value, field="reason", max_length=255, errors=errors)
    refuse_if(errors, _("Say why."))
    return cleaned
