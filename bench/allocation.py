"""``allocation``: isolation intake in bulk — ``--scale`` new orders (default 10,000) into
``ROOMS_PER_ORDER`` × as many rooms (150,000) across up to ``SITES`` sites (60), all in on both
sides, on PostgreSQL (issue 20 §9).

Setup (not timed): a scratch database ``fangkong_bench_allocation`` (dropped afterwards unless
``FANGKONG_BENCH_KEEP`` is set), a synthetic city of 1.3 × ``--scale`` residents loaded through
the bulk path (with its special needs: a disability asks for an accessible room), a city
override that quarantines close contacts centrally as the 9th edition did (today's national
edition has no such plan), an epidemiologist and an isolation-site manager over the city made
through ``accounts.services``, and the sites registered, activated and given their rooms through
the facility services (room files of at most 10,000 rooms): 1,000–6,000 rooms each in
proportion, 85 % single rooms, 10 % with two beds, 5 % with three, 4 % accessible, 3 % without
their own bathroom. The orders are for the first ``--scale`` residents; a household's chosen
members with a minor among them form a declared group (a minor with a guardian, a carer with
dependants) of at most three who share one room.

Ours, timed, all in: the persons read as the API reads them, orders issued by
``orders.services.orders_issue`` (close contacts, day 0 yesterday, in calls of ``BULK_MAX``:
plans from the rule set, test tasks, history, audit), rooms allocated by
``allocation.services.rooms_allocate`` (in calls of ``ALLOCATE_MAX`` that never split a group:
the engine's choice, the rooms locked in ascending id, conditional updates, history, audit),
each call committed, then the closed-loop transfer task of every placed order
(``transfers.requesting.transfers_create_for_orders``: pickup at home, the room's site as
destination, the rule set's pickup window, history and audit).

Baseline, timed, all in: what a capable engineer would write without Fangkong, on the same
PostgreSQL into the schema ``bench_allocation`` (tables ``LIKE`` ours, with their indexes and
the rooms copied before each repeat): the plan computed once from the same rule set, the orders
and their test tasks written by ``COPY``, the free rooms read once, a greedy assignment in NumPy
(accessible rooms to those who need them, groups to rooms with enough beds, persons alone to
single rooms with their own bathroom, sites taken round-robin so load spreads), applied by
``COPY`` into a temporary table and two ``UPDATE … FROM``, the transfer tasks by one
``INSERT … SELECT`` over the placed orders; one transaction. It writes no history or audit
rows (ours does).

Both outputs are checked against the same invariants: every person placed, no room holding two
units, never more persons than beds, a group in one room, accessible rooms for those who need
them, a person alone in a room with its own bathroom, exactly the used rooms marked occupied,
one transfer task to its site per placed order.
Headline ``ratio`` = ours all-in ÷ baseline all-in (target ≤ 2; ours ≤ 10 s at 10,000).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from bench.harness import Report, Timing

DATABASE = "fangkong_bench_allocation"
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


def _configure(database: str) -> Any:
    if not database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("allocation runs on PostgreSQL: pass --database postgres://…")
    import psycopg

    base = database.rsplit("/", 1)[0]
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = f"{base}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    def cleanup() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(database, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    return cleanup


def run(args: argparse.Namespace) -> Report:
    cleanup = _configure(args.database)
    try:
        setup = prepare(args.scale)
        return report_make(setup, [round_run(setup) for _ in range(args.repeat)])
    finally:
        if os.environ.get("FANGKONG_BENCH_KEEP"):
            print(f"kept the database {DATABASE} (FANGKONG_BENCH_KEEP)", file=sys.stderr)
        else:
            cleanup()


# --------------------------------------------------------------------------- setup


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
    _baseline_schema()
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
)
#: Our order tables, emptied before each repeat (children first).
ORDER_TABLES = (
    "isolation_transferevent",
    "isolation_transfertask",
    "isolation_ordersource",
    "isolation_orderevent",
    "isolation_ordertesttask",
    "isolation_isolationorder",
)


def _baseline_schema() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {BASELINE} CASCADE")
        cursor.execute(f"CREATE SCHEMA {BASELINE}")
        for table in TABLES:
            cursor.execute(f"CREATE TABLE {BASELINE}.{table} (LIKE public.{table} INCLUDING ALL)")


def _reset() -> None:
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


# --------------------------------------------------------------------------- ours


def _units_in_calls(setup: Setup, limit: int) -> list[list[int]]:
    """Positions in calls of at most ``limit`` that never split a declared group."""
    grouped = {p for members in setup.groups for p in members}
    units = [list(members) for members in setup.groups]
    units += [[p] for p in range(len(setup.person_ids)) if p not in grouped]
    calls: list[list[int]] = [[]]
    for unit in units:
        if len(calls[-1]) + len(unit) > limit:
            calls.append([])
        calls[-1].extend(unit)
    return [call for call in calls if call]


def _transfer_tasks(placed: list[Any], actor: Any) -> int:
    """The closed-loop transfer task of each placed order (pickup at home, the room's site as
    destination, the rule set's pickup window) through ``transfers_create_for_orders``, in
    calls of its ``BULK_MAX``; returns how many it created."""
    from fangkong.isolation.transfers.requesting import BULK_MAX, transfers_create_for_orders

    orders = [order for order, _room in placed]
    created = 0
    for start in range(0, len(orders), BULK_MAX):
        report = transfers_create_for_orders(orders=orders[start : start + BULK_MAX], actor=actor)
        created += len(report.created)
    return created


def ours(setup: Setup) -> dict[str, Any]:
    """Our path, timed by parts; returns the figures and the order ids by position."""
    from fangkong.isolation.allocation.services import ALLOCATE_MAX, rooms_allocate
    from fangkong.isolation.orders.services import BULK_MAX, orders_issue
    from fangkong.people.models import Person

    started = time.perf_counter()
    found = Person.objects.select_related("region").in_bulk(setup.person_ids)
    persons = [found[pk] for pk in setup.person_ids]
    orders: list[Any] = []
    for start in range(0, len(persons), BULK_MAX):
        report = orders_issue(
            actor=setup.epidemiologist,
            persons=persons[start : start + BULK_MAX],
            group=GROUP,
            day0=setup.day0,
            reason=REASON,
        )
        if report.existing:
            raise SystemExit("orders existed before the repeat")
        orders.extend(report.created)
    issued = time.perf_counter()
    group_of = {p: n for n, members in enumerate(setup.groups) for p in members}
    placed: list[Any] = []
    unplaced = 0
    for call in _units_in_calls(setup, ALLOCATE_MAX):
        together: dict[int, list[str]] = {}
        for p in call:
            if p in group_of:
                together.setdefault(group_of[p], []).append(str(orders[p].code))
        allocation = rooms_allocate(
            actor=setup.manager,
            orders=[orders[p] for p in call],
            together=list(together.values()),
        )
        placed.extend(allocation.placed)
        unplaced += len(allocation.unplaced)
    allocated = time.perf_counter()
    transfers = _transfer_tasks(placed, setup.manager)
    finished = time.perf_counter()
    return {
        "issue_s": issued - started,
        "allocate_s": allocated - issued,
        "transfers_s": finished - allocated,
        "total": finished - started,
        "transfers": transfers,
        "unplaced": unplaced,
        "order_ids": [o.pk for o in orders],
    }


# --------------------------------------------------------------------------- baseline


def _copy(cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def _greedy(
    rooms: np.ndarray[Any, Any], unit_size: np.ndarray[Any, Any], unit_needs: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """A room index per unit (-1: none): rooms in round-robin order over the sites (each
    site's rooms by id, the first of every site, then the second, …); accessible needers
    first, then groups by size, then persons alone, each taking the first eligible free rooms
    in that order. ``rooms`` columns: id, facility, beds, accessible, own bathroom."""
    facility = rooms[:, 1]
    order = np.lexsort((rooms[:, 0], facility))
    sorted_facility = facility[order]
    first_of = np.searchsorted(sorted_facility, sorted_facility)
    rank = np.empty(len(rooms), dtype=np.int64)
    rank[order] = np.arange(len(rooms)) - first_of
    spread = np.lexsort((facility, rank))
    beds, accessible, bath = rooms[spread, 2], rooms[spread, 3] > 0, rooms[spread, 4] > 0
    free = np.ones(len(rooms), dtype=bool)
    answer = np.full(len(unit_size), -1, dtype=np.int64)
    classes = [(True, s) for s in (3, 2, 1)] + [(False, s) for s in (3, 2, 1)]
    for needs, size in classes:
        units = np.flatnonzero((unit_needs == needs) & (unit_size == size))
        if units.size == 0:
            continue
        eligible = free & (beds >= size)
        eligible &= accessible if needs else ~accessible
        if size == 1:
            eligible &= bath & (beds == 1)
        candidates = np.flatnonzero(eligible)
        if candidates.size < units.size and size == 1 and not needs:
            extra = np.flatnonzero(free & bath & ~eligible)  # then larger or accessible rooms
            candidates = np.concatenate([candidates, extra])
        take = candidates[: units.size]
        answer[units[: take.size]] = spread[take]
        free[take] = False
    return answer


def baseline(setup: Setup) -> dict[str, Any]:
    """The same intake as one transaction of ``COPY`` and set-based SQL with a NumPy greedy
    assignment; timed by parts; returns the figures and the order ids by position."""
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.policy.rules import quarantine_test_dates
    from fangkong.policy.selectors import rules_for

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, region_id FROM people_person WHERE id = ANY(%s) ORDER BY id",
            [setup.person_ids],
        )
        region_of = dict(cursor.fetchall())
        rules = rules_for(setup.root, timezone.localdate())
        plan = rules.parameters.plan(GROUP)
        if plan is None:
            raise SystemExit("no plan for close contacts")
        tests = quarantine_test_dates(plan, setup.day0)
        central_until = setup.day0 + timedelta(days=plan.central_days)
        release_on = setup.day0 + timedelta(days=plan.total_days)
        plan_json = json.dumps(plan.model_dump(mode="json"), ensure_ascii=False)
        now = timezone.now().isoformat()
        orders = [
            (
                n + 1,
                uuid.uuid4(),
                pk,
                region_of[pk],
                "central_quarantine",
                GROUP,
                "open",
                setup.day0,
                central_until,
                release_on,
                plan_json,
                rules.label,
                "baseline",
                now,
                REASON,
                now,
                now,
                1,
            )
            for n, pk in enumerate(setup.person_ids)
        ]
        _copy(
            cursor,
            f"{BASELINE}.isolation_isolationorder",
            'id, code, person_id, region_id, kind, "group", status, day0, central_until, '
            "release_on, plan, rule_set, issued_by, issued_at, reason, created_at, updated_at, "
            "version",
            orders,
        )
        _copy(
            cursor,
            f"{BASELINE}.isolation_ordertesttask",
            'order_id, phase, day, "on", double_sampling, swab_site, status, rule_set',
            [
                (
                    n + 1,
                    t.phase,
                    t.day,
                    t.on,
                    t.double_sampling,
                    t.swab_site,
                    "scheduled",
                    rules.label,
                )
                for n in range(len(orders))
                for t in tests
            ],
        )
        written = time.perf_counter()
        cursor.execute(
            "SELECT person_id FROM people_personneed WHERE kind = 'disability' "
            "AND person_id = ANY(%s)",
            [setup.person_ids],
        )
        needing = {pk for (pk,) in cursor.fetchall()}
        cursor.execute(
            f"SELECT r.id, r.facility_id, r.beds, r.accessible::int, r.own_bathroom::int "  # noqa: S608 - constant names
            f"FROM {BASELINE}.isolation_room r JOIN isolation_facility f ON f.id = r.facility_id "
            "WHERE r.status = 'free' AND r.ready_at IS NOT NULL "
            "AND f.status IN ('active', 'activating')"
        )
        rooms = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 5)
        unit_of = np.arange(len(setup.person_ids))
        units = len(setup.person_ids)
        for members in setup.groups:
            unit_of[members] = units
            units += 1
        _present, unit_of = np.unique(unit_of, return_inverse=True)
        size = np.bincount(unit_of)
        needs = np.zeros(size.size, dtype=bool)
        person_needs = np.array([pk in needing for pk in setup.person_ids], dtype=bool)
        np.logical_or.at(needs, unit_of, person_needs)
        chosen = _greedy(rooms, size, needs)
        room_of_person = np.where(chosen[unit_of] >= 0, rooms[chosen[unit_of], 0], -1)
        assigned = [
            (n + 1, int(room)) for n, room in enumerate(room_of_person.tolist()) if room >= 0
        ]
        cursor.execute("DROP TABLE IF EXISTS pick")  # a test runs two repeats in one transaction
        cursor.execute(
            "CREATE TEMPORARY TABLE pick (order_id bigint, room_id bigint) ON COMMIT DROP"
        )
        _copy(cursor, "pick", "order_id, room_id", assigned)
        cursor.execute(
            f"UPDATE {BASELINE}.isolation_room r "  # noqa: S608 - constant names
            "SET status = 'occupied' FROM (SELECT DISTINCT room_id FROM pick) p "
            "WHERE r.id = p.room_id AND r.status = 'free'"
        )
        cursor.execute(
            f"UPDATE {BASELINE}.isolation_isolationorder o "  # noqa: S608 - constant names
            "SET room_id = p.room_id, version = o.version + 1 FROM pick p WHERE o.id = p.order_id"
        )
        allocated = time.perf_counter()
        window = rules.parameters.transfers.pickup_window_minutes
        cursor.execute(
            f"INSERT INTO {BASELINE}.isolation_transfertask "  # noqa: S608 - constant names
            "(created_at, updated_at, version, code, person_id, order_id, region_id, kind, "
            "status, pickup_address, destination, destination_facility_id, window_start, "
            "window_end, reason, rule_set, requested_by, cancelled_reason) "
            "SELECT now(), now(), 1, gen_random_uuid(), o.person_id, o.id, o.region_id, "
            "'to_site', 'requested', left(coalesce(nullif(h.address, ''), pr.name), 255), "
            "left(f.address || ' · ' || r.number, 255), f.id, now(), "
            "now() + make_interval(mins => %s), %s, o.rule_set, 'baseline', '' "
            f"FROM {BASELINE}.isolation_isolationorder o "
            f"JOIN {BASELINE}.isolation_room r ON r.id = o.room_id "
            "JOIN isolation_facility f ON f.id = r.facility_id "
            "JOIN people_person p ON p.id = o.person_id "
            "JOIN regions_region pr ON pr.id = p.region_id "
            "LEFT JOIN people_household h ON h.id = p.household_id",
            [window, "Central quarantine"],
        )
        transfers = cursor.rowcount
    finished = time.perf_counter()
    return {
        "write_s": written - started,
        "allocate_s": allocated - written,
        "transfers_s": finished - allocated,
        "transfers": transfers,
        "total": finished - started,
        "unplaced": int((room_of_person < 0).sum()),
    }


# --------------------------------------------------------------------------- checks


def invariants(setup: Setup, schema: str) -> dict[str, int]:
    """Check one side's output in the database; returns its answer (persons placed, rooms
    used, groups kept together). Raises ``AssertionError`` naming the broken invariant."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.person_id, o.room_id, r.beds, r.accessible, r.own_bathroom, r.status "  # noqa: S608 - constant names
            f"FROM {schema}.isolation_isolationorder o "
            f"LEFT JOIN {schema}.isolation_room r ON r.id = o.room_id"
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT person_id FROM people_personneed WHERE kind = 'disability' "
            "AND person_id = ANY(%s)",
            [setup.person_ids],
        )
        needing = {pk for (pk,) in cursor.fetchall()}
        cursor.execute(f"SELECT COUNT(*) FROM {schema}.isolation_room WHERE status = 'occupied'")  # noqa: S608 - constant names
        occupied = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT COUNT(*), COUNT(DISTINCT t.order_id), "  # noqa: S608 - constant names
            "COUNT(*) FILTER (WHERE t.destination_facility_id = r.facility_id "
            "AND t.kind = 'to_site' AND t.status = 'requested') "
            f"FROM {schema}.isolation_transfertask t "
            f"JOIN {schema}.isolation_isolationorder o ON o.id = t.order_id "
            f"JOIN {schema}.isolation_room r ON r.id = o.room_id"
        )
        tasks, task_orders, to_site = cursor.fetchone()
    unit_of = {setup.person_ids[p]: n for n, members in enumerate(setup.groups) for p in members}
    by_room: dict[int, list[tuple[Any, ...]]] = {}
    room_of: dict[int, int] = {}
    for row in rows:
        person, room = row[0], row[1]
        assert room is not None, "a person was left without a room"
        assert row[5] == "occupied", "a used room is not marked occupied"
        by_room.setdefault(room, []).append(row)
        room_of[person] = room
        assert person not in needing or row[3], "a person who needs one has no accessible room"
    assert len(rows) == len(setup.person_ids), "not every person got an order"
    for room, members in by_room.items():
        assert len(members) <= members[0][2], f"room {room} holds more persons than beds"
        units = {unit_of.get(m[0], ("alone", m[0])) for m in members}
        assert len(units) == 1, f"room {room} holds two units (double booking)"
        if len(members) == 1 and unit_of.get(members[0][0]) is None:
            assert members[0][4], "a person alone got a room without its own bathroom"
    for group in setup.groups:
        shared = {room_of[setup.person_ids[p]] for p in group}
        assert len(shared) == 1, "a declared group was split"
    assert occupied == len(by_room), "rooms marked occupied differ from the rooms used"
    assert tasks == task_orders == len(rows), "not one transfer task per placed order"
    assert to_site == tasks, "a transfer task does not go to its order's site"
    return {
        "placed": len(room_of),
        "rooms": len(by_room),
        "groups": len(setup.groups),
        "transfers": int(tasks),
    }


