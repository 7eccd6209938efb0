"""Input checks shared by the community services: roles, reasons, free text."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import PermissionDenied, ValidationFailed, field_error
from fangkong.core.text import text_problem

Errors = list[dict[str, Any]]


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``
    (the product itself and a resident's link pass: their services check the rest)."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(
            _("Your role may not do this in community work."), code="role_not_allowed"
        )


def clean_text(
    value: str | None, *, field: str, max_length: int, errors: Errors, required: bool
) -> str:
    """Free text, trimmed, kept to the text policy (``core.text``) and ``max_length``."""
    cleaned = (value or "").strip()
    problem = text_problem(cleaned)
    if problem is not None:
        errors.append(field_error(field, *problem))
    elif len(cleaned) > max_length:
        errors.append(
            field_error(
                field, "text_too_long", _("At most %(count)d characters.") % {"count": max_length}
            )
        )
    elif required and not cleaned:
        errors.append(field_error(field, "required", _("This field is required.")))
    return cleaned


def refuse_if(errors: Errors, message: str) -> None:
    """``ValidationFailed`` (422) naming every field in ``errors``, if any."""
    if errors:
        raise ValidationFailed(message, errors=errors, code=str(errors[0]["code"]))


def reason_of(value: str | None) -> str:
    """The reason a governed change requires: ``ValidationFailed`` naming ``reason``."""
    errors: Errors = []
    cleaned = clean_text(value, field="reason", max_length=255, errors=errors, required=True)
    refuse_if(errors, _("Say why."))
    return cleaned
