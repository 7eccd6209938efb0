"""Counts per jurisdiction node for overviews, computed set-wise and read by subtree.

Counting a million persons on every overview costs more than half a second; the tally is a
few grouped scans every ten minutes, and an overview then sums at most one row per node.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.core.periodic import periodic
from fangkong.people.models import Household, NodePopulation, PeopleTally, PersonNeed
from fangkong.regions.subtree import in_subtree


def people_tally_refresh() -> int:
    """Rebuild every node's tally in one transaction from four queries; returns the
    number of nodes with residents. Safe to run at any time and any number of times."""
    now = timezone.now()
    # Persons per node are kept exact by the database (``people.population``): one row per
    # node instead of counting every person again.
    persons = Counter(
        dict(NodePopulation.objects.filter(persons__gt=0).values_list("region_id", "persons"))
    )
    households = Counter(
        dict(Household.objects.values_list("region_id").annotate(n=Count("id")).order_by())
    )
    with_needs = Counter(
        dict(
            PersonNeed.objects.values_list("person__region_id")
            .annotate(n=Count("person_id", distinct=True))
            .order_by()
        )
    )
    needs: dict[int, dict[str, int]] = defaultdict(dict)
    for region_id, kind, count in (
        PersonNeed.objects.values_list("person__region_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        needs[region_id][kind] = count
    nodes = set(persons) | set(households)
    rows = [
        PeopleTally(
            region_id=node,
            persons=persons[node],
            households=households[node],
            with_needs=with_needs[node],
            needs=needs.get(node, {}),
            computed_at=now,
        )
        for node in nodes
    ]
    with transaction.atomic():
        PeopleTally.objects.all().delete()
        PeopleTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def people_tally_read(*, actor: AnyActor) -> dict[str, Any] | None:
    """The subtree's totals from the tallies (two queries), or ``None`` before the first
    refresh. ``needs`` maps need kind → persons; ``as_of`` is when the tally was computed."""
    rows = PeopleTally.objects.all()
    if actor.region_path:
        rows = rows.filter(in_subtree(actor.region_path, field="region__path"))
    totals = rows.aggregate(
        persons=Sum("persons"),
        households=Sum("households"),
        with_needs=Sum("with_needs"),
        as_of=Max("computed_at"),
    )
    if totals["as_of"] is None:
        if PeopleTally.objects.exists():
            return {"persons": 0, "households": 0, "with_needs": 0, "needs": {}, "as_of": None}
        return None
    needs: Counter[str] = Counter()
    for value in rows.exclude(Q(needs={})).values_list("needs", flat=True):
        needs.update(value)
    return {**totals, "needs": dict(needs)}


def tally_is_fresh(as_of: datetime | None, *, within: timedelta = timedelta(minutes=30)) -> bool:
    return as_of is not None and timezone.now() - as_of <= within


@periodic("people_tally_refresh", every=timedelta(minutes=10))
def people_tally_job() -> str:
    """Refresh the overview counts."""
    return f"{people_tally_refresh()} nodes tallied"
