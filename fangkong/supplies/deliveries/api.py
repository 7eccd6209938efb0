"""Deliveries: the list, one delivery with its pick list, the gate hand-over and the door
confirmation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from fangkong.core.guards import actor_of
from fangkong.core.paging import paginate
from fangkong.core.schemas import ERRORS, WRITE_ERRORS, PageOut, PageParams, page_fields
from fangkong.supplies.checks import require_role
from fangkong.supplies.deliveries.access import access_delivery, access_door
from fangkong.supplies.deliveries.selectors import (
    DoorProgress,
    delivery_list,
    door_progress,
    pick_list,
)
from fangkong.supplies.deliveries.services import (
    delivery_confirm,
    delivery_hand_over,
    door_delivery_record,
)
from fangkong.supplies.models import Delivery, DoorDelivery
from fangkong.supplies.roles import DELIVERY_ROLES, SUPPLIES_READ_ROLES

router = Router()


class DeliveryFilters(PageParams):
    status: Literal["", "picked", "handed_over", "delivered"] = ""
    day: date | None = None


class PickOut(Schema):
    item: str
    name: str
    unit: str
    quantity: int


class DeliveryOut(Schema):
    code: str
    region_code: str
    region_name: str
    receiving_point: str
    warehouse_name: str
    day: date
    status: str
    picked_at: datetime
    handed_over_at: datetime | None
    delivered_at: datetime | None
    households: int | None
    doors_confirmed: int
    doors_not_home: int
    doors_refused: int
    doors_pending: int


class DeliveryDetailOut(DeliveryOut):
    pick_list: list[PickOut]


class DeliveryPageOut(PageOut):
    items: list[DeliveryOut]


class DoorRecordIn(Schema):
    status: Literal["confirmed", "not_home", "refused"]
    reason: str = Field("", max_length=255)
    note: str = Field("", max_length=255)


class DoorOut(Schema):
    code: str
    delivery_code: str
    status: str
    at: datetime | None
    note: str
    reason: str


class ConfirmIn(Schema):
    households: int = Field(ge=0, le=1_000_000)
    note: str = Field("", max_length=255)


def _delivery_out(delivery: Delivery, progress: DoorProgress) -> DeliveryOut:
    point = delivery.request.receiving_point
    return DeliveryOut(
        code=str(delivery.code),
        region_code=delivery.request.region.code,
        region_name=delivery.request.region.name,
        receiving_point=point.name if point is not None else "",
        warehouse_name=delivery.allocation.warehouse.name,
        day=delivery.request.day,
        status=delivery.status,
        picked_at=delivery.picked_at,
        handed_over_at=delivery.handed_over_at,
        delivered_at=delivery.delivered_at,
        households=delivery.households,
        doors_confirmed=progress.confirmed,
        doors_not_home=progress.not_home,
        doors_refused=progress.refused,
        doors_pending=progress.pending,
    )


def _detail(delivery: Delivery) -> DeliveryDetailOut:
    return DeliveryDetailOut(
        **_delivery_out(delivery, door_progress([delivery])[delivery.pk]).model_dump(),
        pick_list=[
            PickOut(
                item=line.item.sku,
                name=line.item.name,
                unit=line.item.unit,
                quantity=line.allocated,
            )
            for line in pick_list(delivery=delivery)
        ],
    )


@router.get("/deliveries", response={200: DeliveryPageOut, **ERRORS}, summary="Deliveries")
def deliveries_list(request: HttpRequest, filters: Query[DeliveryFilters]) -> DeliveryPageOut:
    actor = actor_of(request)
    require_role(actor, SUPPLIES_READ_ROLES)
    page = paginate(
        delivery_list(actor=actor, status=filters.status, day=filters.day),
        page=filters.page,
        page_size=filters.page_size,
    )
    progress = door_progress(page.items)
    return DeliveryPageOut(
        items=[_delivery_out(d, progress[d.pk]) for d in page.items], **page_fields(page)
    )


@router.get(
    "/deliveries/{code}",
    response={200: DeliveryDetailOut, **ERRORS},
    summary="One delivery with its pick list",
)
def deliveries_get(request: HttpRequest, code: str) -> DeliveryDetailOut:
    return _detail(access_delivery(actor_of(request), code))


@router.post(
    "/deliveries/{code}/hand-over",
    response={200: DeliveryDetailOut, **WRITE_ERRORS},
    summary="Record the hand-over at the compound gate",
)
def deliveries_hand_over(request: HttpRequest, code: str) -> DeliveryDetailOut:
    actor = actor_of(request)
    delivery = access_delivery(actor, code, roles=DELIVERY_ROLES)
    return _detail(delivery_hand_over(actor=actor, delivery=delivery))


@router.post(
    "/deliveries/{code}/confirm",
    response={200: DeliveryDetailOut, **WRITE_ERRORS},
    summary="Confirm delivery to the doors",
)
def deliveries_confirm(request: HttpRequest, code: str, payload: ConfirmIn) -> DeliveryDetailOut:
    actor = actor_of(request)
    delivery = access_delivery(actor, code, roles=DELIVERY_ROLES)
    return _detail(
        delivery_confirm(
            actor=actor, delivery=delivery, households=payload.households, note=payload.note
        )
    )


def _door_out(door: DoorDelivery) -> DoorOut:
    return DoorOut(
        code=str(door.code),
        delivery_code=str(door.delivery.code),
        status=door.status,
        at=door.at,
        note=door.note,
        reason=door.reason,
    )


@router.post(
    "/doors/{code}",
    response={200: DoorOut, **WRITE_ERRORS},
    summary="Record one household's door delivery (its grid worker)",
)
def doors_record(request: HttpRequest, code: str, payload: DoorRecordIn) -> DoorOut:
    actor = actor_of(request)
    door = access_door(actor, code)
    return _door_out(
        door_delivery_record(
            actor=actor,
            door=door,
            status=payload.status,
            reason=payload.reason,
            note=payload.note,
        )
    )
