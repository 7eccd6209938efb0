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
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

import fangkong.core.lookups  # noqa: F401 - registers ``__ids_in`` (one array parameter)
from fangkong.core.actor import AnyActor
from fangkong.core.audit import AuditSpec, audit_record_many
from fangkong.core.bulk import rows_insert
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
from fangkong.isolation.events import order_event_row
from fangkong.isolation.facilities.selectors import facility_scope
from fangkong.isolation.models import Facility, IsolationOrder, OrderEvent, Room
from fangkong.isolation.roles import ALLOCATE_ROLES
from fangkong.people.choices import SpecialNeed
from fangkong.people.models import PersonNeed
from fangkong.regions.models import Region
from fangkong.regions.subtree import region_in_scope

#: Needs that call for an accessible room.
ACCESSIBLE_NEEDS = (SpecialNeed.DISABILITY,)
#: Sites whose free rooms are allocated.
ALLOCATING = (FacilityStatus.ACTIVE, FacilityStatus.ACTIVATING)
#: At most this many orders per call.
ALLOCATE_MAX = 10_000


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
    regions = Region.objects.in_bulk({order.region_id for order in orders})
    for order in orders:
        if not region_in_scope(actor, regions[order.region_id]):
            raise NotFound(_("No such order."), code="order_not_found")
    groups = _checked_orders(actor, orders, together)
    sites = facility_scope(actor).filter(status__in=ALLOCATING)
    located = {
        pk: (lat, lon)
        for pk, lat, lon in sites.filter(
            latitude__isnull=False, longitude__isnull=False
        ).values_list("pk", "latitude", "longitude")
    }
    # the free rooms as plain rows: 150,000 of them are read in a fraction of a second this
    # way, where model instances would take seconds
    rooms = np.array(
        list(
            Room.objects.filter(facility__in=sites, status=RoomStatus.FREE, ready_at__isnull=False)
            .order_by("id")
            .values_list("id", "facility_id", "beds", "accessible", "own_bathroom")
        ),
        dtype=np.int64,
    ).reshape(-1, 5)
    needing = set(
        PersonNeed.objects.filter(
            person__id__ids_in=[o.person_id for o in orders], kind__in=ACCESSIBLE_NEEDS
        ).values_list("person_id", flat=True)
    )
    centre = (
        (
            float(np.mean([lat for lat, _lon in located.values()])),
            float(np.mean([lon for _lat, lon in located.values()])),
        )
        if located
        else (0.0, 0.0)
    )
    facility_ids, facility_of_room = np.unique(rooms[:, 1], return_inverse=True)
    places = np.array([located.get(int(pk), centre) for pk in facility_ids], dtype=np.float64)
    places = places.reshape(-1, 2)
    answer = rooms_allocate_batch(
        person=np.arange(len(orders), dtype=np.int64),
        group=[groups.get(str(o.code), NO_GROUP) for o in orders],
        needs_accessible=np.array([o.person_id in needing for o in orders], dtype=bool),
        person_lat=np.full(len(orders), np.nan),
        person_lon=np.full(len(orders), np.nan),
        room=rooms[:, 0],
        room_facility=rooms[:, 1],
        room_beds=rooms[:, 2],
        room_accessible=rooms[:, 3].astype(bool),
        room_own_bathroom=rooms[:, 4].astype(bool),
        room_lat=places[facility_of_room, 0],
        room_lon=places[facility_of_room, 1],
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
            for room in Room.objects.select_for_update().filter(pk__ids_in=wanted).order_by("id")
        }
        facility_codes = dict(
            Facility.objects.filter(
                pk__in={room.facility_id for room in locked.values()}
            ).values_list("pk", "code")
        )
        free = [pk for pk in wanted if pk in locked and locked[pk].status == RoomStatus.FREE]
        taken = Room.objects.filter(pk__ids_in=free, status=RoomStatus.FREE).update(
            status=RoomStatus.OCCUPIED
        )
        if taken != len(free):  # cannot happen under the locks; refuse rather than guess
            raise RuntimeError("room status changed under a row lock")
        free_set = set(free)
        now = timezone.now()
        events: list[dict[str, object]] = []
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
        if _orders_room_set(placing, now) != len(placing):
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
                detail = {"facility": str(facility_codes[room.facility_id]), "room": room.number}
                events.append(
                    order_event_row(
                        order=order,
                        kind=OrderEventKind.ALLOCATED,
                        actor=actor,
                        at=now,
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
        rows_insert(OrderEvent, events)
        audit_record_many(audits)
    return report


def _orders_room_set(placing: dict[int, int], now: datetime) -> int:
    """Give each order (id → room id) its room, conditional on the order still open and
    roomless; returns the orders changed. One statement on PostgreSQL (the pairs as two
    arrays); on SQLite a ``CASE`` per chunk of 500."""
    if not placing:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE isolation_isolationorder o SET room_id = p.room, "
                "version = o.version + 1, updated_at = %s "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS p(id, room) "
                "WHERE o.id = p.id AND o.status = %s AND o.room_id IS NULL",
                [now, list(placing), list(placing.values()), OrderStatus.OPEN],
            )
            return int(cursor.rowcount)
    changed = 0
    pairs = list(placing.items())
    for start in range(0, len(pairs), 500):
        chunk = dict(pairs[start : start + 500])
        changed += IsolationOrder.objects.filter(
            pk__in=list(chunk), status=OrderStatus.OPEN, room__isnull=True
        ).update(
            room_id=Case(*(When(pk=pk, then=Value(room)) for pk, room in chunk.items())),
            version=F("version") + 1,
            updated_at=now,
        )
    return changed
