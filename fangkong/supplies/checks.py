"""Input checks of the supplies services: roles and quantities here; free text and reasons
are the one checker of ``core.text`` under the names the services use."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import PermissionDenied, field_error
from fangkong.core.text import Errors
from fangkong.core.text import errors_raise as refuse_if
from fangkong.core.text import reason_required as reason_checked
from fangkong.core.text import text_field as clean_text

__all__ = [
    "Errors",
    "clean_text",
    "quantity_check",
    "reason_checked",
    "refuse_if",
    "require_role",
]

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
