"""The only way an interface gets one vehicle, crew, transfer task or late alert.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope (another district,
another crew's task) → the same ``NotFound`` (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.isolation.checks import require_role
from fangkong.isolation.models import TransferAlert, TransferCrew, TransferTask, Vehicle
from fangkong.isolation.roles import TRANSFER_READ_ROLES
from fangkong.isolation.transfers.selectors import (
    crew_scope,
    transfer_alert_list,
    transfer_scope,
    vehicle_scope,
)
from fangkong.people.access import parse_code


def access_vehicle(
    actor: AnyActor, code: object, *, roles: Collection[str] = TRANSFER_READ_ROLES
) -> Vehicle:
    """The vehicle ``code`` based in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = vehicle_scope(actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such vehicle."), code="vehicle_not_found")
    return found


def access_crew(
    actor: AnyActor, code: object, *, roles: Collection[str] = TRANSFER_READ_ROLES
) -> TransferCrew:
    """The crew ``code`` at a node of the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = crew_scope(actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such crew."), code="crew_not_found")
    return found


def access_transfer(
    actor: AnyActor, code: object, *, roles: Collection[str] = TRANSFER_READ_ROLES
) -> TransferTask:
    """The task ``code`` the actor sees (their subtree; a crew member: their crews' tasks),
    with its person, node, vehicle, crew and destination loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        transfer_scope(actor)
        .select_related("person", "region", "vehicle", "crew", "destination_facility", "order")
        .filter(code=parsed)
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such transfer task."), code="transfer_not_found")
    return found


def access_transfer_alert(
    actor: AnyActor, code: object, *, roles: Collection[str] = TRANSFER_READ_ROLES
) -> TransferAlert:
    """The late alert ``code`` of a task the actor sees."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = transfer_alert_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such alert."), code="alert_not_found")
    return found
