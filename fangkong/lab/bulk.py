"""Set-based writes for a whole screening round: tubes and bindings from Polars frames, and
lab results applied in SQL.

:func:`tubes_bulk_load` writes received screening tubes and their bindings through
:func:`fangkong.core.bulk.table_insert` (``COPY`` on PostgreSQL). :func:`results_bulk_apply`
records screening-tube results with the same meaning as
:func:`fangkong.lab.services.results.results_apply` — tube results, member outcomes, one
re-test task per member of a pooled-positive or invalid tube, notifications of each pooled
positive to the working group, the emergency squad and each member community, late-notification
alerts, history rows, one audit row — but as a handful of statements over a staging table
instead of per-chunk ORM work. Re-test tubes (which close tasks) keep going through the service.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    AlertKind,
    MemberOutcome,
    RetestReason,
    RetestStatus,
    TubeKind,
    TubeResult,
    TubeStatus,
)
from fangkong.lab.events import TubeEventKind
from fangkong.lab.models import Binding, LabAlert, Notification, ScreeningRound, Tube
from fangkong.lab.notify import pooled_positive_notifications
from fangkong.lab.roles import LAB_ROLES
from fangkong.policy.choices import TurnaroundCategory
from fangkong.policy.rules import turnaround_hours
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region

STAGE = "lab_bulk_result_stage"
#: Errors listed back at most (the count is always complete).
MAX_ERRORS = 100

TUBE_COLUMNS = ("barcode", "point_id", "zone", "ratio", "per_household", "member_count")
BINDING_COLUMNS = ("tube_index", "person_id", "region_id", "household_id", "position")


@dataclass(frozen=True)
class TubesLoaded:
    tubes: int
    bindings: int
    first_tube_id: int


@dataclass(frozen=True)
class ResultsApplied:
    """Counts of what :func:`results_bulk_apply` wrote."""

    tubes: int
    held: int
    positives: int
    retest_tasks: int
    notifications: int


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
    sizes = bindings.group_by("tube_index").len()
    if sizes.height and int(sizes["len"].max()) > 20:  # type: ignore[arg-type]
        raise ValidationFailed(
            _("No tube may hold more than 20 people."),
            errors=[field_error("bindings", "tube_full", _("Too many members in one tube."))],
        )
    now = timezone.now()
    stamp = (
        now.isoformat()
        if connection.vendor == "postgresql"
        else str(connection.ops.adapt_datetimefield_value(now))
    )
    rules = rules_for(screening_round.region, timezone.localdate(now))
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


def _stage(results: pl.DataFrame) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (barcode varchar(32) PRIMARY KEY, "
                "result varchar(16) NOT NULL, ct_orf1ab double precision, ct_n double precision)"
                " ON COMMIT DROP"
            )
        else:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{STAGE}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (barcode varchar(32) PRIMARY KEY, "
                "result varchar(16) NOT NULL, ct_orf1ab real, ct_n real)"
            )
    frame = results.select(
        pl.col("barcode").cast(pl.String).str.strip_chars().str.to_uppercase(),
        pl.col("result").cast(pl.String).str.strip_chars().str.to_lowercase(),
        (pl.col("ct_orf1ab") if "ct_orf1ab" in results.columns else pl.lit(None))
        .cast(pl.Float64)
        .alias("ct_orf1ab"),
        (pl.col("ct_n") if "ct_n" in results.columns else pl.lit(None))
        .cast(pl.Float64)
        .alias("ct_n"),
    )
    table_insert(STAGE, frame)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # the planner needs the stage's size to join it to millions of bindings by hash
            cursor.execute(f"ANALYZE {STAGE}")


def _check(screening_round: ScreeningRound, lab_id: int) -> None:
    """Every staged row must be a received, pending screening tube of this round at this lab,
    with a result that fits its member count."""
    final = "', '".join(sorted(TubeResult.values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.barcode, s.result, t.id, t.round_id, t.lab_id, t.received_at, t.result, "  # noqa: S608 - constants
            f"t.member_count, t.kind FROM {STAGE} s LEFT JOIN lab_tube t ON t.barcode = s.barcode "
            f"WHERE t.id IS NULL OR t.round_id <> %s OR t.lab_id IS NULL OR t.lab_id <> %s "
            f"OR t.received_at IS NULL OR t.result <> 'pending' OR t.kind <> 'screening' "
            f"OR s.result NOT IN ('{final}') OR s.result = 'pending' "
            f"OR (s.result = 'pooled_positive' AND t.member_count < 2) "
            f"OR (s.result = 'positive' AND t.member_count > 1) "
            f"OR s.ct_orf1ab <= 0 OR s.ct_orf1ab > 50 OR s.ct_n <= 0 OR s.ct_n > 50 "
            f"ORDER BY s.barcode LIMIT {MAX_ERRORS}",
            [screening_round.id, lab_id],
        )
        bad = cursor.fetchall()
    if not bad:
        return
    errors = []
    for barcode, result, tube_id, round_id, lab, received, current, members, kind in bad:
        if tube_id is None or round_id != screening_round.id or lab != lab_id:
            code, message = "tube_not_found", _("No such tube was received at this laboratory.")
        elif received is None:
            code, message = "tube_not_received", _("The tube has not been received yet.")
        elif kind != TubeKind.SCREENING:
            code, message = "retest_tube", _("Re-test tubes are reported one by one.")
        elif current != TubeResult.PENDING:
            code, message = "result_already_final", _("This tube already has a result.")
        elif result not in TubeResult.values or result == TubeResult.PENDING:
            code, message = "invalid_choice", _("Unknown result value.")
        elif result == TubeResult.POOLED_POSITIVE and members < 2:
            code, message = (
                "pooled_result_for_single_tube",
                _("A single-person tube is positive or negative, not pooled positive."),
            )
        elif result == TubeResult.POSITIVE and members > 1:
            code, message = (
                "single_result_for_pool",
                _("A pooled tube cannot name its positive member; report it pooled positive."),
            )
        else:
            code, message = "ct_out_of_range", _("A Ct value lies between 0 and 50.")
        errors.append({**field_error("result", code, message), "barcode": barcode})
    raise ValidationFailed(
        _("Some result rows were rejected; nothing was recorded."), errors=errors
    )


def _outcome_case(column: str) -> str:
    whens = " ".join(
        f"WHEN '{result.value}' THEN '{outcome.value}'"
        for result, outcome in (
            (TubeResult.NEGATIVE, MemberOutcome.NEGATIVE),
            (TubeResult.POOLED_POSITIVE, MemberOutcome.HELD),
            (TubeResult.POSITIVE, MemberOutcome.POSITIVE),
            (TubeResult.INVALID, MemberOutcome.RETEST),
        )
    )
    return f"CASE {column} {whens} END"


@transaction.atomic
def results_bulk_apply(
    *, actor: AnyActor, screening_round: ScreeningRound, lab_id: int, results: pl.DataFrame
) -> ResultsApplied:
    """Record the results of many screening tubes (columns ``barcode``, ``result``, optional
    ``ct_orf1ab``, ``ct_n``) set-based; all or nothing.

    1. Stage the rows in a temporary table; any row that is not a received, pending
       screening tube of this round at this lab, or whose result does not fit the tube →
       ``ValidationFailed`` (the codes of ``results_apply``), nothing written.
    2. ``UPDATE … FROM`` the tubes (result, Ct, reported, resulted) and their bindings
       (negative, held, positive, to re-sample).
    3. ``INSERT … SELECT`` one open re-test task per member of a pooled-positive or invalid
       tube, with the tube's rule set, and one history row per tube.
    4. Notifications for the pooled positives (working group and emergency squad at the
       round's node, one per member community with its count) and late alerts (R12).
    5. One audit row.
    """
    require_role(actor, LAB_ROLES)
    reported_at = timezone.now()
    _stage(results)
    _check(screening_round, lab_id)
    now_value = reported_at
    postgres = connection.vendor == "postgresql"
    new_code = "gen_random_uuid()" if postgres else "lower(hex(randomblob(16)))"
    detail = (
        "json_build_object('result', s.result, 'ct_orf1ab', s.ct_orf1ab, 'ct_n', s.ct_n)"
        if postgres
        else "json_object('result', s.result, 'ct_orf1ab', s.ct_orf1ab, 'ct_n', s.ct_n)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE lab_tube SET result = s.result, ct_orf1ab = s.ct_orf1ab, ct_n = s.ct_n, "  # noqa: S608 - constants
            f"reported_at = %s, status = %s FROM {STAGE} s WHERE lab_tube.barcode = s.barcode",
            [now_value, TubeStatus.RESULTED],
        )
        tubes = cursor.rowcount
        cursor.execute(
            f"UPDATE lab_binding SET outcome = {_outcome_case('s.result')} "  # noqa: S608
            f"FROM lab_tube t JOIN {STAGE} s ON s.barcode = t.barcode "
            f"WHERE lab_binding.tube_id = t.id"
        )
        cursor.execute(
            f"INSERT INTO lab_retesttask (code, created_at, updated_at, version, person_id, "  # noqa: S608
            f"region_id, round_id, source_tube_id, reason, status, outcome, rule_set) "
            f"SELECT {new_code}, %s, %s, 1, b.person_id, b.region_id, b.round_id, t.id, "
            f"CASE s.result WHEN 'pooled_positive' THEN %s ELSE %s END, %s, '', t.rule_set "
            f"FROM {STAGE} s JOIN lab_tube t ON t.barcode = s.barcode "
            f"JOIN lab_binding b ON b.tube_id = t.id "
            f"WHERE s.result IN ('pooled_positive', 'invalid') ORDER BY t.id, b.position",
            [
                now_value,
                now_value,
                RetestReason.POOLED_POSITIVE,
                RetestReason.INVALID,
                RetestStatus.OPEN,
            ],
        )
        tasks = cursor.rowcount
        cursor.execute(
            f"INSERT INTO lab_tubeevent (tube_id, kind, at, actor, reason, rule_set, detail) "  # noqa: S608
            f"SELECT t.id, %s, %s, %s, %s, t.rule_set, {detail} "
            f"FROM {STAGE} s JOIN lab_tube t ON t.barcode = s.barcode",
            [TubeEventKind.RESULTED, now_value, actor.username, "lab result (bulk)"],
        )
        cursor.execute(
            f"SELECT s.result, COUNT(*), SUM(t.member_count) FROM {STAGE} s "  # noqa: S608
            f"JOIN lab_tube t ON t.barcode = s.barcode GROUP BY s.result"
        )
        counts = {result: (int(n), int(m or 0)) for result, n, m in cursor.fetchall()}
        cursor.execute(
            f"SELECT t.id, t.member_count, b.region_id, p.region_id FROM {STAGE} s "  # noqa: S608
            f"JOIN lab_tube t ON t.barcode = s.barcode JOIN lab_binding b ON b.tube_id = t.id "
            f"JOIN lab_samplingpoint p ON p.id = t.point_id "
            f"WHERE s.result = 'pooled_positive' ORDER BY t.id"
        )
        pooled_members = cursor.fetchall()
        if not postgres:
            cursor.execute(f"DROP TABLE temp.{STAGE}")
    notifications = _notify(screening_round, pooled_members, reported_at)
    audit_record(
        actor=actor,
        action="tube_results_report",
        object_type="tube_batch",
        object_id=f"{tubes} tubes",
        fields=["result", "ct_orf1ab", "ct_n", "outcome"],
        reason="lab result (bulk)",
        extra={
            "round": str(screening_round.code),
            "results": {result: n for result, (n, _m) in counts.items()},
            "retest_tasks": tasks,
        },
    )
    return ResultsApplied(
        tubes=tubes,
        held=counts.get(TubeResult.POOLED_POSITIVE, (0, 0))[1],
        positives=counts.get(TubeResult.POSITIVE, (0, 0))[1],
        retest_tasks=tasks,
        notifications=notifications,
    )


def _notify(
    screening_round: ScreeningRound,
    pooled_members: list[tuple[int, int, int, int]],
    reported_at: datetime,
) -> int:
    """Notifications of pooled positives, and late-notification alerts at each tube's
    sampling point with the target of the rules in force there, as ``results_apply`` writes
    them (R12)."""
    if not pooled_members:
        return 0
    members: dict[int, list[int]] = defaultdict(list)
    point_region: dict[int, int] = {}
    for tube_id, _size, region_id, point_region_id in pooled_members:
        members[tube_id].append(region_id)
        point_region[tube_id] = point_region_id
    notified_at = timezone.now()
    latency = max(0, int((notified_at - reported_at).total_seconds() * 1000))
    round_region = screening_round.region_id
    rows = pooled_positive_notifications(
        members=members,
        round_region=dict.fromkeys(members, round_region),
        result_at=reported_at,
        notified_at=notified_at,
    )
    Notification.objects.bulk_create(rows, batch_size=5000)
    on = timezone.localdate(notified_at)
    targets = {
        region.id: rules_for(region, on).parameters.turnaround.pooled_positive_notify_minutes
        for region in Region.objects.filter(id__in=set(point_region.values()))
    }
    late = [
        tube_id for tube_id in sorted(members) if latency > targets[point_region[tube_id]] * 60_000
    ]
    LabAlert.objects.bulk_create(
        [
            LabAlert(
                kind=AlertKind.LATE_NOTIFICATION,
                tube_id=tube_id,
                round_id=screening_round.id,
                region_id=point_region[tube_id],
                raised_at=notified_at,
                detail={"latency_ms": latency, "target_minutes": targets[point_region[tube_id]]},
            )
            for tube_id in late
        ],
        ignore_conflicts=True,
    )
    return len(rows)
