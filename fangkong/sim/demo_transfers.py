"""The demo's transfer and monitoring step (issue 20 §4, §5): vehicles and a crew at the demo
district, transfer tasks for the district's allocated orders (assigned, some picked up and
delivered), today's checks entered by the site manager, some self-reported through the
persons' own links, and one fever that raises its alert and a transfer to hospital.

When the demo's outbreak has left no open central-quarantine order in the district (the
orders-from-contacts step may not have run), the step first issues orders to up to
``ORDERS_WANTED`` contact candidates of the investigated cases, if the rules in force
quarantine close contacts (the 10th edition does not: then the step registers the vehicles
and the crew and stops), and allocates them rooms at the district's active site (registering
one with ``SITE_ROOMS`` rooms when there is none). Every
write goes through the product's services, as the demo accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from fangkong.core.actor import Actor
from fangkong.isolation.allocation.services import rooms_allocate
from fangkong.isolation.choices import (
    FacilityKind,
    FacilityStatus,
    OrderKind,
    OrderStatus,
    TransferKind,
    TransferStatus,
    VehicleKind,
)
from fangkong.isolation.facilities.services import (
    FacilityInput,
    facility_create,
    facility_transition,
    rooms_import,
)
from fangkong.isolation.models import (
    Facility,
    IsolationOrder,
    TransferCrew,
    TransferTask,
    Vehicle,
)
from fangkong.isolation.monitoring.access import access_resident_link
from fangkong.isolation.monitoring.links import link_token
from fangkong.isolation.monitoring.services import (
    check_record,
    check_self_report,
    resident_link_issue,
)
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.transfers.requesting import transfers_create_for_orders
from fangkong.isolation.transfers.services import (
    crew_create,
    transfer_assign,
    transfer_deliver,
    transfer_pickup,
    vehicle_create,
)
from fangkong.people.models import Person
from fangkong.policy.choices import QuarantineGroup
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.tracing.contacts.models import ContactLink

ORDERS_WANTED = 12
SITE_ROOMS = 60
VEHICLES = (("京AZ0101", VehicleKind.NEGATIVE_PRESSURE, 1), ("京AZ0102", VehicleKind.BUS, 8))


@dataclass(frozen=True)
class TransfersDone:
    orders: int
    tasks: int
    delivered: int
    checks: int
    self_reported: int
    hospital_transfers: int


def _plate_taken(plate: str) -> bool:
    return Vehicle.objects.filter(plate=plate).exists()


def _site(district: Region, manager: Actor, kind: str, name: str, rooms: int) -> Facility:
    found = Facility.objects.filter(
        in_subtree(district.path, field="region__path"), kind=kind, status=FacilityStatus.ACTIVE
    ).first()
    if found is not None:
        return found
    site = facility_create(
        actor=manager, region=district, data=FacilityInput(name=name, kind=kind, address=name)
    )
    facility_transition(
        actor=manager, facility=site, to=FacilityStatus.ACTIVATING, reason="演示启用"
    )
    facility_transition(actor=manager, facility=site, to=FacilityStatus.ACTIVE, reason="演示启用")
    if rooms:
        lines = ["number,floor,beds,own_bathroom,accessible"]
        lines += [
            f"{n:04d},{n // 100 + 1},1,1,{1 if n % 20 == 0 else 0}" for n in range(1, rooms + 1)
        ]
        rooms_import(actor=manager, facility=site, content="\n".join(lines) + "\n")
    return site


def _rules_have_plan(district: Region) -> bool:
    """Whether the rules in force at the district quarantine close contacts (the 10th
    edition does not: then only orders issued under earlier rules are moved)."""
    rules = rules_for(district, timezone.localdate())
    return rules.parameters.plan(QuarantineGroup.CLOSE_CONTACT) is not None


def _orders(district: Region, epidemiologist: Actor, manager: Actor) -> list[IsolationOrder]:
    """The district's open central-quarantine orders, issuing and allocating some first
    when there are none."""
    open_orders = IsolationOrder.objects.filter(
        in_subtree(district.path, field="region__path"),
        status=OrderStatus.OPEN,
        kind=OrderKind.CENTRAL_QUARANTINE,
    )
    if not open_orders.exists():
        person_ids = list(
            ContactLink.objects.filter(in_subtree(district.path, field="region__path"))
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .distinct()[:ORDERS_WANTED]
        )
        persons = list(Person.objects.filter(pk__in=person_ids).select_related("region"))
        if persons and _rules_have_plan(district):
            orders_issue(
                actor=epidemiologist,
                persons=persons,
                group=QuarantineGroup.CLOSE_CONTACT,
                day0=timezone.localdate() - timedelta(days=1),
                reason="演示：病例的密切接触者",
            )
    unplaced = list(open_orders.filter(room__isnull=True)[:500])
    if unplaced:
        rooms_allocate(actor=manager, orders=unplaced)
    return list(open_orders.filter(room__isnull=False).order_by("id")[:200])


def demo_transfers(
    *,
    district: Region,
    dispatcher: Actor,
    manager: Actor,
    epidemiologist: Actor,
    clinician: Actor,
) -> TransfersDone:
    """Run the step (see the module docstring); idempotent enough to run on a reused city:
    vehicles, the crew and tasks under way are found again, not made twice."""
    _site(district, manager, FacilityKind.CENTRAL_SITE, "演示集中隔离点", SITE_ROOMS)
    _site(district, manager, FacilityKind.DESIGNATED_HOSPITAL, "演示定点医院", 0)
    vehicles = [
        vehicle_create(actor=dispatcher, region=district, plate=plate, kind=kind, capacity=seats)
        for plate, kind, seats in VEHICLES
        if not _plate_taken(plate)
    ]
    crew = TransferCrew.objects.filter(region=district).first() or crew_create(
        actor=dispatcher, region=district, name="转运一组", members=[]
    )
    orders = _orders(district, epidemiologist, manager)
    if not orders:
        return TransfersDone(0, 0, 0, 0, 0, 0)
    report = transfers_create_for_orders(orders=orders, actor=manager)
    delivered = 0
    if vehicles:
        bus = vehicles[-1]
        assigned = [
            transfer_assign(actor=dispatcher, task=task, vehicle=bus, crew=crew)
            for task in report.created[: bus.capacity]
        ]
        for task in assigned[: len(assigned) // 2]:
            transfer_deliver(actor=dispatcher, task=transfer_pickup(actor=dispatcher, task=task))
            delivered += 1
    checks = self_reported = 0
    for n, order in enumerate(orders):
        if n % 4 == 3:
            continue  # left missing: today's checks page shows it
        if n % 4 == 2:
            link = resident_link_issue(actor=manager, order=order)
            opened = access_resident_link(link_token(link))  # as the resident's page does
            outcome = check_self_report(order=opened, temperature="36.6", symptoms=[])
            self_reported += int(outcome.created)
        else:
            fever = n == 0
            outcome = check_record(
                actor=clinician if fever else manager,
                order=order,
                temperature="38.2" if fever else "36.5",
                symptoms=["cough"] if fever else [],
            )
            checks += int(outcome.created)
    hospital = TransferTask.objects.filter(
        order__in=orders, kind=TransferKind.TO_HOSPITAL, status=TransferStatus.REQUESTED
    ).count()
    return TransfersDone(
        orders=len(orders),
        tasks=len(report.tasks),
        delivered=delivered,
        checks=checks,
        self_reported=self_reported,
        hospital_transfers=hospital,
    )
