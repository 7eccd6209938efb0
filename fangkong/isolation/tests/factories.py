"""Builders for isolation tests: staff at district A and B, facilities with rooms through the
services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.actor import Actor
from fangkong.isolation.choices import FacilityKind, FacilityStatus
from fangkong.isolation.facilities.services import (
    FacilityInput,
    facility_create,
    facility_transition,
    rooms_import,
)
from fangkong.isolation.models import Facility


@dataclass
class Staff:
    manager: Actor
    commander: Actor
    epidemiologist: Actor
    grid: Actor
    other_manager: Actor
    other_epidemiologist: Actor
    tree: dict[str, Any]


def staff_make(tree: dict[str, Any]) -> Staff:
    return Staff(
        manager=actor_make(role=Role.ISOLATION_MANAGER, region=tree["district_a"]),
        commander=actor_make(role=Role.COMMANDER, region=tree["district_a"]),
        epidemiologist=actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"]),
        grid=actor_make(role=Role.GRID_WORKER, region=tree["district_a"]),
        other_manager=actor_make(role=Role.ISOLATION_MANAGER, region=tree["district_b"]),
        other_epidemiologist=actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_b"]),
        tree=tree,
    )


def rooms_csv(count: int, *, start: int = 1, accessible_every: int = 0, beds: int = 1) -> str:
    lines = ["number,floor,beds,own_bathroom,accessible"]
    for n in range(start, start + count):
        accessible = "1" if accessible_every and n % accessible_every == 0 else "0"
        lines.append(f"{n:04d},{n // 100 + 1},{beds},1,{accessible}")
    return "\n".join(lines) + "\n"


def facility_make(
    staff: Staff,
    *,
    name: str = "朝阳区集中隔离点",
    rooms: int = 10,
    active: bool = True,
    region_key: str = "district_a",
    latitude: float = 39.92,
    longitude: float = 116.44,
    kind: str = FacilityKind.CENTRAL_SITE,
    accessible_every: int = 0,
) -> Facility:
    """A facility with ``rooms`` single rooms with their own bathroom, active (and its rooms
    ready) unless ``active`` is false."""
    manager = staff.manager if region_key == "district_a" else staff.other_manager
    facility = facility_create(
        actor=manager,
        region=staff.tree[region_key],
        data=FacilityInput(
            name=name, kind=kind, address="朝阳路1号", latitude=latitude, longitude=longitude
        ),
    )
    if active:
        facility_transition(
            actor=manager, facility=facility, to=FacilityStatus.ACTIVATING, reason="启用"
        )
        facility_transition(
            actor=manager, facility=facility, to=FacilityStatus.ACTIVE, reason="启用完成"
        )
    if rooms:
        rooms_import(
            actor=manager,
            facility=facility,
            content=rooms_csv(rooms, accessible_every=accessible_every),
        )
    facility.refresh_from_db()
    return facility
