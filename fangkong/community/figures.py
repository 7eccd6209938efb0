"""Per-jurisdiction figures of community work (issue 21 §7): requests filed, confirmed, open,
overdue and emergencies open, sweep progress, restrictions in force.

:func:`community_count` is the one count: grouped per node (where the thing is) and local day.
The command picture stores it per node and rolls it up the tree (its ``community`` figure
source); :func:`community_figures` reads the same count for one node's subtree and one day, so
the picture and the app's own figures never count two ways. A constant number of grouped
queries, whatever the size of the node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
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
from fangkong.community.models import ResidentRequest, Restriction, Sweep, SweepVisit
from fangkong.community.roles import FIGURE_ROLES
from fangkong.core.actor import AnyActor
from fangkong.people.validation import require_in_scope
from fangkong.regions.counts import Counts, Window, day_window, now_state, per_day, totals
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree


def community_count(window: Window, *, path: str | None = None) -> Iterable[Counts]:
    """Requests filed and confirmed per local day (at the household's node); as of
    ``window.now``: requests still owed (filed or accepted), those past their deadline,
    emergencies owed; open sweeps (at the swept area's node), their households and those
    visited (at the household's node); restrictions in force. ``path``: only that subtree."""
    scope = Q() if path is None else in_subtree(path, field="region__path")
    requests = ResidentRequest.objects.filter(scope)
    yield "requests_filed", per_day(requests, node="region_id", at="filed_at", window=window)
    yield (
        "requests_confirmed",
        per_day(
            requests.filter(status=RequestStatus.CONFIRMED),
            node="region_id",
            at="confirmed_at",
            window=window,
        ),
    )
    owed = requests.filter(status__in=OPEN_STATUSES, filed_at__lt=window.now)
    yield "requests_open", now_state(owed, node="region_id", window=window)
    yield (
        "requests_overdue",
        now_state(owed.filter(deadline__lt=window.now), node="region_id", window=window),
    )
    yield (
        "emergencies_open",
        now_state(owed.filter(urgency=Urgency.EMERGENCY), node="region_id", window=window),
    )
    sweeps = Sweep.objects.filter(scope, status=SweepStatus.OPEN)
    yield "sweeps_open", now_state(sweeps, node="region_id", window=window)
    visits = SweepVisit.objects.filter(scope, sweep__status=SweepStatus.OPEN)
    yield "sweep_households", now_state(visits, node="region_id", window=window)
    yield (
        "sweep_visited",
        now_state(visits.exclude(state=VisitState.PENDING), node="region_id", window=window),
    )
    restrictions = Restriction.objects.filter(scope, status=RestrictionStatus.ACTIVE)
    yield "restrictions_active", now_state(restrictions, node="region_id", window=window)


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
    """The figures of ``node``'s subtree on ``day``: :func:`community_count` over that
    subtree and day, summed.

    403 without ``FIGURE_ROLES``; 404 when ``node`` is outside the actor's subtree. "Open" and
    "overdue" are as of the end of ``day`` (now, for today); "filed" and "confirmed" count
    the day's local hours; sweep progress counts the visits of the sweeps open now.
    """
    require_role(actor, FIGURE_ROLES)
    require_in_scope(actor, node)
    window = day_window(day=day, zone=node.time_zone, now=timezone.now())
    found = totals(community_count(window, path=node.path))
    return CommunityFigures(
        node_code=node.code,
        day=day,
        requests_open=found["requests_open"],
        requests_overdue=found["requests_overdue"],
        emergencies_open=found["emergencies_open"],
        requests_filed=found["requests_filed"],
        requests_confirmed=found["requests_confirmed"],
        sweeps_open=found["sweeps_open"],
        sweep_households=found["sweep_households"],
        sweep_visited=found["sweep_visited"],
        restrictions_active=found["restrictions_active"],
    )
