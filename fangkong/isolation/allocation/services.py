"""Allocating rooms to open central-quarantine orders (issue 20 §3, R22).

The choice is made by the pure ``engine.allocation.rooms_allocate_batch`` over the free rooms
the actor may use; this module applies it. The rooms are locked in a fixed order (ascending
id, ``select_for_update``) and taken by a conditional update (``status = 'free'``), so two
allocations running at once never put two units in one room: the second finds the room taken
and reports its unit as not placed (``room_taken``), to be allocated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record_many
from fangkong.core.errors import NotFound, field_error
from fangkong.engine.allocation import NO_GROUP, rooms_allocate_batch
from fangkong.isolation.checks import Errors, raise_if, require_role
from fangkong.isolation.choices import (
    FacilityStatus,
    OrderEventKind,
    OrderKind,
    OrderStatus,
    RoomStatus,
)
from fangkong.isolation.events import order_event_new
from fangkong.isolation.facilities.selectors import facility_scope
from fangkong.isolation.models import IsolationOrder, OrderEvent, Room
from fangkong.isolation.roles import ALLOCATE_ROLES
from fangkong.people.choices import SpecialNeed
from fangkong.people.models import PersonNeed
from fangkong.regions.subtree import region_in_scope

#: Needs that call for an accessible room.
ACCESSIBLE_NEEDS = (SpecialNeed.DISABILITY,)
#: Sites whose free rooms are allocated.
ALLOCATING = (FacilityStatus.ACTIVE, FacilityStatus.ACTIVATING)
#: At most this many orders per call.
ALLOCATE_MAX = 5_000


@dataclass
class AllocationReport:
    """What an allocation did: each placed order with its room, and the orders left without
    one with why (``no_room_fits``: no free room fits its unit; ``room_taken``: a concurrent
    allocation took the room first)."""

    placed: list[tuple[IsolationOrder, Room]] = field(default_factory=list)
    unplaced: list[tuple[IsolationOrder, str]] = field(default_factory=list)


def _checked_orders(
    actor: AnyActor, orders: Sequence[IsolationOrder], together: Sequence[Sequence[str]]
) -> dict[str, int]:
    """Every order open, central, without a room and in scope (422 naming the row, 404 out
    of scope); the declared groups as order code → group number."""
    errors: Errors = []
    if not orders:
        errors.append(field_error("orders", "required", _("Name at least one order.")))
    if len(orders) > ALLOCATE_MAX:
        errors.append(
            field_error(
                "orders",
                "too_many",
                _("At most %(count)d orders at once.") % {"count": ALLOCATE_MAX},
            )
        )
    codes: set[str] = set()
    for row, order in enumerate(orders, start=1):
        code = str(order.code)
        if code in codes:
            errors.append(field_error("orders", "repeated", _("Named twice."), row=row))
        codes.add(code)
        if order.status != OrderStatus.OPEN:
            errors.append(field_error("orders", "order_not_open", _("Not open."), row=row))
        elif order.kind != OrderKind.CENTRAL_QUARANTINE:
            errors.append(
                field_error(
                    "orders", "not_central", _("Not an order for central quarantine."), row=row
                )
            )
        elif order.room_id is not None:
            errors.append(field_error("orders", "has_room", _("Has a room already."), row=row))
    groups: dict[str, int] = {}
    for number, members in enumerate(together):
        for code in members:
            if code not in codes:
                errors.append(
                    field_error(
                        "together",
                        "not_in_batch",
                        _("A group names an order that is not being allocated."),
                        row=number + 1,
                    )
                )
            elif code in groups:
                errors.append(
                    field_error(
                        "together",
                        "in_two_groups",
                        _("An order is in two groups."),
                        row=number + 1,
                    )
                )
            groups[code] = number
    raise_if(errors, _("No room was allocated."))
    return groups


def rooms_allocate(
    *,
    actor: AnyActor,
    orders: Sequence[IsolationOrder],
    together: Sequence[Sequence[str]] = (),
    spread_km: float = 10.0,
) -> AllocationReport:
    """Allocate a room to each of ``orders`` (open central-quarantine orders without one).

    ``together`` lists declared groups (order codes of a carer and dependants, a minor and
    guardian) who share a room.

    1. The role must be in ``ALLOCATE_ROLES`` (403); each order in the actor's subtree (the
       same 404 as a missing one) and fit for a room (422 naming the row).
    2. The free, ready rooms of the actor's active and activating sites, and who among the
       persons needs an accessible room (a disability in ``people``), go to the engine; a
       site without coordinates counts as at the others' centre (only its load then
       matters; persons carry no coordinates yet, so distance orders the sites by load).
    3. The chosen rooms are locked in ascending id and taken with ``status = 'free'`` in
       the condition; a unit whose room is no longer free is reported ``room_taken``.
    4. Each placed order gets its room (conditional: still open, still without a room), an
       ``allocated`` history row and an audit row, in the same transaction.
    """
    require_role(actor, ALLOCATE_ROLES)
    for order in orders:
        if not region_in_scope(actor, order.region):
            raise NotFound(_("No such order."), code="order_not_found")
    groups = _checked_orders(actor, orders, together)
    rooms = list(
        Room.objects.filter(
            facility__in=facility_scope(actor).filter(status__in=ALLOCATING),
            status=RoomStatus.FREE,
            ready_at__isnull=False,
        )
        .select_related("facility")
        .order_by("id")
    )
    needing = set(
        PersonNeed.objects.filter(
            person_id__in=[o.person_id for o in orders], kind__in=ACCESSIBLE_NEEDS
        ).values_list("person_id", flat=True)
    )
    located = [r.facility for r in rooms if r.facility.latitude is not None]
    centre = (
        (
            float(np.mean([f.latitude for f in located])),
            float(np.mean([f.longitude for f in located])),
        )
        if located
        else (0.0, 0.0)
    )
    answer = rooms_allocate_batch(
        person=np.arange(len(orders), dtype=np.int64),
        group=[groups.get(str(o.code), NO_GROUP) for o in orders],
        needs_accessible=np.array([o.person_id in needing for o in orders], dtype=bool),
        person_lat=np.full(len(orders), np.nan),
        person_lon=np.full(len(orders), np.nan),
        room=[r.pk for r in rooms],
        room_facility=[r.facility_id for r in rooms],
        room_beds=[r.beds for r in rooms],
        room_accessible=np.array([r.accessible for r in rooms], dtype=bool),
        room_own_bathroom=np.array([r.own_bathroom for r in rooms], dtype=bool),
        room_lat=[
            r.facility.latitude if r.facility.latitude is not None else centre[0] for r in rooms
        ],
        room_lon=[
            r.facility.longitude if r.facility.longitude is not None else centre[1] for r in rooms
        ],
        spread_km=spread_km,
    )
    chosen = dict(enumerate(answer.room.tolist()))
    return allocation_apply(actor=actor, orders=orders, rooms=chosen)


def allocation_apply(
    *, actor: AnyActor, orders: Sequence[IsolationOrder], rooms: dict[int, int]
) -> AllocationReport:
    """Apply a chosen allocation (``rooms``: order position → room id, ``-1`` for none) under
    row locks: step 3 and 4 of :func:`rooms_allocate`. Separate so that a stale choice (one
    another allocation overtook) can be shown to lose."""
    report = AllocationReport()
    wanted = sorted({room for room in rooms.values() if room >= 0})
    with transaction.atomic():
        locked = {
            room.pk: room
            for room in Room.objects.select_for_update()
            .filter(pk__in=wanted)
            .order_by("id")
            .select_related("facility")
        }
        free = [pk for pk in wanted if pk in locked and locked[pk].status == RoomStatus.FREE]
        taken = Room.objects.filter(pk__in=free, status=RoomStatus.FREE).update(
            status=RoomStatus.OCCUPIED
        )
        if taken != len(free):  # cannot happen under the locks; refuse rather than guess
            raise RuntimeError("room status changed under a row lock")
        free_set = set(free)
        now = timezone.now()
        events: list[OrderEvent] = []
        audits: list[AuditSpec] = []
        by_room: dict[int, list[IsolationOrder]] = {}
        for k, order in enumerate(orders):
            room_id = rooms.get(k, -1)
            if room_id < 0:
                report.unplaced.append((order, "no_room_fits"))
            elif room_id not in free_set:
                report.unplaced.append((order, "room_taken"))
            else:
                by_room.setdefault(room_id, []).append(order)
        placing = {order.pk: room_id for room_id, members in by_room.items() for order in members}
        # one statement for the batch, conditional on each order still open and roomless
        for start in range(0, len(placing), 1000):
            chunk = dict(list(placing.items())[start : start + 1000])
            updated = IsolationOrder.objects.filter(
                pk__in=list(chunk), status=OrderStatus.OPEN, room__isnull=True
            ).update(
                room_id=Case(*(When(pk=pk, then=Value(room)) for pk, room in chunk.items())),
                version=F("version") + 1,
                updated_at=now,
            )
            if updated != len(chunk):
                raise_if(
                    [field_error("orders", "order_changed", _("An order changed meanwhile."))],
                    _("No room was allocated."),
                )
        for room_id, members in by_room.items():
            room = locked[room_id]
            room.status = RoomStatus.OCCUPIED
            for order in members:
                order.room_id = room_id
                report.placed.append((order, room))
                detail = {"facility": str(room.facility.code), "room": room.number}
                events.append(
                    order_event_new(
                        order=order,
                        kind=OrderEventKind.ALLOCATED,
                        actor=actor,
                        rule_set=order.rule_set,
                        to_value=room.number,
                        detail=detail,
                    )
                )
                audits.append(
                    AuditSpec(
                        actor=actor,
                        action="room_allocate",
                        object_type="isolation_order",
                        object_id=order.code,
                        fields=["room"],
                        rule_set=order.rule_set,
                        extra=detail,
                    )
                )
        OrderEvent.objects.bulk_create(events, batch_size=1000)
        audit_record_many(audits)
    return report
