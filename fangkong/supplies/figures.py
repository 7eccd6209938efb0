"""Per-jurisdiction figures of supplies and essential services (issue 21 §7): deliveries made
and waiting, the day's requests not yet allocated, (warehouse, item) pairs running short by
days of cover, priority sites at risk, critical outages, incidents overdue.

:func:`supplies_count` is the one count, grouped per node and local day; the command picture
stores it per node and rolls it up the tree (its ``supplies`` figure source), and
:func:`supplies_figures` reads the same count for one node's subtree and one day. The lowest
days of cover is a minimum, not a sum: it comes from the stock page's ``cover_list``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.people.validation import require_in_scope
from fangkong.regions.counts import Counts, Window, day_window, now_state, per_date, per_day, totals
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.checks import require_role
from fangkong.supplies.choices import DeliveryStatus, IncidentKind, IncidentStatus, RequestStatus
from fangkong.supplies.models import Delivery, ServiceIncident, SupplyRequest
from fangkong.supplies.roles import SUPPLIES_READ_ROLES
from fangkong.supplies.stock.selectors import cover_list, short_pairs_per_node


def supplies_count(window: Window, *, path: str | None = None) -> Iterable[Counts]:
    """Deliveries confirmed at the doors per local day and the requests of each day still
    open (at the requesting node); as of ``window.now``: deliveries picked or at the gate,
    (warehouse, item) pairs short by days of cover (at the warehouse's node), priority sites
    with an open incident, the open power outages the rule set calls critical (a hospital or
    isolation site without power) and open incidents past their deadline (at the site's
    node). ``path``: only that subtree."""
    deliveries = Delivery.objects.all()
    requests = SupplyRequest.objects.all()
    incidents = ServiceIncident.objects.filter(status=IncidentStatus.OPEN)
    if path is not None:
        deliveries = deliveries.filter(in_subtree(path, field="request__region__path"))
        requests = requests.filter(in_subtree(path, field="region__path"))
        incidents = incidents.filter(in_subtree(path, field="user__region__path"))
    yield (
        "deliveries_made",
        per_day(
            deliveries.filter(status=DeliveryStatus.DELIVERED),
            node="request__region_id",
            at="delivered_at",
            window=window,
        ),
    )
    yield (
        "deliveries_waiting",
        now_state(
            deliveries.exclude(status=DeliveryStatus.DELIVERED).filter(picked_at__lt=window.now),
            node="request__region_id",
            window=window,
        ),
    )
    yield (
        "supply_requests_open",
        per_date(
            requests.filter(status=RequestStatus.OPEN), node="region_id", on="day", window=window
        ),
    )
    yield (
        "supplies_short",
        [(node, window.today, n) for node, n in short_pairs_per_node(day=window.today, path=path)],
    )
    yield (
        "sites_at_risk",
        now_state(incidents, node="user__region_id", window=window, distinct="user_id"),
    )
    yield (
        "power_out_critical",
        now_state(
            incidents.filter(Q(kind=IncidentKind.POWER), critical=True),
            node="user__region_id",
            window=window,
        ),
    )
    yield (
        "incidents_overdue",
        now_state(incidents.filter(due_at__lt=window.now), node="user__region_id", window=window),
    )


@dataclass(frozen=True)
class SuppliesFigures:
    """``deliveries_made``: confirmed at the doors on ``day``; ``deliveries_waiting``: picked
    or at the gate; ``requests_open``: the day's requests not yet allocated;
    ``lowest_cover_days``: the shortest days of cover of any item at a warehouse (``None``:
    no issue rate yet); ``items_short``: (warehouse, item) pairs under the rule set's
    threshold; ``sites_at_risk``: priority sites with an open incident, ``critical``: power
    lost at a hospital or isolation site; ``incidents_overdue``: open past their deadline."""

    deliveries_made: int
    deliveries_waiting: int
    requests_open: int
    lowest_cover_days: float | None
    items_short: int
    sites_at_risk: int
    critical: int
    incidents_overdue: int


def supplies_figures(*, actor: AnyActor, node: Region, day: date) -> SuppliesFigures:
    """The figures of ``node``'s subtree (in the actor's, else ``NotFound``) on ``day``:
    :func:`supplies_count` over that subtree and day, summed; a constant number of queries
    (two more per distinct days-of-cover rule among the warehouses)."""
    require_role(actor, SUPPLIES_READ_ROLES)
    require_in_scope(actor, node)
    window = day_window(day=day, zone=node.time_zone, now=timezone.now())
    found = totals(supplies_count(window, path=node.path))
    covers = cover_list(actor=actor, day=day, node=node)
    days = [c.days for c in covers if c.days is not None]
    return SuppliesFigures(
        deliveries_made=found["deliveries_made"],
        deliveries_waiting=found["deliveries_waiting"],
        requests_open=found["supply_requests_open"],
        lowest_cover_days=min(days) if days else None,
        items_short=found["supplies_short"],
        sites_at_risk=found["sites_at_risk"],
        critical=found["power_out_critical"],
        incidents_overdue=found["incidents_overdue"],
    )
