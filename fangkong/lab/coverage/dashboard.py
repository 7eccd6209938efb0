"""Reads for a round's command view (采、送、检、报 at a glance), scoped to the actor.

Each function runs a fixed number of queries whatever the size of the round: counts are
``GROUP BY`` queries, lists are capped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, Max
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.actor import AnyActor
from fangkong.core.paging import Page, paginate
from fangkong.lab.choices import (
    MemberOutcome,
    PackageStatus,
    RetestStatus,
    TubeResult,
    TubeStatus,
)
from fangkong.lab.coverage.tallies import tube_tally_read
from fangkong.lab.models import (
    Binding,
    Notification,
    Package,
    RetestTask,
    ScreeningRound,
    Tube,
)
from fangkong.lab.results.retests import open_by_tube
from fangkong.lab.scope import package_scope, point_scope, tube_scope


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


def tube_status_counts(*, actor: AnyActor, screening_round: ScreeningRound) -> list[StatusCount]:
    """Tubes of the round in scope per status (sampled, packaged, in transit, received,
    resulted), every status listed, in chain order. From the tube tally per point (two
    queries: the points in scope, the tally) — a Shanghai day has 3.9 M tubes; a lab
    technician, whose scope is by lab, gets one direct count."""
    counts: Counter[str] = Counter()
    if actor.role == Role.LAB_TECHNICIAN and actor.region_path:
        counts.update(
            dict(
                tube_scope(actor)
                .filter(round=screening_round)
                .values("status")
                .annotate(n=Count("id"))
                .order_by()
                .values_list("status", "n")
            )
        )
    else:
        points = set(point_scope(actor).values_list("id", flat=True))
        for (point_id, status), tubes in tube_tally_read(screening_round.id).items():
            if point_id in points:
                counts[status] += tubes
    return [
        StatusCount(status=status.value, label=str(status.label), count=counts.get(status, 0))
        for status in TubeStatus
    ]


def packages_in_transit(
    *, actor: AnyActor, screening_round: ScreeningRound, page: int = 1, page_size: int = 50
) -> Page[Package]:
    """One page of the round's packages on the road, oldest hand-over first, with their
    total (two queries)."""
    return paginate(
        package_scope(actor)
        .filter(round=screening_round, status=PackageStatus.IN_TRANSIT)
        .select_related("point", "lab")
        .order_by("handed_over_at", "id"),
        page=page,
        page_size=page_size,
    )


@dataclass
class PooledFollowup:
    """A pooled-positive tube and where its members stand (R11)."""

    tube: Tube
    members: int = 0
    held: int = 0
    cleared: int = 0
    positive: int = 0
    retests_open: int = 0
    retests_sampled: int = 0
    retests_done: int = 0

    @property
    def state(self) -> str:
        """``positive`` once a member is confirmed, ``cleared`` when every member is
        cleared, ``retesting`` while re-tests are sampled, else ``held``."""
        if self.positive:
            return "positive"
        if self.members and self.cleared == self.members:
            return "cleared"
        if self.retests_sampled or self.retests_done:
            return "retesting"
        return "held"


def pooled_positives(
    *, actor: AnyActor, screening_round: ScreeningRound, page: int = 1, page_size: int = 50
) -> Page[PooledFollowup]:
    """One page of the round's pooled-positive tubes in scope (newest report first) with
    their total, their members' outcomes and re-test task states, derived and written (five
    queries)."""
    tubes = paginate(
        tube_scope(actor)
        .filter(round=screening_round, result=TubeResult.POOLED_POSITIVE)
        .select_related("point")
        .order_by("-reported_at", "-id"),
        page=page,
        page_size=page_size,
    )
    rows = {tube.pk: PooledFollowup(tube=tube) for tube in tubes}
    if not rows:
        return tubes.with_items([])
    outcomes = (
        Binding.objects.filter(tube_id__in=rows)
        .values("tube_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in outcomes:
        item = rows[row["tube_id"]]
        item.members += row["n"]
        if row["outcome"] == MemberOutcome.HELD:
            item.held += row["n"]
        elif row["outcome"] == MemberOutcome.CLEARED:
            item.cleared += row["n"]
        elif row["outcome"] == MemberOutcome.POSITIVE:
            item.positive += row["n"]
    for tube_id, n in open_by_tube(rows).items():
        rows[tube_id].retests_open += n
    tasks = (
        RetestTask.objects.filter(source_tube_id__in=rows)
        .values("source_tube_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for task in tasks:
        item = rows[task["source_tube_id"]]
        if task["status"] == RetestStatus.OPEN:
            item.retests_open += task["n"]
        elif task["status"] == RetestStatus.SAMPLED:
            item.retests_sampled += task["n"]
        else:
            item.retests_done += task["n"]
    return tubes.with_items(list(rows.values()))


@dataclass(frozen=True)
class LateResults:
    """Tubes past their turnaround deadline without a result (R13): how many, the oldest."""

    count: int
    tubes: list[Tube] = field(default_factory=list)


def late_results(
    *,
    actor: AnyActor,
    screening_round: ScreeningRound,
    now: datetime | None = None,
    limit: int = 20,
) -> LateResults:
    """Tubes of the round in scope with ``due_at`` passed and no report (two queries)."""
    now = now or timezone.now()
    late = tube_scope(actor).filter(round=screening_round, reported_at__isnull=True, due_at__lt=now)
    return LateResults(
        count=late.count(),
        tubes=list(late.select_related("point", "lab").order_by("due_at", "id")[:limit]),
    )


@dataclass(frozen=True)
class NotificationSummary:
    """Pooled-positive notifications of the round (R12) with their latency."""

    count: int
    average_ms: float | None
    max_ms: int | None
    latest: list[Notification] = field(default_factory=list)


def round_notifications(
    *, actor: AnyActor, screening_round: ScreeningRound, limit: int = 20
) -> NotificationSummary:
    """Notifications of the round's tubes in scope: count, mean and worst latency, the
    latest ones (three queries). The latest are picked first and their tubes and nodes read
    after: joining the nodes before the limit let the planner, with statistics not yet
    caught up after a day's results, compare every notification with every node (7.3 s
    for 20,000 notifications at 6 M residents)."""
    queryset = Notification.objects.filter(
        tube__round=screening_round, tube_id__in=tube_scope(actor).values("id")
    )
    stats = queryset.aggregate(n=Count("id"), avg=Avg("latency_ms"), worst=Max("latency_ms"))
    order = ("-notified_at", "-id")
    latest = list(queryset.order_by(*order).values_list("id", flat=True)[:limit])
    return NotificationSummary(
        count=stats["n"] or 0,
        average_ms=stats["avg"],
        max_ms=stats["worst"],
        latest=list(
            Notification.objects.filter(id__in=latest)
            .select_related("tube", "region")
            .order_by(*order)
        ),
    )
