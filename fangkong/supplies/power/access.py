"""The only way an interface gets one priority user, incident or shortage plan: wrong role →
403; missing, malformed or out of scope → the same 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code
from fangkong.supplies.checks import require_role
from fangkong.supplies.models import PriorityUser, ServiceIncident, ShortagePlan
from fangkong.supplies.power.selectors import incident_scope, plan_list, priority_user_scope
from fangkong.supplies.roles import SERVICES_READ_ROLES


def access_priority_user(
    actor: AnyActor, code: object, *, roles: Collection[str] = SERVICES_READ_ROLES
) -> PriorityUser:
    """The priority user ``code`` in the actor's subtree, with its node."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        priority_user_scope(actor).select_related("region").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such priority user."), code="priority_user_not_found")
    return found


def access_incident(
    actor: AnyActor, code: object, *, roles: Collection[str] = SERVICES_READ_ROLES
) -> ServiceIncident:
    """The incident ``code`` at a priority user in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        incident_scope(actor).select_related("user__region").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such incident."), code="incident_not_found")
    return found


def access_plan(
    actor: AnyActor, code: object, *, roles: Collection[str] = SERVICES_READ_ROLES
) -> ShortagePlan:
    """The shortage plan ``code`` of a district in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = plan_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such shortage plan."), code="plan_not_found")
    return found
