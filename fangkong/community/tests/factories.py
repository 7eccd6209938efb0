"""Builders for community tests: staff of district A (and B), grid workers listed as
responsible persons, households with members, through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.accounts.tests.factories import actor_make
from fangkong.community.choices import ResponsibleKind
from fangkong.community.grids.services import households_assign, responsible_add
from fangkong.community.models import Responsible
from fangkong.core.actor import Actor
from fangkong.people.models import Household, Person
from fangkong.people.tests.factories import household_make, person_make
from fangkong.regions.models import Region


@dataclass
class Staff:
    duty: Actor
    commander: Actor
    dispatcher: Actor
    worker: Actor
    worker_two: Actor
    other_duty: Actor
    tree: dict[str, Any]


def staff_make(tree: dict[str, Any]) -> Staff:
    return Staff(
        duty=actor_make(role=Role.DUTY_OFFICER, region=tree["district_a"]),
        commander=actor_make(role=Role.COMMANDER, region=tree["district_a"]),
        dispatcher=actor_make(role=Role.TRANSFER_DISPATCHER, region=tree["district_a"]),
        worker=actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]),
        worker_two=actor_make(role=Role.GRID_WORKER, region=tree["grid_a1"]),
        other_duty=actor_make(role=Role.DUTY_OFFICER, region=tree["district_b"]),
        tree=tree,
    )


def responsible_of(staff: Staff, worker: Actor) -> Responsible:
    """The grid worker ``worker`` listed as a responsible person at their grid."""
    username = User.objects.get(pk=worker.user_id).username
    return responsible_add(
        actor=staff.duty,
        region=Region.objects.get(pk=worker.region_id),
        kind=ResponsibleKind.GRID_WORKER,
        name="",
        username=username,
    )


def homes_make(
    region: Region, count: int, *, members: int = 2, building: str = "3"
) -> list[Household]:
    """``count`` households at ``region`` in ``building``, each with ``members`` persons."""
    homes = []
    for n in range(count):
        home = household_make(region=region, address=f"幸福里小区{building}号楼1单元{101 + n}")
        for m in range(members):
            person_make(household=home, name=f"居民{n}{'甲乙丙丁'[m % 4]}")
        homes.append(home)
    return homes


def covered_homes(
    staff: Staff, worker: Actor, count: int, **options: Any
) -> tuple[Responsible, list[Household]]:
    """A responsible grid worker answering for ``count`` new households of grid A1."""
    responsible = responsible_of(staff, worker)
    homes = homes_make(staff.tree["grid_a1"], count, **options)
    households_assign(
        actor=staff.duty, responsible=responsible, households=homes, reason="分片包保"
    )
    return responsible, homes


def members_of(home: Household) -> list[Person]:
    return list(Person.objects.filter(household=home).order_by("id"))
