"""Set-based writes for a whole screening round: received screening tubes and their bindings
from Polars frames, through :func:`fangkong.core.bulk.table_insert` (``COPY`` on PostgreSQL).
The screening benchmark stores a Shanghai day with it; results go through
:func:`fangkong.lab.results.services.results_apply`, as a lab's uploads do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import table_fill_defaults, table_insert, table_reserve_ids
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.lab.access import require_role
from fangkong.lab.choices import (
    TubeKind,
    TubeStatus,
)
from fangkong.lab.coverage.tallies import tube_tally_change
from fangkong.lab.models import Binding, ScreeningRound, Tube
from fangkong.lab.roles import LAB_ROLES
from fangkong.policy.choices import TurnaroundCategory
from fangkong.policy.rules import turnaround_hours
from fangkong.policy.selectors import rules_for

TUBE_COLUMNS = ("barcode", "point_id", "zone", "ratio", "per_household", "member_count")
BINDING_COLUMNS = ("tube_index", "person_id", "region_id", "household_id", "position")


@dataclass(frozen=True)
class TubesLoaded:
    tubes: int
    bindings: int
    first_tube_id: int


def _missing(frame: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    absent = [column for column in columns if column not in frame.columns]
    if absent:
        raise ValidationFailed(
            _("The %(frame)s frame lacks columns.") % {"frame": name},
            errors=[
                field_error(column, "column_missing", _("This column is required."))
                for column in absent
            ],
        )


@transaction.atomic
def tubes_bulk_load(
    *,
    actor: AnyActor,
    screening_round: ScreeningRound,
    tubes: pl.DataFrame,
    bindings: pl.DataFrame,
    lab_id: int,
) -> TubesLoaded:
    """Write received screening tubes of ``screening_round`` and their bindings.

    ``tubes`` has one row per tube (:data:`TUBE_COLUMNS`; optional ``sampled_at``,
    ``due_at``, ``received_at`` as database text, default now / +24 h / now); ``bindings`` one
    row per member (:data:`BINDING_COLUMNS`, ``tube_index`` = the 0-based row of its tube).
    Tubes are stored as received at ``lab_id``; bindings pending. Raises ``ValidationFailed``
    (``column_missing``, ``tube_full``) before writing. One audit row.
    """
    require_role(actor, LAB_ROLES)
    _missing(tubes, TUBE_COLUMNS, "tubes")
    _missing(bindings, BINDING_COLUMNS, "bindings")
    now = timezone.now()
    rules = rules_for(screening_round.region, timezone.localdate(now))
    most = rules.parameters.pooling.max_ratio
    sizes = bindings.group_by("tube_index").len()
    if sizes.height and int(sizes["len"].max()) > most:  # type: ignore[arg-type]
        raise ValidationFailed(
            _("No tube may hold more than %(max)s people.") % {"max": most},
            errors=[field_error("bindings", "tube_full", _("Too many members in one tube."))],
        )
    stamp = (
        now.isoformat()
        if connection.vendor == "postgresql"
        else str(connection.ops.adapt_datetimefield_value(now))
    )
    due = now + timedelta(hours=turnaround_hours(rules, TurnaroundCategory.POOLED_SCREENING))
    due_stamp = (
        due.isoformat()
        if connection.vendor == "postgresql"
        else str(connection.ops.adapt_datetimefield_value(due))
    )
    first = table_reserve_ids(Tube._meta.db_table, tubes.height)
    frame = tubes.with_columns(
        pl.int_range(first, first + tubes.height, dtype=pl.Int64).alias("id"),
        pl.lit(screening_round.id).alias("round_id"),
        pl.lit(TubeKind.SCREENING).alias("kind"),
        pl.lit(TubeStatus.RECEIVED).alias("status"),
        pl.lit(lab_id).alias("lab_id"),
    )
    for column, value in (("sampled_at", stamp), ("received_at", stamp), ("due_at", due_stamp)):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(value).alias(column))
    frame = table_fill_defaults(Tube, frame)
    members = bindings.with_columns(
        (pl.col("tube_index") + first).alias("tube_id"),
        pl.lit(screening_round.id).alias("round_id"),
    ).drop("tube_index")
    if "scanned_at" not in members.columns:
        members = members.join(
            frame.select(pl.col("id").alias("tube_id"), pl.col("sampled_at").alias("scanned_at")),
            on="tube_id",
            how="left",
        )
    if "method" not in members.columns:
        members = members.with_columns(pl.lit("id_card").alias("method"))
    if "doc_type" not in members.columns:
        members = members.with_columns(pl.lit("01").alias("doc_type"))
    members = table_fill_defaults(Binding, members)
    table_insert(Tube._meta.db_table, frame)
    tube_tally_change(
        (screening_round.id, point_id, TubeStatus.RECEIVED, tubes)
        for point_id, tubes in frame.group_by("point_id").len().iter_rows()
    )
    table_insert(Binding._meta.db_table, members)
    audit_record(
        actor=actor,
        action="tubes_bulk_load",
        object_type="screening_round",
        object_id=str(screening_round.code),
        fields=["tubes", "bindings"],
        extra={"tubes": tubes.height, "bindings": bindings.height, "lab": lab_id},
    )
    return TubesLoaded(tubes=tubes.height, bindings=bindings.height, first_tube_id=first)
