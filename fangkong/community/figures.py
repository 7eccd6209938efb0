"""Per-jurisdiction figures of community work for the command picture (issue 21 §7):
requests open and overdue, filed and confirmed on a day, sweep progress, restrictions in
force. A constant number of aggregate queries, whatever the size of the node."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from fangkong.community.checks import require_role
from fangkong.community.choices import (
    OPEN_STATUSES,
    RequestStatus,
    RestrictionStatus,
    SweepStatus,
    Urgency,
    VisitState,
)
from fangkong.community.models import ResidentRequest, Restriction, SweepVisit
from fangkong.community.roles import FIGURE_ROLES
from fangkong.core.actor import AnyActor
from fangkong.people.validation import require_in_scope
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree


@dataclass(frozen=True)
class CommunityFigures:
    """What the command picture reads for one node and day (local to the node)."""

    node_code: str
    day: date
    requests_open: int
    requests_overdue: int
    emergencies_open: int
    requests_filed: int
    requests_confirmed: int
    sweeps_open: int
    sweep_households: int
    sweep_visited: int
    restrictions_active: int

    @property
    def sweep_percent(self) -> float:
        return 100.0 * self.sweep_visited / self.sweep_households if self.sweep_households else 0.0


def community_figures(*, actor: AnyActor, node: Region, day: date) -> CommunityFigures:
    """The figures of ``node``'s subtree on ``day``.

    403 without ``FIGURE_ROLES``; 404 when ``node`` is outside the actor's subtree. "Open" and
    "overdue" are as of the end of ``day`` (now, for today); "filed" and "confirmed" count
    the day's local hours; sweep progress counts the visits of the sweeps open now.
    """
    require_role(actor, FIGURE_ROLES)
    require_in_scope(actor, node)
    zone = ZoneInfo(node.time_zone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    at = min(end, timezone.now())
    under = in_subtree(node.path, field="region__path")
    requests = ResidentRequest.objects.filter(under).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES, filed_at__lt=at)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, deadline__lt=at)),
        emergencies=Count(
            "id", filter=Q(status__in=OPEN_STATUSES, urgency=Urgency.EMERGENCY, filed_at__lt=at)
        ),
        filed=Count("id", filter=Q(filed_at__gte=start, filed_at__lt=end)),
        confirmed=Count(
            "id",
            filter=Q(status=RequestStatus.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end),
        ),
    )
    visits = SweepVisit.objects.filter(under, sweep__status=SweepStatus.OPEN).aggregate(
        sweeps=Count("sweep_id", distinct=True),
        households=Count("id"),
        visited=Count("id", filter=~Q(state=VisitState.PENDING)),
    )
    restrictions = Restriction.objects.filter(under, status=RestrictionStatus.ACTIVE).count()
    return CommunityFigures(
        node_code=node.code,
        day=day,
        requests_open=requests["open"],
        requests_overdue=requests["overdue"],
        emergencies_open=requests["emergencies"],
        requests_filed=requests["filed"],
        requests_confirmed=requests["confirmed"],
        sweeps_open=visits["sweeps"],
        sweep_households=visits["households"],
        sweep_visited=visits["visited"],
        restrictions_active=restrictions,
    )
