"""The only way an interface gets one request or allocation: wrong role → 403; missing,
malformed or out of scope → the same 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code
from fangkong.supplies.allocation.selectors import request_scope
from fangkong.supplies.checks import require_role
from fangkong.supplies.models import Allocation, SupplyRequest
from fangkong.supplies.roles import SUPPLIES_READ_ROLES
from fangkong.supplies.stock.selectors import warehouse_scope


def access_request(
    actor: AnyActor, code: object, *, roles: Collection[str] = SUPPLIES_READ_ROLES
) -> SupplyRequest:
    """The request ``code`` whose node lies in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        request_scope(actor).select_related("region", "receiving_point").filter(code=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such request."), code="request_not_found")
    return found


def access_allocation(
    actor: AnyActor, code: object, *, roles: Collection[str] = SUPPLIES_READ_ROLES
) -> Allocation:
    """The allocation ``code`` of a warehouse in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        Allocation.objects.filter(warehouse__in=warehouse_scope(actor), code=parsed)
        .select_related("warehouse__region")
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such allocation."), code="allocation_not_found")
    return found
