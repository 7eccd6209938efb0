"""The only way an interface gets one directive or one unit's row of it.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.command_center.directives.selectors import assignment_list, directive_scope
from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import READ_ROLES
from fangkong.command_center.models import Directive, DirectiveAssignment
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_directive(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> Directive:
    """The directive ``code`` in the actor's scope, with its issuing node loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        directive_scope(actor).select_related("region", "issued_by").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such directive."), code="directive_not_found")
    return found


def access_assignment(
    actor: AnyActor, directive: Directive, region_code: str
) -> DirectiveAssignment:
    """The row of the unit ``region_code`` of ``directive``, if the actor may see it."""
    found = (
        assignment_list(actor=actor, directive=directive).filter(region__code=region_code).first()
    )
    if found is None:
        raise NotFound(_("No such unit for this directive."), code="directive_unit_not_found")
    return found
