"""Computing the command picture's figures: count, roll up the tree, replace, record."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command_center.models import FigureRefresh, NodeDayFigure
from fangkong.command_center.picture.measures import FigureSource, Flow, Window
from fangkong.command_center.picture.registry import SOURCES, measures
from fangkong.command_center.picture.roles import PICTURE_REFRESH_ROLES
from fangkong.core.actor import AnyActor, SystemActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import table_insert
from fangkong.core.errors import PermissionDenied, ValidationFailed, field_error
from fangkong.engine.rollup import rollup
from fangkong.regions.models import Region

#: Days the periodic job recomputes (today and the days before): late results, back-dated
#: onsets and late decisions change recent days; older days change only by a full refresh.
JOB_DAYS = 14
#: How often the periodic job recomputes the figures; older figures are stale on the page.
REFRESH_EVERY = timedelta(minutes=5)
#: The longest window one refresh may cover (a year of an outbreak).
MAX_DAYS = 400


def _zone() -> str:
    """The time zone whose local days the figures count in (the deployment's)."""
    return str(settings.TIME_ZONE)


def _window(*, days: int, now: datetime | None = None) -> Window:
    """The window of the last ``days`` local days up to today. ``ValidationFailed`` (field
    ``days``) outside 1 … :data:`MAX_DAYS`."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(
            _("Choose between 1 and %(max)s days.") % {"max": MAX_DAYS},
            errors=[field_error("days", "days_out_of_range", _("Out of range."))],
        )
    moment = now or timezone.now()
    zone = _zone()
    today = moment.astimezone(ZoneInfo(zone)).date()
    return Window(
        first_day=today - timedelta(days=days - 1),
        last_day=today,
        today=today,
        now=moment,
        zone=zone,
    )


def _require_refresher(actor: AnyActor) -> None:
    if isinstance(actor, SystemActor) or actor.role in PICTURE_REFRESH_ROLES:
        return
    raise PermissionDenied(
        _("Your role cannot recompute the command figures."), code="role_not_allowed"
    )


def _counted(window: Window, sources: tuple[FigureSource, ...]) -> pl.DataFrame:
    """Every source's counts in one frame (region_id, day, measure, value)."""
    frames = []
    for source in sources:
        for measure, rows in source.count(window):
            listed = list(rows)
            if not listed:
                continue
            nodes, days, values = zip(*listed, strict=True)
            frames.append(
                pl.DataFrame(
                    {
                        "region_id": pl.Series(nodes, dtype=pl.Int64),
                        "day": pl.Series(days, dtype=pl.Date),
                        "measure": measure,
                        "value": pl.Series(values, dtype=pl.Int64),
                    }
                )
            )
    if not frames:
        return pl.DataFrame(
            schema={"region_id": pl.Int64, "day": pl.Date, "measure": pl.Utf8, "value": pl.Int64}
        )
    return pl.concat(frames)


def _rolled(counted: pl.DataFrame, keys: list[str], first_day: date) -> pl.DataFrame:
    """The counts summed over each node's subtree (``engine.rollup``)."""
    tree = pl.DataFrame(
        list(Region.objects.values_list("pk", "parent_id").order_by("pk")),
        schema={"region_id": pl.Int64, "parent_id": pl.Int64},
        orient="row",
    )
    index = pl.Series(np.arange(tree.height, dtype=np.int64))
    tree = tree.with_columns(index=index)
    parent = (
        tree.join(
            tree.select(parent_id="region_id", parent_index="index"), on="parent_id", how="left"
        )
        .sort("index")["parent_index"]
        .fill_null(-1)
        .to_numpy()
    )
    measure_number = {key: number for number, key in enumerate(keys)}
    rows = counted.join(tree.select("region_id", "index"), on="region_id", how="inner")
    offsets = (
        rows["day"].to_numpy().astype("datetime64[D]") - np.datetime64(first_day, "D")
    ).astype(np.int64)
    numbers = rows["measure"].replace_strict(measure_number, return_dtype=pl.Int64).to_numpy()
    rolled = rollup(
        parent=parent,
        node=rows["index"].to_numpy(),
        key=offsets * len(keys) + numbers,
        value=rows["value"].to_numpy(),
    )
    region_ids = tree["region_id"].to_numpy()
    return pl.DataFrame(
        {
            "region_id": region_ids[rolled.node],
            "day": pl.Series(
                np.datetime64(first_day, "D") + (rolled.key // len(keys)).astype("timedelta64[D]")
            ).cast(pl.Date),
            "measure": pl.Series(keys, dtype=pl.Utf8).gather(rolled.key % len(keys)),
            "value": rolled.value,
        }
    )


@transaction.atomic
def figures_refresh(
    *,
    actor: AnyActor,
    days: int = JOB_DAYS,
    now: datetime | None = None,
    sources: tuple[FigureSource, ...] = SOURCES,
) -> FigureRefresh:
    """Recompute the command figures of the last ``days`` local days, for every node.

    1. Count every registered measure (``picture.registry``) where it happened: flow
       measures per local day of the window, state measures as of now (on today).
    2. Roll the counts up the jurisdiction tree (``engine.rollup``): each node gets the sum
       over its subtree.
    3. In one transaction, delete the window's flow figures and today's state figures, insert
       the new ones (zeros are not stored), record a :class:`FigureRefresh` and an audit row.

    Raises ``PermissionDenied`` for roles outside ``PICTURE_REFRESH_ROLES`` and
    ``ValidationFailed`` for ``days`` outside 1 … :data:`MAX_DAYS`. Idempotent: the same
    data gives the same rows.
    """
    _require_refresher(actor)
    window = _window(days=days, now=now)
    declared = measures(sources)
    keys = list(declared)
    counted = _counted(window, sources)
    figures = _rolled(counted, keys, window.first_day).filter(pl.col("value") != 0)
    flows = [key for key, measure in declared.items() if measure.flow == Flow.FLOW]
    states = [key for key, measure in declared.items() if measure.flow == Flow.STATE]
    NodeDayFigure.objects.filter(
        Q(measure__in=flows, day__gte=window.first_day, day__lte=window.last_day)
        | Q(measure__in=states, day=window.today)
    ).delete()
    table_insert(
        NodeDayFigure._meta.db_table, figures.select("region_id", "day", "measure", "value")
    )
    refresh = FigureRefresh.objects.create(
        computed_at=window.now,
        first_day=window.first_day,
        last_day=window.last_day,
        rows=figures.height,
        measures=len(keys),
        actor=actor.username,
    )
    audit_record(
        actor=actor,
        action="figures_refresh",
        object_type="figure_refresh",
        object_id=refresh.pk,
        fields=["value"],
        extra={
            "first_day": window.first_day.isoformat(),
            "last_day": window.last_day.isoformat(),
            "rows": figures.height,
        },
    )
    return refresh
