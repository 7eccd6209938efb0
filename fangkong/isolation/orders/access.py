"""The only way an interface gets one order.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404)."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.isolation.checks import require_role
from fangkong.isolation.models import IsolationOrder
from fangkong.isolation.orders.selectors import order_scope
from fangkong.isolation.roles import ORDER_READ_ROLES
from fangkong.people.access import parse_code


def access_order(
    actor: AnyActor, code: object, *, roles: Collection[str] = ORDER_READ_ROLES
) -> IsolationOrder:
    """The order ``code`` in the actor's subtree, with its node and room loaded."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = (
        order_scope(actor)
        .select_related("person", "region", "room", "room__facility")
        .filter(code=parsed)
        .first()
        if parsed
        else None
    )
    if found is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return found
