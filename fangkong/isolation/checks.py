"""Input checks shared by the isolation services: roles, reasons, free text."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed, field_error
from fangkong.core.text import text_problem
from fangkong.people.access import parse_code

Errors = list[dict[str, Any]]
M = TypeVar("M", bound=Model)


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(
            _("Your role may not do this with isolation."), code="role_not_allowed"
        )


def text(
    value: str | None,
    *,
    field: str,
    max_length: int,
    errors: Errors,
    required: bool,
    row: int | None = None,
) -> str:
    """Free text, trimmed, kept to the text policy (``core.text``) and ``max_length``."""
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


def raise_if(errors: Errors, message: str) -> None:
    if errors:
        raise ValidationFailed(message, errors=errors, code=str(errors[0]["code"]))


def reason(value: str | None) -> str:
    """The reason a governed change requires: ``ValidationFailed`` naming ``reason``."""
    errors: Errors = []
    cleaned = text(value, field="reason", max_length=255, errors=errors, required=True)
    raise_if(errors, _("Say why."))
    return cleaned


def each_by_code(
    queryset: QuerySet[M], codes: Sequence[str], *, field: str, error: str, message: str
) -> list[M]:
    """The rows of ``queryset`` (already scoped to the actor) with the public ``codes``, in the
    order given (a repeated code, once each time); ``NotFound`` naming ``field`` and the row of
    every code that is missing, out of scope or no UUID at all (``error``, ``message``)."""
    parsed = [parse_code(code) for code in codes]
    wanted = queryset.filter(code__in=[p for p in parsed if p])
    found = {row.code: row for row in wanted}  # type: ignore[attr-defined]  # every coded model
    missing = [row for row, code in enumerate(parsed, start=1) if code not in found]
    if missing:
        raise NotFound(
            message,
            code=error,
            detail={"errors": [field_error(field, error, message, row=row) for row in missing]},
        )
    return [found[code] for code in parsed if code is not None]
