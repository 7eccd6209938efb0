"""Input checks of the community services: roles here; free text and reasons are the one
checker of ``core.text`` under the names the services use."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import PermissionDenied
from fangkong.core.text import Errors
from fangkong.core.text import errors_raise as refuse_if
from fangkong.core.text import reason_required as reason_of
from fangkong.core.text import text_field as clean_text

__all__ = ["Errors", "clean_text", "reason_of", "refuse_if", "require_role"]


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``
    (the product itself and a resident's link pass: their services check the rest)."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(
            _("Your role may not do this in community work."), code="role_not_allowed"
        )
