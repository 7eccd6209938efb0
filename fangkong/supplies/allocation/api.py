"""Requests and allocations: file one request (keyed) or a day's file, propose an allocation
of a warehouse's stock, see it per item and per request, approve or cancel it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fangkong.core.errors import field_refusal
from fangkong.core.guards import actor_of
from fangkong.core.idempotency import run_idempotent
from fangkong.core.paging import paginate
from fangkong.core.schemas import (
    ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    PageOut,
    PageParams,
    page_fields,
)
from fangkong.regions.access import access_region
from fangkong.supplies.allocation.access import access_allocation, access_request
from fangkong.supplies.allocation.selectors import (
    allocation_items,
    allocation_list,
    request_list,
)
from fangkong.supplies.allocation.services import (
    RequestInput,
    allocation_approve,
    allocation_cancel,
    allocation_propose,
    request_file,
    requests_import,
)
from fangkong.supplies.checks import require_role
from fangkong.supplies.models import Allocation, SupplyRequest
from fangkong.supplies.roles import REQUEST_ROLES, SUPPLIES_READ_ROLES, SUPPLIES_WRITE_ROLES
from fangkong.supplies.stock.access import access_receiving_point, access_warehouse
from fangkong.supplies.stock.selectors import items_by_sku

router = Router()
REGION_CODE = r"^[0-9]{1,15}$"
SKU = r"^[A-Za-z0-9_-]{1,40}$"


class RequestLineIn(Schema):
    item: str = Field(pattern=SKU)
    quantity: int = Field(ge=1, le=1_000_000_000)


class SupplyRequestIn(Schema):
    region_code: str = Field(pattern=REGION_CODE)
    day: date
    population: int = Field(ge=1, le=100_000_000)
    vulnerable: int = Field(0, ge=0, le=100_000_000)
    epidemic_facility: bool = False
    receiving_point: str | None = Field(None, max_length=36)
    lines: list[RequestLineIn] = Field(min_length=1, max_length=100)


class SupplyRequestOut(Schema):
    code: str
    region_code: str
    region_name: str
    day: date
    population: int
    vulnerable: int
    epidemic_facility: bool
    status: str
    lines: int


class SupplyRequestPageOut(PageOut):
    items: list[SupplyRequestOut]


class RequestFilters(PageParams):
    day: date | None = None
    status: Literal["", "open", "allocated"] = ""


class RequestsImportIn(Schema):
    day: date
    #: CSV: ``region,population,vulnerable,epidemic_facility,item,quantity``.
    content: str = Field(min_length=1, max_length=100_000_000)


class RequestCountOut(Schema):
    count: int


class ProposeIn(Schema):
    day: date


class AllocationReasonIn(Schema):
    reason: str = Field(min_length=1, max_length=255)


class ItemTotalOut(Schema):
    item: str
    name: str
    unit: str
    needed: int
    allocated: int
    requests: int
    full: int


class AllocationOut(Schema):
    code: str
    warehouse_code: str
    warehouse_name: str
    day: date
    status: str
    rule_set: str
    proposed_by: str
    approved_by: str
    approved_at: datetime | None
    lines: int
    units_needed: int
    units_allocated: int


class AllocationDetailOut(AllocationOut):
    items: list[ItemTotalOut]


class AllocationPageOut(PageOut):
    items: list[AllocationOut]


class AllocationFilters(PageParams):
    status: Literal["", "draft", "approved", "cancelled"] = ""


def _request_out(request: SupplyRequest) -> SupplyRequestOut:
    return SupplyRequestOut(
        code=str(request.code),
        region_code=request.region.code,
        region_name=request.region.name,
        day=request.day,
        population=request.population,
        vulnerable=request.vulnerable,
        epidemic_facility=request.epidemic_facility,
        status=request.status,
        lines=getattr(request, "lines_count", 0),
    )


@router.get("/requests", response={200: SupplyRequestPageOut, **ERRORS}, summary="Requests")
def requests_list(request: HttpRequest, filters: Query[RequestFilters]) -> SupplyRequestPageOut:
    actor = actor_of(request)
    require_role(actor, SUPPLIES_READ_ROLES)
    page = paginate(
        request_list(actor=actor, day=filters.day, status=filters.status),
        page=filters.page,
        page_size=filters.page_size,
    )
    return SupplyRequestPageOut(items=[_request_out(r) for r in page.items], **page_fields(page))


@router.post(
    "/requests",
    response={201: SupplyRequestOut, **WRITE_ERRORS},
    summary="File a district's or compound's request for a day",
)
def requests_create(
    request: HttpRequest, payload: SupplyRequestIn, idempotency_key: IdempotencyKey = None
) -> Status[SupplyRequestOut]:
    actor = actor_of(request)
    require_role(actor, REQUEST_ROLES)
    region = access_region(actor, payload.region_code)
    items = items_by_sku([line.item for line in payload.lines])
    for n, line in enumerate(payload.lines):
        if line.item not in items:
            raise field_refusal("item_not_found", _("No such item."), field=f"lines[{n}].item")
    point = (
        access_receiving_point(actor, payload.receiving_point) if payload.receiving_point else None
    )
    filed = request_file(
        actor=actor,
        region=region,
        data=RequestInput(
            day=payload.day,
            population=payload.population,
            vulnerable=payload.vulnerable,
            epidemic_facility=payload.epidemic_facility,
            lines=[(items[line.item], line.quantity) for line in payload.lines],
            receiving_point=point,
        ),
        key=idempotency_key,
    )
    return Status(201, _request_out(request_list(actor=actor).get(pk=filed.pk)))


@router.get("/requests/{code}", response={200: SupplyRequestOut, **ERRORS}, summary="One request")
def requests_get(request: HttpRequest, code: str) -> SupplyRequestOut:
    actor = actor_of(request)
    found = access_request(actor, code)
    return _request_out(request_list(actor=actor).get(pk=found.pk))


@router.post(
    "/requests/import",
    response={201: RequestCountOut, **WRITE_ERRORS},
    summary="A day's requests from a CSV file (all or none; every bad row named)",
)
def requests_import_file(
    request: HttpRequest, payload: RequestsImportIn, idempotency_key: IdempotencyKey = None
) -> Status[RequestCountOut]:
    actor = actor_of(request)

    def write() -> tuple[int, dict[str, Any]]:
        count = requests_import(actor=actor, day=payload.day, content=payload.content)
        return 201, {"count": count}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="requests_import",
        payload=payload.model_dump(mode="json"),
        write=write,
    )
    return Status(status, RequestCountOut(**body))


def _allocation_out(allocation: Allocation) -> dict[str, Any]:
    return {
        "code": str(allocation.code),
        "warehouse_code": str(allocation.warehouse.code),
        "warehouse_name": allocation.warehouse.name,
        "day": allocation.day,
        "status": allocation.status,
        "rule_set": allocation.rule_set,
        "proposed_by": allocation.proposed_by,
        "approved_by": allocation.approved_by,
        "approved_at": allocation.approved_at,
        "lines": getattr(allocation, "lines_count", 0),
        "units_needed": getattr(allocation, "units_needed", 0) or 0,
        "units_allocated": getattr(allocation, "units_allocated", 0) or 0,
    }


def _allocation_detail(request: HttpRequest, code: str) -> AllocationDetailOut:
    actor = actor_of(request)
    allocation = access_allocation(actor, code)
    counted = allocation_list(actor=actor).get(pk=allocation.pk)
    return AllocationDetailOut(
        **_allocation_out(counted),
        items=[
            ItemTotalOut(
                item=str(row["item__sku"]),
                name=str(row["item__name"]),
                unit=str(row["item__unit"]),
                needed=int(row["units_needed"] or 0),
                allocated=int(row["units_allocated"] or 0),
                requests=int(row["requests"] or 0),
                full=int(row["full"] or 0),
            )
            for row in allocation_items(allocation=allocation)
        ],
    )


@router.get("/allocations", response={200: AllocationPageOut, **ERRORS}, summary="Allocations")
def allocations_list(request: HttpRequest, filters: Query[AllocationFilters]) -> AllocationPageOut:
    actor = actor_of(request)
    require_role(actor, SUPPLIES_READ_ROLES)
    page = paginate(
        allocation_list(actor=actor, status=filters.status),
        page=filters.page,
        page_size=filters.page_size,
    )
    return AllocationPageOut(
        items=[AllocationOut(**_allocation_out(a)) for a in page.items], **page_fields(page)
    )


@router.post(
    "/warehouses/{code}/allocations",
    response={201: AllocationDetailOut, **WRITE_ERRORS},
    summary="Propose an allocation of the warehouse's stock to a day's open requests",
)
def allocations_propose(
    request: HttpRequest, code: str, payload: ProposeIn, idempotency_key: IdempotencyKey = None
) -> Status[AllocationDetailOut]:
    actor = actor_of(request)
    warehouse = access_warehouse(actor, code, roles=SUPPLIES_WRITE_ROLES)

    def write() -> tuple[int, dict[str, Any]]:
        allocation = allocation_propose(actor=actor, warehouse=warehouse, day=payload.day)
        return 201, {"code": str(allocation.code)}

    status, body = run_idempotent(
        actor=actor,
        key=idempotency_key,
        operation="allocation_propose",
        payload={"warehouse": code, **payload.model_dump(mode="json")},
        write=write,
    )
    return Status(status, _allocation_detail(request, body["code"]))


@router.get(
    "/allocations/{code}",
    response={200: AllocationDetailOut, **ERRORS},
    summary="One allocation, per item",
)
def allocations_get(request: HttpRequest, code: str) -> AllocationDetailOut:
    return _allocation_detail(request, code)


@router.post(
    "/allocations/{code}/approve",
    response={200: AllocationDetailOut, **WRITE_ERRORS},
    summary="Approve a draft: issue the goods and open the pick lists",
)
def allocations_approve(
    request: HttpRequest, code: str, payload: AllocationReasonIn
) -> AllocationDetailOut:
    actor = actor_of(request)
    allocation = access_allocation(actor, code, roles=SUPPLIES_WRITE_ROLES)
    allocation_approve(actor=actor, allocation=allocation, reason=payload.reason)
    return _allocation_detail(request, code)


@router.post(
    "/allocations/{code}/cancel",
    response={200: AllocationDetailOut, **WRITE_ERRORS},
    summary="Cancel a draft",
)
def allocations_cancel(
    request: HttpRequest, code: str, payload: AllocationReasonIn
) -> AllocationDetailOut:
    actor = actor_of(request)
    allocation = access_allocation(actor, code, roles=SUPPLIES_WRITE_ROLES)
    allocation_cancel(actor=actor, allocation=allocation, reason=payload.reason)
    return _allocation_detail(request, code)
