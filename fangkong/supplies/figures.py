"""Per-jurisdiction figures of supplies and essential services that the command picture
reads (issue 21 §7): deliveries made and waiting, days of cover, items running short and
priority sites at risk, for one node's subtree on one day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.people.validation import require_in_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.allocation.selectors import request_scope
from fangkong.supplies.checks import require_role
from fangkong.supplies.choices import DeliveryStatus, IncidentStatus, RequestStatus
from fangkong.supplies.deliveries.selectors import delivery_scope
from fangkong.supplies.power.selectors import incident_scope
from fangkong.supplies.roles import SUPPLIES_READ_ROLES
from fangkong.supplies.stock.selectors import cover_list


@dataclass(frozen=True)
class SuppliesFigures:
    """``deliveries_made``: confirmed at the doors on ``day``; ``deliveries_waiting``: picked
    or at the gate; ``requests_open``: the day's requests not yet allocated;
    ``lowest_cover_days``: the shortest days of cover of any item at a warehouse (``None``:
    no issue rate yet); ``items_short``: (warehouse, item) pairs under the rule set's
    threshold; ``sites_at_risk``: priority sites with an open incident, ``critical`` of them
    with power lost at a hospital or isolation site; ``incidents_overdue``: open past their
    deadline."""

    deliveries_made: int
    deliveries_waiting: int
    requests_open: int
    lowest_cover_days: float | None
    items_short: int
    sites_at_risk: int
    critical: int
    incidents_overdue: int


def supplies_figures(*, actor: AnyActor, node: Region, day: date) -> SuppliesFigures:
    """The figures of ``node``'s subtree (in the actor's, else ``NotFound``) on ``day``, in
    a constant number of queries."""
    require_role(actor, SUPPLIES_READ_ROLES)
    require_in_scope(actor, node)
    under = in_subtree(node.path, field="request__region__path")
    deliveries = delivery_scope(actor).filter(under)
    made = deliveries.filter(status=DeliveryStatus.DELIVERED, delivered_at__date=day).count()
    waiting = deliveries.exclude(status=DeliveryStatus.DELIVERED).count()
    requests_open = (
        request_scope(actor)
        .filter(in_subtree(node.path, field="region__path"), day=day, status=RequestStatus.OPEN)
        .count()
    )
    covers = cover_list(actor=actor, day=day, rules=rules_for(node, day), node=node)
    days = [c.days for c in covers if c.days is not None]
    incidents = incident_scope(actor).filter(
        in_subtree(node.path, field="user__region__path"), status=IncidentStatus.OPEN
    )
    counts = incidents.aggregate(
        sites=Count("user", distinct=True),
        critical=Count("id", filter=Q(critical=True)),
        overdue=Count("id", filter=Q(due_at__lt=timezone.now())),
    )
    return SuppliesFigures(
        deliveries_made=made,
        deliveries_waiting=waiting,
        requests_open=requests_open,
        lowest_cover_days=min(days) if days else None,
        items_short=sum(1 for c in covers if c.short),
        sites_at_risk=int(counts["sites"] or 0),
        critical=int(counts["critical"] or 0),
        incidents_overdue=int(counts["overdue"] or 0),
    )
