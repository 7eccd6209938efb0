"""The only way an interface gets one command body, working group or incident (404 when out
of scope or missing)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.command_center.duty_inputs import require_role
from fangkong.command_center.duty_roles import READ_ROLES
from fangkong.command_center.models import CommandBody, Incident, WorkingGroup
from fangkong.command_center.structure.selectors import body_list, incident_list
from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code


def access_body(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> CommandBody:
    """The command body ``code`` of a node in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = body_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such command body."), code="command_body_not_found")
    return found


def access_group(body: CommandBody, kind: str) -> WorkingGroup:
    """The working group of ``kind`` of ``body`` (already accessed)."""
    found = WorkingGroup.objects.filter(body=body, kind=kind).first()
    if found is None:
        raise NotFound(_("No such working group."), code="working_group_not_found")
    return found


def access_incident(
    actor: AnyActor, code: object, *, roles: Collection[str] = READ_ROLES
) -> Incident:
    """The incident ``code`` in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = incident_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such incident."), code="incident_not_found")
    return found
