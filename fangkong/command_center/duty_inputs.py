"""Input checks shared by the duty services: roles and refusals. Free text is checked as the
case services check it (``cases.checks.text``)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.cases.checks import Errors, text
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.errors import PermissionDenied, ValidationFailed

__all__ = ["Errors", "raise_if", "require_role", "text"]


def require_role(actor: AnyActor, roles: Collection[str]) -> None:
    """``PermissionDenied`` (``role_not_allowed``) unless the actor holds one of ``roles``."""
    if isinstance(actor, SystemActor):
        return
    if actor.role not in roles:
        raise PermissionDenied(_("Your role may not do this."), code="role_not_allowed")


def raise_if(errors: Errors, message: str) -> None:
    """``ValidationFailed`` naming every problem in ``errors``, if there is one."""
    if errors:
        raise ValidationFailed(message, errors=errors, code=str(errors[0]["code"]))
