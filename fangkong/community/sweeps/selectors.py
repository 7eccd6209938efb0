"""Reads of sweeps: sweeps in scope, progress by grid (one GROUP BY), the households not yet
visited and the findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from fangkong.community.choices import VisitState
from fangkong.community.models import Sweep, SweepFinding, SweepVisit
from fangkong.community.scope import narrowed, reaching
from fangkong.core.actor import AnyActor
from fangkong.core.roles import Role


def sweep_scope(actor: AnyActor) -> QuerySet[Sweep]:
    """Sweeps over nodes in the actor's subtree or above their node."""
    return Sweep.objects.select_related("region").filter(reaching(actor))


def sweep_list(*, actor: AnyActor, status: str = "") -> QuerySet[Sweep]:
    """Sweeps in scope, newest first, optionally in one status; a grid worker's: those with
    a household of theirs."""
    sweeps = sweep_scope(actor)
    if status:
        sweeps = sweeps.filter(status=status)
    if actor.role == Role.GRID_WORKER:
        sweeps = sweeps.filter(pk__in=narrowed(actor, SweepVisit.objects.all()).values("sweep_id"))
    return sweeps.order_by("-opened_at", "-id")


@dataclass
class GridProgress:
    """Counts per state of one node's households in a sweep."""

    region_id: int
    region_name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def visited(self) -> int:
        return self.total - self.counts.get(VisitState.PENDING, 0)


def sweep_progress(*, actor: AnyActor, sweep: Sweep) -> list[GridProgress]:
    """Per node (grid) of the sweep: households per state, one GROUP BY (a grid worker: their
    households only)."""
    rows = (
        narrowed(actor, SweepVisit.objects.filter(sweep=sweep))
        .values("region_id", "region__name", "state")
        .annotate(count=Count("id"))
        .order_by("region__path")
    )
    grids: dict[int, GridProgress] = {}
    for row in rows:
        grid = grids.setdefault(
            row["region_id"], GridProgress(row["region_id"], row["region__name"])
        )
        grid.counts[row["state"]] = row["count"]
    return list(grids.values())


def visits_pending(*, actor: AnyActor, sweep: Sweep) -> QuerySet[SweepVisit]:
    """The households not yet visited (a grid worker: theirs), by address."""
    return (
        narrowed(actor, SweepVisit.objects.filter(sweep=sweep, state=VisitState.PENDING))
        .select_related("household", "region")
        .order_by("household__address_key", "id")
    )


def visits_of(*, actor: AnyActor, sweep: Sweep) -> QuerySet[SweepVisit]:
    """All the sweep's visits the actor may see (a grid worker: theirs), by address."""
    return (
        narrowed(actor, SweepVisit.objects.filter(sweep=sweep))
        .select_related("household", "region")
        .order_by("household__address_key", "id")
    )


def sweep_findings(*, actor: AnyActor, sweep: Sweep) -> QuerySet[SweepFinding]:
    """People registered or flagged missing by the sweep's visits (shown through
    ``community.presentation``)."""
    return (
        narrowed(actor, SweepFinding.objects.filter(visit__sweep=sweep), "visit__household_id")
        .select_related("person", "visit__household")
        .order_by("id")
    )
