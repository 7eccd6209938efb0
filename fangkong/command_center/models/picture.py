"""The command picture's pre-computed figures: one row per node, day and measure."""

from __future__ import annotations

from django.db import models


class NodeDayFigure(models.Model):
    """One measure's value at one jurisdiction node on one local day, summed over the node's
    subtree (``engine.rollup``). Written only by ``picture.services.figures_refresh``; pages
    read these instead of counting the domain tables.

    Flow measures (tests sampled, cases reported …) hold the day's count; state measures
    (orders active, rooms free, timers late …) hold what was true when the day was last
    computed. Zero values are not stored.
    """

    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    measure = models.CharField(max_length=40)
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            # Also the page's index: a node and its children over a range of days.
            models.UniqueConstraint(
                fields=["region", "day", "measure"], name="node_day_figure_unique"
            )
        ]
        indexes = [models.Index(fields=["day", "measure"])]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day} {self.measure}={self.value}"


class FigureRefresh(models.Model):
    """One computation of the figures: which days, when, by whom, how many rows. The page
    shows the latest one's time as "figures as of"."""

    computed_at = models.DateTimeField(db_index=True)
    first_day = models.DateField()
    last_day = models.DateField()
    rows = models.PositiveIntegerField()
    measures = models.PositiveSmallIntegerField()
    actor = models.CharField(max_length=150)

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"figures {self.first_day}…{self.last_day} at {self.computed_at:%Y-%m-%d %H:%M}"
