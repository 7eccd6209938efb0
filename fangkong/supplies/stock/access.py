"""The only way an interface gets one warehouse, receiving point or item.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.people.access import parse_code
from fangkong.supplies.checks import require_role
from fangkong.supplies.models import Item, ReceivingPoint, Warehouse
from fangkong.supplies.roles import SUPPLIES_READ_ROLES
from fangkong.supplies.stock.selectors import receiving_point_list, warehouse_list


def access_warehouse(
    actor: AnyActor, code: object, *, roles: Collection[str] = SUPPLIES_READ_ROLES
) -> Warehouse:
    """The warehouse ``code`` in the actor's subtree, with its node loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = warehouse_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such warehouse."), code="warehouse_not_found")
    return found


def access_receiving_point(
    actor: AnyActor, code: object, *, roles: Collection[str] = SUPPLIES_READ_ROLES
) -> ReceivingPoint:
    """The receiving point ``code`` whose compound lies in the actor's subtree."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = receiving_point_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such receiving point."), code="receiving_point_not_found")
    return found


def access_item(sku: str) -> Item:
    """The key item ``sku`` (items are not scoped: one list for all)."""
    found = Item.objects.filter(sku=sku[:40]).first()
    if found is None:
        raise NotFound(_("No such item."), code="item_not_found")
    return found
