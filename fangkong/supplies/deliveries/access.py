"""The only way an interface gets one delivery: wrong role → 403; missing, malformed or out
of scope → the same 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code
from fangkong.supplies.checks import require_role
from fangkong.supplies.deliveries.selectors import delivery_scope, door_scope
from fangkong.supplies.models import Delivery, DoorDelivery
from fangkong.supplies.roles import DOOR_ROLES, SUPPLIES_READ_ROLES


def access_delivery(
    actor: AnyActor, code: object, *, roles: Collection[str] = SUPPLIES_READ_ROLES
) -> Delivery:
    """The delivery ``code`` whose request lies in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        delivery_scope(actor)
        .select_related("request__region", "request__receiving_point", "allocation__warehouse")
        .filter(code=parsed)
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such delivery."), code="delivery_not_found")
    return found


def access_door(actor: AnyActor, code: object) -> DoorDelivery:
    """The door delivery ``code`` of a household the actor answers for (a grid worker: their
    own); another household's is the same 404 as a missing one."""
    require_role(actor, DOOR_ROLES)
    parsed = parse_code(code)
    found = (
        door_scope(actor)
        .select_related("delivery__request__region", "delivery__allocation")
        .filter(code=parsed)
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such door delivery."), code="door_not_found")
    return found
