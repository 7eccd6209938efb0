"""The only way an interface gets one duty check: out of scope looks like missing (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.command_center.duty.selectors import duty_check_scope
from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import READ_ROLES
from fangkong.command_center.models import DutyCheck
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_duty_check(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> DutyCheck:
    """The duty check ``code`` in the actor's scope, with its sending node loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        duty_check_scope(actor).select_related("region").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such duty check."), code="duty_check_not_found")
    return found
