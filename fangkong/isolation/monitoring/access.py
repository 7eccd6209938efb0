"""The only ways an interface gets one monitoring alert or a resident's order.

Wrong role → ``PermissionDenied`` (403); missing, malformed or out of scope → the same
``NotFound`` (404). A resident token that is malformed, tampered with, revoked, or whose order
is released or past its release day answers the same 404."""

from __future__ import annotations

from collections.abc import Collection

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.errors import NotFound
from fangkong.isolation.checks import require_role
from fangkong.isolation.choices import OrderStatus
from fangkong.isolation.models import IsolationOrder, MonitoringAlert, ResidentLink
from fangkong.isolation.monitoring.links import link_key
from fangkong.isolation.monitoring.selectors import monitoring_alert_list
from fangkong.isolation.roles import ORDER_READ_ROLES
from fangkong.people.access import parse_code


def access_monitoring_alert(
    actor: AnyActor, code: object, *, roles: Collection[str] = ORDER_READ_ROLES
) -> MonitoringAlert:
    """The alert ``code`` of an order the actor sees."""
    require_role(actor, roles)
    parsed = parse_code(code)
    found = monitoring_alert_list(actor=actor).filter(code=parsed).first() if parsed else None
    if found is None:
        raise NotFound(_("No such alert."), code="alert_not_found")
    return found


def access_resident_link(token: str) -> IsolationOrder:
    """The order a resident's token opens: the link not revoked, the order open and its
    release day not past (the link expires with the order)."""
    key = link_key(token)
    link = (
        ResidentLink.objects.filter(key=key, revoked_at__isnull=True)
        .select_related("order", "order__person", "order__region", "order__room__facility")
        .first()
        if key
        else None
    )
    if (
        link is None
        or link.order.status != OrderStatus.OPEN
        or link.order.release_on < timezone.localdate()
    ):
        raise NotFound(_("This link is not valid."), code="link_not_found")
    return link.order
