"""Builders for supplies tests: staff at district A and B, items, a warehouse with stock and
requests, all through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.actor import Actor
from fangkong.supplies.allocation.services import RequestInput, request_file
from fangkong.supplies.choices import ItemKind
from fangkong.supplies.models import Item, SupplyRequest, Warehouse
from fangkong.supplies.stock.services import item_create, stock_receive, warehouse_create


@dataclass
class Staff:
    officer: Actor
    commander: Actor
    duty: Actor
    grid: Actor
    clinician: Actor
    other_officer: Actor
    tree: dict[str, Any]


def staff_make(tree: dict[str, Any]) -> Staff:
    return Staff(
        officer=actor_make(role=Role.SUPPLIES_OFFICER, region=tree["district_a"]),
        commander=actor_make(role=Role.COMMANDER, region=tree["district_a"]),
        duty=actor_make(role=Role.DUTY_OFFICER, region=tree["district_a"]),
        grid=actor_make(role=Role.GRID_WORKER, region=tree["community_a"]),
        clinician=actor_make(role=Role.CLINICIAN, region=tree["district_a"]),
        other_officer=actor_make(role=Role.SUPPLIES_OFFICER, region=tree["district_b"]),
        tree=tree,
    )


def items_make(staff: Staff) -> dict[str, Item]:
    """Food packs and masks."""
    return {
        "food": item_create(
            actor=staff.officer, sku="food-pack", name="蔬菜包", kind=ItemKind.FOOD, unit="pack"
        ),
        "masks": item_create(
            actor=staff.officer,
            sku="n95",
            name="N95口罩",
            kind=ItemKind.PROTECTIVE,
            unit="box",
        ),
    }


def warehouse_make(
    staff: Staff, items: dict[str, Item], *, stock: dict[str, int] | None = None
) -> Warehouse:
    """A warehouse at district A holding ``stock`` units per item key (one batch each)."""
    warehouse = warehouse_create(
        actor=staff.officer,
        region=staff.tree["district_a"],
        name="朝阳区物资库",
        address="仓库路1号",
    )
    for key, units in (stock or {}).items():
        stock_receive(
            actor=staff.officer,
            warehouse=warehouse,
            item=items[key],
            batch=f"B-{key}",
            quantity=units,
            expires_on=None,
        )
    return warehouse


def request_make(
    staff: Staff,
    *,
    region_key: str,
    day: date,
    lines: list[tuple[Item, int]],
    population: int = 100,
    vulnerable: int = 0,
    facility: bool = False,
) -> SupplyRequest:
    return request_file(
        actor=staff.other_officer if "_b" in region_key else staff.officer,
        region=staff.tree[region_key],
        data=RequestInput(
            day=day,
            population=population,
            vulnerable=vulnerable,
            epidemic_facility=facility,
            lines=lines,
        ),
    )
