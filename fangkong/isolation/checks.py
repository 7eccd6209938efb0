"""Input checks of the isolation services: roles here; free text and reasons are the one
checker of ``core.text`` under the names the services use."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import NotFound, PermissionDenied, field_error
from fangkong.core.text import Errors
from fangkong.core.text import errors_raise as raise_if
from fangkong.core.text import reason_required as reason
from fangkong.core.text import text_field as text
from fangkong.people.access import parse_code

__all__ = ["Errors", "each_by_code", "raise_if", "reason", "require_role", "text"]

M = TypeVar("M", bound=Model)


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(
            _("Your role may not do this with isolation."), code="role_not_allowed"
        )


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
