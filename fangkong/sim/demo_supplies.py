"""The demo's supplies and essential services (issue 21 §5–6): a district warehouse with the
five key items in stock, today's requests of the demo community's compounds (their residents
counted from the registry, the grid worker's compound with a receiving point), the allocation
proposed and approved by the supplies officer, the grid worker's delivery handed over at the
gate (one door per household of the compound) and most of the grid worker's doors confirmed,
one in six not at home, the rest still to do; priority users of the district registered by
tier and a power shortage plan that keeps the isolation sites and hospitals whole.

Run on a database that already holds the plan (a second demo run): the step is skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from fangkong.core.actor import Actor
from fangkong.people.models import Person
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree
from fangkong.supplies.allocation.services import (
    RequestInput,
    allocation_approve,
    allocation_propose,
    request_file,
)
from fangkong.supplies.choices import ItemKind, PowerTier
from fangkong.supplies.deliveries.selectors import delivery_list, door_list
from fangkong.supplies.deliveries.services import (
    delivery_confirm,
    delivery_hand_over,
    door_delivery_record,
)
from fangkong.supplies.models import Delivery, DoorDelivery, Item, ShortagePlan
from fangkong.supplies.power.services import priority_user_register, shortage_plan_make
from fangkong.supplies.stock.services import (
    item_create,
    receiving_point_create,
    stock_receive,
    warehouse_create,
)

#: sku, name, kind, unit, units per resident a day, units in stock per resident.
ITEMS = (
    ("food-pack", "蔬菜包", ItemKind.FOOD, "pack", 0.4, 1.0),
    ("medicine-kit", "常用药包", ItemKind.MEDICINE, "kit", 0.05, 0.2),
    ("n95", "N95口罩", ItemKind.PROTECTIVE, "box", 0.05, 0.3),
    ("antigen-kit", "抗原检测试剂", ItemKind.TEST_KIT, "box", 0.2, 0.1),
    ("disinfectant", "消毒液", ItemKind.DISINFECTANT, "bottle", 0.05, 0.2),
)
#: name, tier, kW: the district's priority users (有序用电).
USERS = (
    ("区人民医院", PowerTier.HOSPITAL, 2400),
    ("定点医院", PowerTier.HOSPITAL, 1800),
    ("集中隔离点一号", PowerTier.ISOLATION_SITE, 900),
    ("核酸检测实验室", PowerTier.LAB, 600),
    ("自来水厂", PowerTier.UTILITY, 1500),
    ("封控小区", PowerTier.CLOSED_COMPOUND, 800),
    ("蔬菜基地", PowerTier.AGRICULTURE, 700),
    ("工业园区", PowerTier.INDUSTRY, 5000),
)
DEFICIT_KW = 6500
#: Requests filed for this many grids of the demo community (the grid worker's first).
GRIDS = 6


@dataclass(frozen=True)
class DemoSupplies:
    requests: int
    units_allocated: int
    delivered: int
    doors_confirmed: int
    whole: int
    cut: int


def _items(officer: Actor) -> dict[str, Item]:
    have = {item.sku: item for item in Item.objects.filter(sku__in=[i[0] for i in ITEMS])}
    for sku, name, kind, unit, _need, _stock in ITEMS:
        if sku not in have:
            have[sku] = item_create(actor=officer, sku=sku, name=name, kind=kind, unit=unit)
    return have


def _doors_walk(grid_worker: Actor, delivery: Delivery) -> int:
    """The grid worker carries the goods to their doors: two in three confirmed, one in
    six not at home, the rest still to do. Returns the doors confirmed."""
    confirmed = 0
    for n, door in enumerate(door_list(actor=grid_worker, delivery=delivery)):
        if n % 6 == 5:
            continue
        if n % 6 == 4:
            door_delivery_record(
                actor=grid_worker, door=door, status="not_home", reason="敲门无人，改日再送"
            )
            continue
        door_delivery_record(actor=grid_worker, door=door, status="confirmed", note="无接触送达")
        confirmed += 1
    return confirmed


def supplies_run(
    *, places: dict[str, Region], officer: Actor, grid_worker: Actor, commander: Actor, day: date
) -> DemoSupplies | None:
    """The step described in the module docstring; ``None`` when it ran before."""
    district = places["district"]
    if ShortagePlan.objects.filter(region=district).exists():
        return None
    items = _items(officer)
    grids = list(
        Region.objects.filter(
            in_subtree(places["community"].path), level=places["grid"].level
        ).order_by("path")[:GRIDS]
    )
    residents = dict(
        Person.objects.filter(region__in=grids)
        .values_list("region_id")
        .annotate(n=Count("id"))
        .values_list("region_id", "n")
    )
    total = max(sum(residents.values()), 1)
    warehouse = warehouse_create(
        actor=officer, region=district, name=f"{district.name}应急物资库", address="物资储备路1号"
    )
    for sku, _name, _kind, _unit, _need, stock in ITEMS:
        stock_receive(
            actor=officer,
            warehouse=warehouse,
            item=items[sku],
            batch=f"{day:%Y%m%d}-{sku}",
            quantity=max(2 * len(grids), int(total * stock)),
            expires_on=None,
        )
    point = receiving_point_create(
        actor=officer,
        region=places["grid"],
        name=f"{places['grid'].name}物资接收点",
        address="小区东门",
        households=max(1, residents.get(places["grid"].pk, 1) // 2),
    )
    filed = 0
    for n, grid in enumerate(grids):
        people = max(residents.get(grid.pk, 0), 1)
        request_file(
            actor=officer,
            region=grid,
            data=RequestInput(
                day=day,
                population=people,
                vulnerable=people // 12,
                epidemic_facility=n == len(grids) - 1,  # the last serves a health station
                lines=[(items[sku], max(1, int(people * need))) for sku, *_r, need, _s in ITEMS],
                receiving_point=point if grid.pk == places["grid"].pk else None,
            ),
        )
        filed += 1
    allocation = allocation_propose(actor=officer, warehouse=warehouse, day=day)
    allocation_approve(actor=officer, allocation=allocation, reason="生活物资保障专班审批")
    delivered = confirmed = 0
    for delivery in delivery_list(actor=grid_worker, status="picked"):
        delivery_hand_over(actor=grid_worker, delivery=delivery)
        if not DoorDelivery.objects.filter(delivery=delivery).exists():
            delivery_confirm(actor=grid_worker, delivery=delivery, households=0, note="无接触送达")
        else:
            confirmed += _doors_walk(grid_worker, delivery)
        delivered += 1
    street = places["community"].parent or district
    for name, tier, kw in USERS:
        priority_user_register(
            actor=commander, region=street, name=name, tier=tier, demand_kw=kw, address=name
        )
    plan = shortage_plan_make(
        actor=commander, district=district, deficit_kw=DEFICIT_KW, reason="电网检修，用电缺口"
    )
    lines = list(plan.lines.all())
    units = sum(line.allocated for line in allocation.lines.all())
    return DemoSupplies(
        requests=filed,
        units_allocated=units,
        delivered=delivered,
        doors_confirmed=confirmed,
        whole=sum(1 for line in lines if line.cut_kw == 0),
        cut=sum(1 for line in lines if line.cut_kw > 0),
    )
