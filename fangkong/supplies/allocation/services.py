"""Requests from districts and compounds, and the unified allocation a supplies officer
approves (统一管理、统一调拨; issue 21 §5, R27).

A request is filed one at a time (API, page) or a day's file at once
(:func:`requests_import`, set-based). :func:`allocation_propose` divides a warehouse's usable
stock among the open requests of its area for a day by ``engine.supply_allocation`` under the
rule set in force (a draft); :func:`allocation_approve` issues the goods (one stock issue,
keyed by the allocation, so a retried approval takes nothing twice), marks the requests
allocated and opens one delivery per request that got anything: its pick list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.bulk import (
    db_now,
    random_uuids,
    table_fill_defaults,
    table_insert,
    table_reserve_ids,
)
from fangkong.core.errors import Conflict, field_error
from fangkong.engine.supply_allocation import supplies_allocate
from fangkong.people.validation import require_in_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_scope
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.allocation.requests_file import MAX_ERRORS, requests_parse
from fangkong.supplies.checks import Errors, quantity_check, reason_checked, refuse_if, require_role
from fangkong.supplies.choices import (
    AllocationStatus,
    DeliveryStatus,
    RequestStatus,
    SupplyEventKind,
)
from fangkong.supplies.events import supply_event_record
from fangkong.supplies.models import (
    Allocation,
    AllocationLine,
    Delivery,
    Item,
    ReceivingPoint,
    RequestLine,
    SupplyRequest,
    Warehouse,
)
from fangkong.supplies.roles import REQUEST_ROLES, SUPPLIES_WRITE_ROLES
from fangkong.supplies.stock.selectors import stock_available
from fangkong.supplies.stock.services import stock_issue


@dataclass(frozen=True)
class RequestInput:
    """One request: who it serves and what it needs (``lines``: item and units)."""

    day: date
    population: int
    vulnerable: int
    epidemic_facility: bool
    lines: Sequence[tuple[Item, int]]
    receiving_point: ReceivingPoint | None = None


def request_file(
    *, actor: AnyActor, region: Region, data: RequestInput, key: str | None = None
) -> SupplyRequest:
    """File the day's request of ``region`` (in the actor's subtree).

    ``key`` (optional) makes a retry answer the first request. Refused naming the field: a
    population below 1, vulnerable residents outside 0…population, no lines or a repeated
    item, a receiving point outside ``region``, a second request of the region that day
    (``request_exists``). One history and one audit row."""
    require_role(actor, REQUEST_ROLES)
    require_in_scope(actor, region)
    if key:
        existing = SupplyRequest.objects.filter(key=key[:100], region=region).first()
        if existing is not None:
            return existing
    errors: Errors = []
    if data.population < 1:
        errors.append(field_error("population", "invalid", _("At least 1.")))
    if not 0 <= data.vulnerable <= max(data.population, 0):
        errors.append(field_error("vulnerable", "invalid", _("From 0 to the population.")))
    if not data.lines:
        errors.append(field_error("lines", "required", _("Name at least one item.")))
    seen: set[int] = set()
    for row, (item, units) in enumerate(data.lines, start=1):
        quantity_check(units, field="lines.quantity", errors=errors, row=row)
        if item.pk in seen:
            errors.append(field_error("lines.item", "item_repeated", _("Named twice."), row=row))
        seen.add(item.pk)
    point = data.receiving_point
    if point is not None and not point.region.is_within(region.path):
        errors.append(
            field_error(
                "receiving_point", "outside_region", _("Not a receiving point of this region.")
            )
        )
    if SupplyRequest.objects.filter(region=region, day=data.day).exists():
        errors.append(
            field_error("day", "request_exists", _("This region has filed its request that day."))
        )
    refuse_if(errors, _("The request was not filed."))
    try:
        with transaction.atomic():
            request = SupplyRequest.objects.create(
                region=region,
                receiving_point=point,
                day=data.day,
                population=data.population,
                vulnerable=data.vulnerable,
                epidemic_facility=data.epidemic_facility,
                key=key[:100] if key else None,
                filed_by=actor.username,
            )
            RequestLine.objects.bulk_create(
                RequestLine(request=request, item=item, quantity=units)
                for item, units in data.lines
            )
            supply_event_record(
                object_type="request",
                code=request.code,
                region=region,
                kind=SupplyEventKind.REQUESTED,
                actor=actor,
                detail={"lines": len(data.lines)},
            )
            audit_record(
                actor=actor,
                action="request_file",
                object_type="supply_request",
                object_id=request.code,
                fields=["population", "vulnerable", "epidemic_facility", "lines"],
            )
    except IntegrityError:
        raise Conflict(
            _("This region has filed its request that day."), code="request_exists"
        ) from None
    return request


def requests_import(*, actor: AnyActor, day: date, content: str) -> int:
    """The requests of ``day`` from a CSV file (``requests_file``), all or none, set-based.

    1. Parse and check the rows (every bad row named).
    2. Join the region codes to the nodes in the actor's subtree (unknown or out of scope:
       ``region_not_found`` with the row, like a missing node) and the item codes to the
       items; a region that filed that day already is refused with its row.
    3. Each request gets the compound's receiving point where one is registered at its node.
    4. Requests and lines are written with ``COPY`` (SQLite: multi-row inserts), one history
       and one audit row for the file. Returns the number of requests.
    """
    require_role(actor, REQUEST_ROLES)
    frame = requests_parse(content)
    codes = frame.get_column("region").unique()
    nodes = pl.DataFrame(
        list(region_scope(actor).filter(code__in=codes.to_list()).values_list("code", "id"))
        if codes.len() < 900 or connection.vendor == "postgresql"
        else list(region_scope(actor).values_list("code", "id")),
        schema={"region": pl.String, "region_id": pl.Int64},
        orient="row",
    )
    items = pl.DataFrame(
        list(Item.objects.values_list("sku", "id")),
        schema={"item": pl.String, "item_id": pl.Int64},
        orient="row",
    )
    frame = frame.join(nodes, on="region", how="left").join(items, on="item", how="left")
    errors: Errors = [
        field_error("region", "region_not_found", _("No such jurisdiction."), row=int(row))
        for row in frame.filter(pl.col("region_id").is_null())["row"].head(MAX_ERRORS)
    ]
    errors += [
        field_error("item", "item_not_found", _("No such item."), row=int(row))
        for row in frame.filter(pl.col("item_id").is_null())["row"].head(MAX_ERRORS)
    ]
    refuse_if(errors, _("The request file was not imported."))
    requests = frame.group_by("region_id", maintain_order=True).agg(
        pl.col("row").first(),
        pl.col("population").first(),
        pl.col("vulnerable").first(),
        pl.col("epidemic_facility").first(),
    )
    with transaction.atomic():
        filed = set(SupplyRequest.objects.filter(day=day).values_list("region_id", flat=True))
        if filed:
            errors = [
                field_error(
                    "region",
                    "request_exists",
                    _("This region has filed its request that day."),
                    row=int(row),
                )
                for row in requests.filter(pl.col("region_id").is_in(list(filed)))["row"].head(
                    MAX_ERRORS
                )
            ]
            refuse_if(errors, _("The request file was not imported."))
        points = pl.DataFrame(
            list(
                ReceivingPoint.objects.filter(region_id__in=requests["region_id"].to_list())
                .order_by("region_id", "id")
                .values_list("region_id", "id")
            )
            if requests.height < 900 or connection.vendor == "postgresql"
            else list(
                ReceivingPoint.objects.order_by("region_id", "id").values_list("region_id", "id")
            ),
            schema={"region_id": pl.Int64, "receiving_point_id": pl.Int64},
            orient="row",
        ).unique("region_id", keep="first")
        table = str(SupplyRequest._meta.db_table)
        first = table_reserve_ids(table, requests.height)
        requests = requests.with_columns(
            pl.int_range(first, first + requests.height).alias("id")
        ).join(points, on="region_id", how="left")
        rows = table_fill_defaults(
            SupplyRequest,
            requests.select(
                "id",
                "region_id",
                "receiving_point_id",
                "population",
                "vulnerable",
                "epidemic_facility",
                pl.lit(day).alias("day"),
                pl.Series("code", random_uuids(requests.height)),
                pl.lit(RequestStatus.OPEN.value).alias("status"),
                pl.lit(actor.username).alias("filed_by"),
            ),
        )
        table_insert(table, rows)
        lines = frame.join(requests.select("region_id", "id"), on="region_id").select(
            pl.col("id").alias("request_id"), "item_id", "quantity"
        )
        table_insert(str(RequestLine._meta.db_table), lines)
        region = Region.objects.get(pk=actor.region_id) if actor.region_id else None
        if region is not None:
            supply_event_record(
                object_type="request_file",
                code=day.isoformat(),
                region=region,
                kind=SupplyEventKind.REQUESTED,
                actor=actor,
                detail={"requests": requests.height, "lines": lines.height},
            )
        audit_record(
            actor=actor,
            action="requests_import",
            object_type="supply_request",
            object_id=day.isoformat(),
            fields=["population", "vulnerable", "epidemic_facility", "lines"],
            extra={"requests": requests.height, "lines": lines.height},
        )
    return requests.height


def _open_lines(warehouse: Warehouse, day: date) -> pl.DataFrame:
    """The open request lines of ``day`` in the warehouse's area, in line order, as a frame
    (one query, read through the cursor: no model per row)."""
    queryset = (
        RequestLine.objects.filter(request__day=day, request__status=RequestStatus.OPEN)
        .filter(in_subtree(warehouse.region.path, field="request__region__path"))
        .order_by("id")
        .values_list(
            "id",
            "request_id",
            "item_id",
            "quantity",
            "request__population",
            "request__vulnerable",
            "request__epidemic_facility",
        )
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pl.DataFrame(
        rows,
        schema={
            "line_id": pl.Int64,
            "request_id": pl.Int64,
            "item_id": pl.Int64,
            "needed": pl.Int64,
            "population": pl.Int64,
            "vulnerable": pl.Int64,
            "facility": pl.Boolean,
        },
        orient="row",
    )


def allocation_propose(*, actor: AnyActor, warehouse: Warehouse, day: date) -> Allocation:
    """A draft allocation of ``warehouse``'s usable stock among the open requests of ``day``
    in its area.

    1. The rules in force at the warehouse's node that day give ``supplies.vulnerable_weight``
       and ``supplies.facility_first``.
    2. The open lines (one query) and the usable stock per item (one query) go to
       ``engine.supply_allocation.supplies_allocate`` (the fairness rule is its docstring).
    3. The allocation and its lines are written (lines by ``COPY``), with a history row and
       an audit row naming the rule set. No request is marked yet: that is approval.
    """
    require_role(actor, SUPPLIES_WRITE_ROLES)
    rules = rules_for(warehouse.region, day)
    settings = rules.parameters.supplies
    with transaction.atomic():
        lines = _open_lines(warehouse, day)
        stock = stock_available(warehouse=warehouse, day=day)
        line_items = lines.get_column("item_id").to_numpy().astype(np.int64)
        item_ids = np.unique(line_items)
        allocated = supplies_allocate(
            item=np.searchsorted(item_ids, line_items),
            need=lines.get_column("needed").to_numpy(),
            population=lines.get_column("population").to_numpy(),
            vulnerable=lines.get_column("vulnerable").to_numpy(),
            facility=lines.get_column("facility").to_numpy(),
            stock=np.array([stock.get(int(i), 0) for i in item_ids], dtype=np.int64),
            vulnerable_weight=settings.vulnerable_weight,
            facility_first=settings.facility_first,
        )
        allocation = Allocation.objects.create(
            warehouse=warehouse, day=day, rule_set=rules.label, proposed_by=actor.username
        )
        table_insert(
            str(AllocationLine._meta.db_table),
            lines.select(
                pl.lit(allocation.pk).alias("allocation_id"),
                "line_id",
                "request_id",
                "item_id",
                "needed",
                pl.Series("allocated", allocated),
            ),
        )
        supply_event_record(
            object_type="allocation",
            code=allocation.code,
            region=warehouse.region,
            kind=SupplyEventKind.PROPOSED,
            actor=actor,
            rule_set=rules.label,
            detail={"lines": lines.height, "units": int(allocated.sum())},
        )
        audit_record(
            actor=actor,
            action="allocation_propose",
            object_type="allocation",
            object_id=allocation.code,
            fields=["lines"],
            rule_set=rules.label,
            extra={"lines": lines.height},
        )
    return allocation


def _status_move(allocation: Allocation, to: str, **updates: object) -> None:
    changed = Allocation.objects.filter(pk=allocation.pk, status=AllocationStatus.DRAFT).update(
        status=to, **updates
    )
    if changed != 1:
        raise Conflict(
            _("Only a draft allocation can be approved or cancelled."),
            code="allocation_not_draft",
        )


def allocation_approve(*, actor: AnyActor, allocation: Allocation, reason: str) -> Allocation:
    """Approve a draft: the goods leave the warehouse and the pick lists open.

    1. The draft becomes approved only if it still is one (a second approval: ``Conflict``).
    2. Its requests move from open to allocated; if another approved allocation took one of
       them meanwhile, nothing is approved (``requests_taken``, 409).
    3. One stock issue of the totals per item, keyed by the allocation (no double issue on
       retry); stock short since the proposal refuses it (``stock_short``): propose again.
    4. One delivery (picked) per request that got anything; history and audit rows.
    """
    require_role(actor, SUPPLIES_WRITE_ROLES)
    why = reason_checked(reason)
    now = timezone.now()
    with transaction.atomic():
        _status_move(
            allocation, AllocationStatus.APPROVED, approved_by=actor.username, approved_at=now
        )
        lines = AllocationLine.objects.filter(allocation=allocation)
        request_ids = set(lines.values_list("request_id", flat=True))
        moved = SupplyRequest.objects.filter(
            pk__in=lines.values("request_id"), status=RequestStatus.OPEN
        ).update(status=RequestStatus.ALLOCATED, version=F("version") + 1)
        if moved != len(request_ids):
            raise Conflict(
                _("Some of these requests were allocated meanwhile; propose again."),
                code="requests_taken",
            )
        totals = list(
            lines.filter(allocated__gt=0).values("item_id").annotate(units=Sum("allocated"))
        )
        items = Item.objects.in_bulk([row["item_id"] for row in totals])
        if totals:
            stock_issue(
                actor=actor,
                warehouse=allocation.warehouse,
                lines=[(items[row["item_id"]], int(row["units"])) for row in totals],
                key=f"allocation:{allocation.code}",
                reason=why,
            )
        served = sorted(set(lines.filter(allocated__gt=0).values_list("request_id", flat=True)))
        if served:
            table_insert(
                str(Delivery._meta.db_table),
                table_fill_defaults(
                    Delivery,
                    pl.DataFrame(
                        {
                            "allocation_id": [allocation.pk] * len(served),
                            "request_id": served,
                            "code": random_uuids(len(served)),
                            "status": [DeliveryStatus.PICKED.value] * len(served),
                            "picked_at": [db_now()] * len(served),
                        }
                    ),
                ),
            )
        supply_event_record(
            object_type="allocation",
            code=allocation.code,
            region=allocation.warehouse.region,
            kind=SupplyEventKind.APPROVED,
            actor=actor,
            reason=why,
            rule_set=allocation.rule_set,
            detail={"deliveries": len(served)},
        )
        audit_record(
            actor=actor,
            action="allocation_approve",
            object_type="allocation",
            object_id=allocation.code,
            fields=["status"],
            reason=why,
            rule_set=allocation.rule_set,
        )
    allocation.refresh_from_db()
    return allocation


def allocation_cancel(*, actor: AnyActor, allocation: Allocation, reason: str) -> Allocation:
    """Cancel a draft (nothing was issued); its requests stay open for another proposal."""
    require_role(actor, SUPPLIES_WRITE_ROLES)
    why = reason_checked(reason)
    with transaction.atomic():
        _status_move(allocation, AllocationStatus.CANCELLED)
        supply_event_record(
            object_type="allocation",
            code=allocation.code,
            region=allocation.warehouse.region,
            kind=SupplyEventKind.CANCELLED,
            actor=actor,
            reason=why,
            rule_set=allocation.rule_set,
        )
        audit_record(
            actor=actor,
            action="allocation_cancel",
            object_type="allocation",
            object_id=allocation.code,
            fields=["status"],
            reason=why,
        )
    allocation.refresh_from_db()
    return allocation
