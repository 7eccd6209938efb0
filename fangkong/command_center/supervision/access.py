"""The only way an interface gets one inspection or finding: out of scope is 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import READ_ROLES
from fangkong.command_center.models import Finding, Inspection
from fangkong.command_center.supervision.selectors import finding_list, inspection_scope
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_inspection(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> Inspection:
    """The inspection ``code`` in the actor's scope."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        inspection_scope(actor).select_related("region").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such inspection."), code="inspection_not_found")
    return found


def access_finding(actor: AnyActor, inspection: Inspection, code: object) -> Finding:
    """The finding ``code`` of ``inspection``, if the actor may see it."""
    parsed = parse_code(code)
    found = (
        finding_list(actor=actor, inspection=inspection).filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such finding."), code="finding_not_found")
    return found
