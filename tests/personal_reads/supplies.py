"""Supplies: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from tests.personal_reads.world import Call

#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "GET /api/v1/supplies/allocations": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/allocations/{code}": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/cover": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/deliveries": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "GET /api/v1/supplies/deliveries/{code}": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "GET /api/v1/supplies/figures/{region_code}": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/incidents": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "GET /api/v1/supplies/items": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/priority-users": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "GET /api/v1/supplies/receiving-points": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/requests": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "GET /api/v1/supplies/requests/{code}": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "GET /api/v1/supplies/shortage-plans/{code}": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "GET /api/v1/supplies/warehouses": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "GET /api/v1/supplies/warehouses/{code}": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/allocations/{code}/approve": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/allocations/{code}/cancel": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/deliveries/{code}/confirm": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "POST /api/v1/supplies/deliveries/{code}/hand-over": (
        "a delivery to a compound's receiving point: counts of goods and households, no person"
    ),
    "POST /api/v1/supplies/doors/{code}": (
        "a door delivery's state, note and reason; its household is not named"
    ),
    "POST /api/v1/supplies/incidents": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/incidents/{code}/resolve": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/items": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/priority-users": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/receiving-points": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/requests": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "POST /api/v1/supplies/requests/import": (
        "a compound's or district's need lines and population counts; no person"
    ),
    "POST /api/v1/supplies/shortage-plans": (
        "priority sites and their service incidents: places, tiers, staff owners; no resident"
    ),
    "POST /api/v1/supplies/warehouses": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/warehouses/{code}/allocations": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/warehouses/{code}/issues": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
    "POST /api/v1/supplies/warehouses/{code}/receipts": (
        "supplies: items, warehouses, stock, allocations and figures; no person"
    ),
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {}
