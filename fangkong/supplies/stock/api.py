"""Stock endpoints: key items, warehouses with their lots, receipts, issues (keyed: a retry
takes nothing twice), receiving points and days of cover."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.errors import field_refusal
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate, paginate_list
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.regions.access import access_region
from fangkong.supplies.checks import require_role
from fangkong.supplies.models import Item, ReceivingPoint, StockLot, Warehouse
from fangkong.supplies.roles import SUPPLIES_READ_ROLES, SUPPLIES_WRITE_ROLES
from fangkong.supplies.stock.access import access_warehouse
from fangkong.supplies.stock.selectors import (
    cover_list,
    item_list,
    items_by_sku,
    lot_list,
    receiving_point_list,
    warehouse_list,
)
from fangkong.supplies.stock.services import (
    item_create,
    receiving_point_create,
    stock_issue,
    stock_receive,
    warehouse_create,
)

router = Router()
REGION_CODE = r"^[0-9]{1,15}$"
SKU = r"^[A-Za-z0-9_-]{1,40}$"
KindIn = Literal["food", "medicine", "protective", "test_kit", "disinfectant"]


class SupplyItemIn(Schema):
    sku: str = Field(pattern=SKU)
    name: str = Field(min_length=1, max_length=120)
    kind: KindIn
    unit: str = Field(min_length=1, max_length=40)


class SupplyItemOut(Schema):
    sku: str
    name: str
    kind: str
    unit: str


class PlaceIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=1, max_length=255)


class ReceivingPointIn(PlaceIn):
    households: int = Field(0, ge=0, le=1_000_000)


class WarehouseOut(Schema):
    code: str
    name: str
    region_code: str
    region_name: str
    address: str


class ReceivingPointOut(WarehouseOut):
    households: int


class LotOut(Schema):
    item: str
    batch: str
    expires_on: date | None
    quantity: int


class WarehouseDetailOut(WarehouseOut):
    lots: list[LotOut]


class WarehousePageOut(PageOut):
    items: list[WarehouseOut]


class ReceivingPointPageOut(PageOut):
    items: list[ReceivingPointOut]


class ReceiptIn(Schema):
    item: str = Field(pattern=SKU)
    batch: str = Field(min_length=1, max_length=40)
    quantity: int = Field(ge=1, le=1_000_000_000)
    expires_on: date | None = None


class IssueLineIn(Schema):
    item: str = Field(pattern=SKU)
    quantity: int = Field(ge=1, le=1_000_000_000)


class IssueIn(Schema):
    lines: list[IssueLineIn] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=255)


class StockIssueOut(Schema):
    code: str
    created: bool
    key: str


class CoverOut(Schema):
    warehouse_code: str
    warehouse_name: str
    item: str
    stock: int
    daily_issue: float
    days: float | None
    short: bool
    window_days: int
    threshold_days: int


def _warehouse_out(warehouse: Warehouse) -> dict[str, Any]:
    return {
        "code": str(warehouse.code),
        "name": warehouse.name,
        "region_code": warehouse.region.code,
        "region_name": warehouse.region.name,
        "address": warehouse.address,
    }


def _item_out(item: Item) -> SupplyItemOut:
    return SupplyItemOut(sku=item.sku, name=item.name, kind=item.kind, unit=item.unit)


def _lot_out(lot: StockLot) -> LotOut:
    return LotOut(
        item=lot.item.sku, batch=lot.batch, expires_on=lot.expires_on, quantity=lot.quantity
    )


def _item_named(sku: str, *, field: str) -> Item:
    """The item ``sku`` or a 422 naming ``field`` (an input, not a path: not a 404)."""
    found = items_by_sku([sku]).get(sku)
    if found is None:
        raise field_refusal("item_not_found", _("No such item."), field=field)
    return found


class SupplyItemPageOut(PageOut):
    items: list[SupplyItemOut]


class CoverPageOut(PageOut):
    items: list[CoverOut]


@router.get("/items", response={200: SupplyItemPageOut, **ERRORS}, summary="The key items")
def items_list(request: HttpRequest, paging: Query[PageParams]) -> SupplyItemPageOut:
    require_role(actor_of(request), SUPPLIES_READ_ROLES)
    page = paginate(item_list(), page=paging.page, page_size=paging.page_size)
    return SupplyItemPageOut(items=[_item_out(i) for i in page.items], **page_fields(page))


@router.post("/items", response={201: SupplyItemOut, **WRITE_ERRORS}, summary="Add a key item")
def items_create(request: HttpRequest, payload: SupplyItemIn) -> Status[SupplyItemOut]:
    actor = actor_of(request)
    item = item_create(actor=actor, **payload.model_dump())
    return Status(201, _item_out(item))


@router.get("/warehouses", response={200: WarehousePageOut, **ERRORS}, summary="Warehouses")
def warehouses_list(request: HttpRequest, paging: Query[PageParams]) -> WarehousePageOut:
    actor = actor_of(request)
    require_role(actor, SUPPLIES_READ_ROLES)
    page = paginate(warehouse_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return WarehousePageOut(
        items=[WarehouseOut(**_warehouse_out(w)) for w in page.items], **page_fields(page)
    )


def _warehouse_detail(warehouse: Warehouse) -> WarehouseDetailOut:
    return WarehouseDetailOut(
        **_warehouse_out(warehouse),
        lots=[_lot_out(lot) for lot in lot_list(warehouse=warehouse)[:500]],
    )


@router.post(
    "/warehouses", response={201: WarehouseDetailOut, **WRITE_ERRORS}, summary="Add a warehouse"
)
def warehouses_create(
    request: HttpRequest, payload: PlaceIn, idempotency_key: IdempotencyKey = None
) -> Status[WarehouseDetailOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        require_role(actor, SUPPLIES_WRITE_ROLES)
        region = access_region(actor, payload.region_code)
        warehouse = warehouse_create(
            actor=actor, region=region, name=payload.name, address=payload.address
        )
        return 201, {"code": str(warehouse.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="warehouse_create",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, _warehouse_detail(access_warehouse(actor, body["code"])))


@router.get(
    "/warehouses/{code}",
    response={200: WarehouseDetailOut, **ERRORS},
    summary="One warehouse with its lots (first to expire first)",
)
def warehouses_get(request: HttpRequest, code: str) -> WarehouseDetailOut:
    return _warehouse_detail(access_warehouse(actor_of(request), code))


@router.post(
    "/warehouses/{code}/receipts",
    response={201: LotOut, **WRITE_ERRORS},
    summary="Receive stock of one batch",
)
def warehouses_receive(
    request: HttpRequest, code: str, payload: ReceiptIn, idempotency_key: IdempotencyKey = None
) -> Status[LotOut]:
    actor = actor_of(request)
    warehouse = access_warehouse(actor, code, roles=SUPPLIES_WRITE_ROLES)

    def write() -> tuple[int, dict[str, Any]]:
        lot = stock_receive(
            actor=actor,
            warehouse=warehouse,
            item=_item_named(payload.item, field="item"),
            batch=payload.batch,
            quantity=payload.quantity,
            expires_on=payload.expires_on,
        )
        return 201, _lot_out(lot).model_dump(mode="json")

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="stock_receive",
        payload={"warehouse": code, **payload.model_dump(mode="json")},
        write=write,
    )
    return Status(status, LotOut(**body))


@router.post(
    "/warehouses/{code}/issues",
    response={201: StockIssueOut, 200: StockIssueOut, **WRITE_ERRORS},
    summary="Issue stock (first expiry first; all or nothing)",
    description=(
        "The `Idempotency-Key` header is required: the same key at the same warehouse answers "
        "the first issue (200) and takes nothing again. Stock short: 409 `stock_short`."
    ),
)
def warehouses_issue(
    request: HttpRequest, code: str, payload: IssueIn, idempotency_key: IdempotencyKey = None
) -> Status[StockIssueOut]:
    actor = actor_of(request)
    warehouse = access_warehouse(actor, code, roles=SUPPLIES_WRITE_ROLES)
    if not idempotency_key:
        raise field_refusal(
            "idempotency_key_required", _("Give an Idempotency-Key."), field="Idempotency-Key"
        )
    lines = [
        (_item_named(line.item, field=f"lines[{n}].item"), line.quantity)
        for n, line in enumerate(payload.lines)
    ]
    result = stock_issue(
        actor=actor, warehouse=warehouse, lines=lines, key=idempotency_key, reason=payload.reason
    )
    return Status(
        201 if result.created else 200,
        StockIssueOut(code=str(result.issue.code), created=result.created, key=result.issue.key),
    )


def _point_out(point: ReceivingPoint) -> ReceivingPointOut:
    return ReceivingPointOut(**_warehouse_out(point), households=point.households)  # type: ignore[arg-type]


@router.get(
    "/receiving-points",
    response={200: ReceivingPointPageOut, **ERRORS},
    summary="Compound receiving points",
)
def points_list(request: HttpRequest, paging: Query[PageParams]) -> ReceivingPointPageOut:
    actor = actor_of(request)
    require_role(actor, SUPPLIES_READ_ROLES)
    page = paginate(receiving_point_list(actor=actor), page=paging.page, page_size=paging.page_size)
    return ReceivingPointPageOut(items=[_point_out(p) for p in page.items], **page_fields(page))


@router.post(
    "/receiving-points",
    response={201: ReceivingPointOut, **WRITE_ERRORS},
    summary="Add a compound's receiving point",
)
def points_create(request: HttpRequest, payload: ReceivingPointIn) -> Status[ReceivingPointOut]:
    actor = actor_of(request)
    require_role(actor, SUPPLIES_WRITE_ROLES)
    region = access_region(actor, payload.region_code)
    point = receiving_point_create(
        actor=actor,
        region=region,
        name=payload.name,
        address=payload.address,
        households=payload.households,
    )
    return Status(201, _point_out(point))


class CoverParams(PageParams):
    day: date | None = None


@router.get(
    "/cover",
    response={200: CoverPageOut, **ERRORS},
    summary="Days of cover per item and warehouse, shortest first",
)
def cover_get(request: HttpRequest, params: Query[CoverParams]) -> CoverPageOut:
    actor = actor_of(request)
    require_role(actor, SUPPLIES_READ_ROLES)
    day = params.day or timezone.localdate()
    page = paginate_list(
        cover_list(actor=actor, day=day),
        page=params.page,
        page_size=params.page_size,
    )
    return CoverPageOut(
        items=[
            CoverOut(
                warehouse_code=str(c.warehouse.code),
                warehouse_name=c.warehouse.name,
                item=c.item.sku,
                stock=c.stock,
                daily_issue=c.daily_issue,
                days=c.days,
                short=c.short,
                window_days=c.window_days,
                threshold_days=c.threshold_days,
            )
            for c in page.items
        ],
        **page_fields(page),
    )
