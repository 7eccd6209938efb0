"""Builders for transfer and monitoring tests: dispatchers and crew members at district A and
B, vehicles, crews, and central-quarantine orders with their rooms, all through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.actor import Actor
from fangkong.isolation.allocation.services import rooms_allocate
from fangkong.isolation.choices import VehicleKind
from fangkong.isolation.models import IsolationOrder, TransferCrew, Vehicle
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.tests.factories import Staff, facility_make, staff_make
from fangkong.isolation.transfers.services import crew_create, vehicle_create
from fangkong.people.tests.factories import household_make, person_make


@dataclass
class TransferStaff:
    staff: Staff
    dispatcher: Actor
    crew_member: Actor
    other_crew_member: Actor
    other_dispatcher: Actor
    clinician: Actor


def transfer_staff_make(tree: dict[str, Any]) -> TransferStaff:
    return TransferStaff(
        staff=staff_make(tree),
        dispatcher=actor_make(role=Role.TRANSFER_DISPATCHER, region=tree["district_a"]),
        crew_member=actor_make(role=Role.TRANSFER_DISPATCHER, region=tree["district_a"]),
        other_crew_member=actor_make(role=Role.TRANSFER_DISPATCHER, region=tree["district_a"]),
        other_dispatcher=actor_make(role=Role.TRANSFER_DISPATCHER, region=tree["district_b"]),
        clinician=actor_make(role=Role.CLINICIAN, region=tree["district_a"]),
    )


def vehicle_make(
    people: TransferStaff, *, plate: str = "京A12345", capacity: int = 2, region_key: str = ""
) -> Vehicle:
    tree = people.staff.tree
    return vehicle_create(
        actor=people.dispatcher,
        region=tree[region_key or "district_a"],
        plate=plate,
        kind=VehicleKind.NEGATIVE_PRESSURE,
        capacity=capacity,
    )


def crew_make(people: TransferStaff, member: Actor, *, name: str = "转运一组") -> TransferCrew:
    return crew_create(
        actor=people.dispatcher,
        region=people.staff.tree["district_a"],
        name=name,
        members=[User.objects.get(pk=member.user_id)],
    )


def placed_orders_make(
    people: TransferStaff, count: int, *, rooms: int = 0
) -> list[IsolationOrder]:
    """``count`` close contacts (day 0: 14 July 2022) with homes in grid A1, issued central
    quarantine and allocated rooms at an active site of district A."""
    staff = people.staff
    facility_make(staff, rooms=rooms or count)
    persons = [
        person_make(
            region=staff.tree["grid_a1"],
            household=household_make(region=staff.tree["grid_a1"], address=f"幸福里{n}号"),
            name=f"李{n}",
        )
        for n in range(count)
    ]
    report = orders_issue(
        actor=staff.epidemiologist,
        persons=persons,
        group="close_contact",
        day0=date(2022, 7, 14),
        reason="密接",
    )
    rooms_allocate(actor=staff.manager, orders=report.created)
    return list(IsolationOrder.objects.filter(pk__in=[o.pk for o in report.created]).order_by("id"))
