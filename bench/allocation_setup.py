"""The allocation benchmark's setup (not timed): the synthetic city, the central-quarantine
override, the staff, the sites with their rooms, the chosen persons and their declared groups,
and the baseline's schema; the reset before each repeat. See ``bench.allocation``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

BASELINE = "bench_allocation"
SEED = 20
#: Rooms per order (150,000 rooms for 10,000 orders) and the most sites.
ROOMS_PER_ORDER = 15
SITES = 60
#: Site sizes (rooms) at full scale.
SITE_ROOMS = (1_000, 6_000)
#: Rooms per room file (the import service's cap).
FILE_ROOMS = 10_000
GROUP = "close_contact"
REASON = "基准测试：密接集中隔离"


@dataclass
class Setup:
    """The actors, the persons to order (ids in order, their declared groups as lists of
    positions), the rule set's plan and the sizes."""

    epidemiologist: Any
    manager: Any
    root: Any
    person_ids: list[int]
    groups: list[list[int]]
    rooms: int
    sites: int
    day0: date
    seconds: float


def _site_sizes(rooms: int, rng: np.random.Generator) -> list[int]:
    """Up to ``SITES`` sites of 1,000–6,000 rooms in proportion (smaller at small scales),
    summing to ``rooms``."""
    sites = max(1, min(SITES, rooms // 2_500))
    weights = rng.uniform(SITE_ROOMS[0], SITE_ROOMS[1], size=sites)
    sizes = np.floor(weights / weights.sum() * rooms).astype(np.int64)
    sizes[: rooms - int(sizes.sum())] += 1
    return [int(s) for s in sizes]


def _room_files(count: int, rng: np.random.Generator) -> list[str]:
    beds = rng.choice([1, 2, 3], size=count, p=[0.85, 0.10, 0.05])
    accessible = rng.random(count) < 0.04
    own_bathroom = rng.random(count) >= 0.03
    files = []
    for start in range(0, count, FILE_ROOMS):
        lines = ["number,floor,beds,own_bathroom,accessible"]
        for n in range(start, min(count, start + FILE_ROOMS)):
            lines.append(
                f"{n + 1:05d},{n // 100 + 1},{beds[n]},{int(own_bathroom[n])},{int(accessible[n])}"
            )
        files.append("\n".join(lines) + "\n")
    return files


def _groups(persons: Sequence[tuple[int, int | None, date | None]], today: date) -> list[list[int]]:
    """Positions of the chosen persons who share a room: a household's chosen members with a
    minor (under 18) among them, at most three to a group."""
    by_household: dict[int, list[int]] = {}
    for position, (_pk, household, _born) in enumerate(persons):
        if household is not None:
            by_household.setdefault(household, []).append(position)
    adult = today.replace(year=today.year - 18)
    groups = []
    for members in by_household.values():
        chosen = members[:3]
        minors = [p for p in chosen if (persons[p][2] or date.min) > adult]
        if len(chosen) > 1 and minors:
            groups.append(chosen)
    return groups


def prepare(orders: int, *, rooms: int | None = None) -> Setup:
    """Load the city, the rules, the staff and the sites with their rooms (not timed), and an
    empty baseline schema with the rooms' table copied."""
    from bench.staff import staff_make
    from fangkong.accounts.choices import Role
    from fangkong.core.actor import SYSTEM
    from fangkong.isolation.choices import FacilityKind, FacilityStatus
    from fangkong.isolation.facilities.services import (
        FacilityInput,
        facility_create,
        facility_transition,
        rooms_import,
    )
    from fangkong.people.models import Person
    from fangkong.policy.selectors import rules_for
    from fangkong.policy.services import rule_set_override_create
    from fangkong.regions.choices import RegionLevel
    from fangkong.regions.models import Region
    from fangkong.sim.city import city_generate
    from fangkong.sim.load import city_load

    started = time.perf_counter()
    today = date.today()
    rng = np.random.default_rng(SEED)
    city = city_generate(residents=int(orders * 1.3) + 50, seed=SEED, as_of=today)
    city_load(city, actor=SYSTEM)
    root = Region.objects.filter(level=RegionLevel.CITY).order_by("path").first()
    if root is None:
        raise SystemExit("the synthetic city has no city node")
    ninth_rules = rules_for(root, date(2022, 7, 15)).parameters
    ninth = ninth_rules.plan(GROUP)
    if ninth is None:
        raise SystemExit("the 9th edition has no close-contact plan")
    rule_set_override_create(
        actor=SYSTEM,
        key="bench-central-quarantine",
        region=root,
        name_zh="基准测试密接集中隔离",
        name_en="Benchmark central quarantine of close contacts",
        effective_from=today - timedelta(days=1),
        parameters={
            "contacts": ninth_rules.contacts.model_dump(mode="json"),
            "quarantine": {GROUP: ninth.model_dump(mode="json")},
        },
        reason="allocation benchmark: close contacts quarantined centrally (9th edition)",
    )
    epidemiologist = staff_make(
        role=Role.EPIDEMIOLOGIST, region=root, username="bench-epidemiologist"
    )
    manager = staff_make(role=Role.ISOLATION_MANAGER, region=root, username="bench-manager")
    total_rooms = rooms if rooms is not None else orders * ROOMS_PER_ORDER
    sizes = _site_sizes(total_rooms, rng)
    for number, size in enumerate(sizes):
        facility = facility_create(
            actor=manager,
            region=root,
            data=FacilityInput(
                name=f"基准隔离点{number + 1:02d}",
                kind=FacilityKind.CENTRAL_SITE,
                address=f"基准路{number + 1}号",
                latitude=31.0 + float(rng.uniform(0, 0.5)),
                longitude=121.2 + float(rng.uniform(0, 0.5)),
            ),
        )
        for to in (FacilityStatus.ACTIVATING, FacilityStatus.ACTIVE):
            facility_transition(actor=manager, facility=facility, to=to, reason="基准测试启用")
        for content in _room_files(size, rng):
            rooms_import(actor=manager, facility=facility, content=content)
    chosen = list(
        Person.objects.order_by("id").values_list("id", "household_id", "birth_date")[:orders]
    )
    baseline_schema()
    return Setup(
        epidemiologist=epidemiologist,
        manager=manager,
        root=root,
        person_ids=[pk for pk, _h, _b in chosen],
        groups=_groups(chosen, today),
        rooms=total_rooms,
        sites=len(sizes),
        day0=today - timedelta(days=1),
        seconds=time.perf_counter() - started,
    )


TABLES = (
    "isolation_isolationorder",
    "isolation_ordertesttask",
    "isolation_room",
    "isolation_transfertask",
    "lab_retesttask",
)
#: Our order tables, emptied before each repeat (children first).
ORDER_TABLES = (
    "isolation_transferevent",
    "isolation_transfertask",
    "isolation_ordersource",
    "isolation_orderevent",
    "isolation_ordertesttask",
    "isolation_isolationorder",
    "lab_retesttask",
)


def baseline_schema() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {BASELINE} CASCADE")
        cursor.execute(f"CREATE SCHEMA {BASELINE}")
        for table in TABLES:
            cursor.execute(f"CREATE TABLE {BASELINE}.{table} (LIKE public.{table} INCLUDING ALL)")


def reset() -> None:
    """Before a repeat (not timed): no orders on either side, every room free again, the
    baseline's rooms a fresh copy of ours."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # DELETE, not TRUNCATE: inside a test's transaction deferred foreign-key checks are
        # still pending on these tables
        for table in ORDER_TABLES:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
        cursor.execute("UPDATE isolation_room SET status = 'free' WHERE status <> 'free'")
        for table in TABLES:
            cursor.execute(f"TRUNCATE {BASELINE}.{table}")
        cursor.execute(f"INSERT INTO {BASELINE}.isolation_room SELECT * FROM isolation_room")  # noqa: S608 - constant names
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE isolation_room")
        cursor.execute(f"ANALYZE {BASELINE}.isolation_room")