# --------------------------------------------------------------------------- report


@dataclass
class Round:
    ours: dict[str, Any]
    baseline: dict[str, Any]
    answers: dict[str, dict[str, int]]


def round_run(setup: Setup) -> Round:
    """One repeat: reset, ours, the baseline, both checked; the same answer or it fails."""
    _reset()
    mine = ours(setup)
    theirs = baseline(setup)
    answers = {"ours": invariants(setup, "public"), "baseline": invariants(setup, BASELINE)}
    if answers["ours"] != answers["baseline"]:
        raise SystemExit(f"the answers differ: {answers}")
    return Round(mine, theirs, answers)


def report_make(setup: Setup, rounds: list[Round]) -> Report:
    orders = len(setup.person_ids)
    ours_t = Timing("ours all-in", [r.ours["total"] for r in rounds])
    base_t = Timing("baseline all-in", [r.baseline["total"] for r in rounds])
    parts = {
        "issue": Timing("ours: orders issued", [r.ours["issue_s"] for r in rounds]),
        "allocate": Timing("ours: rooms allocated", [r.ours["allocate_s"] for r in rounds]),
        "transfers": Timing("ours: transfer tasks", [r.ours["transfers_s"] for r in rounds]),
        "base_write": Timing("baseline: orders written", [r.baseline["write_s"] for r in rounds]),
        "base_allocate": Timing(
            "baseline: rooms assigned", [r.baseline["allocate_s"] for r in rounds]
        ),
    }
    report = Report(name="allocation", scale=orders)
    answer = rounds[-1].answers["ours"]
    report.rows = [
        ("orders / rooms / sites", f"{orders:,} / {setup.rooms:,} / {setup.sites}"),
        ("declared groups", f"{len(setup.groups):,}"),
        ("setup (not timed)", f"{setup.seconds:.1f} s"),
        (ours_t.label, ours_t.text()),
        *[(t.label, t.text()) for t in parts.values()],
        (base_t.label, base_t.text()),
        ("placed / rooms used", f"{answer['placed']:,} / {answer['rooms']:,}"),
        ("transfer tasks", f"{answer['transfers']:,}"),
    ]
    report.figures = {
        "ours_s": ours_t.median,
        "baseline_s": base_t.median,
        "issue_s": parts["issue"].median,
        "allocate_s": parts["allocate"].median,
        "transfers_s": parts["transfers"].median,
        "orders": orders,
        "rooms": setup.rooms,
        "sites": setup.sites,
    }
    report.ratio = ours_t.median / base_t.median
    return report
