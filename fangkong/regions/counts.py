"""Grouped counts per node and local day: the one way the apps count their figures.

A count is one ``GROUP BY`` (node, day) query over an app's table, so it costs one pass over
the window's rows however many nodes there are. The command picture stores them per node and
rolls them up the tree (``command_center.picture``); an app's own per-node figures read the
very same counts for one node's subtree (``path``) and one day, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncDate

#: A count: (measure key, rows of (node id, local day, value)).
Counts = tuple[str, Iterable[tuple[int, date, int]]]


@dataclass(frozen=True)
class Window:
    """What a count covers: flow measures on ``first_day`` … ``last_day`` (local days in
    ``zone``), state measures as of ``now`` (stored on ``today``)."""

    first_day: date
    last_day: date
    today: date
    now: datetime
    zone: str


def day_window(*, day: date, zone: str, now: datetime) -> Window:
    """One local ``day`` in ``zone``: states as of its end (``now`` if sooner)."""
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=ZoneInfo(zone))
    return Window(first_day=day, last_day=day, today=day, now=min(end, now), zone=zone)


def bounds(window: Window) -> tuple[datetime, datetime]:
    """The window's first and last local day as an instant range ``[start, end)``."""
    zone = ZoneInfo(window.zone)
    start = datetime.combine(window.first_day, time.min, tzinfo=zone)
    end = datetime.combine(window.last_day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def per_day(
    queryset: QuerySet[Any], *, node: str, at: str, window: Window
) -> Iterable[tuple[int, date, int]]:
    """Rows of ``queryset`` in the window, counted per node and local day of ``at``."""
    start, end = bounds(window)
    rows: Iterable[tuple[int, date, int]] = (
        queryset.filter(**{f"{at}__gte": start, f"{at}__lt": end})
        .annotate(count_node=F(node), count_day=TruncDate(at, tzinfo=ZoneInfo(window.zone)))
        .values("count_node", "count_day")
        .annotate(n=Count("pk"))
        .values_list("count_node", "count_day", "n")
        .order_by()
    )
    return rows


def per_date(
    queryset: QuerySet[Any], *, node: str, on: str, window: Window
) -> Iterable[tuple[int, date, int]]:
    """Rows of ``queryset`` whose date field ``on`` lies in the window, per node and date."""
    rows: Iterable[tuple[int, date, int]] = (
        queryset.filter(**{f"{on}__gte": window.first_day, f"{on}__lte": window.last_day})
        .annotate(count_node=F(node), count_day=F(on))
        .values("count_node", "count_day")
        .annotate(n=Count("pk"))
        .values_list("count_node", "count_day", "n")
        .order_by()
    )
    return rows


def now_state(
    queryset: QuerySet[Any], *, node: str, window: Window, distinct: str | None = None
) -> Iterable[tuple[int, date, int]]:
    """Rows of ``queryset`` per node, as today's state (``distinct``: count that field's
    distinct values instead of rows)."""
    counted = Count(distinct, distinct=True) if distinct else Count("pk")
    rows = queryset.annotate(count_node=F(node)).values("count_node").annotate(n=counted)
    return [(row["count_node"], window.today, row["n"]) for row in rows.order_by()]


def totals(counts: Iterable[Counts]) -> dict[str, int]:
    """Each measure's rows summed: the figures of the subtree the counts were narrowed to."""
    return {key: sum(row[2] for row in rows) for key, rows in counts}
