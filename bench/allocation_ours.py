"""Our side of the allocation benchmark, timed by parts: orders issued, rooms allocated and
transfer tasks created through the product's services, each call committed. See
``bench.allocation``."""

from __future__ import annotations

import time
from typing import Any

from bench.allocation_setup import GROUP, REASON, Setup


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
    found = Person.objects.select_related("region").filter(pk__ids_in=setup.person_ids).in_bulk()
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
