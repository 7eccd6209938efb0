"""The invariants both sides' outputs of the allocation benchmark must hold. See
``bench.allocation``."""

from __future__ import annotations

from typing import Any

from bench.allocation_setup import Setup


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
        cursor.execute(
            "SELECT COUNT(*), COUNT(k.id) FILTER (WHERE k.person_id = o.person_id "  # noqa: S608 - constant names
            "AND k.due_on = t.\"on\" AND k.reason = 'quarantine' AND k.status = 'open') "
            f"FROM {schema}.isolation_ordertesttask t "
            f"JOIN {schema}.isolation_isolationorder o ON o.id = t.order_id "
            f"LEFT JOIN {schema}.lab_retesttask k ON k.id = t.lab_task_id"
        )
        tests, tests_in_lab = cursor.fetchone()
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
    assert tests > 0, "no plan tests were scheduled"
    assert tests_in_lab == tests, "a plan test is not an open lab task of its person on its day"
    return {
        "placed": len(room_of),
        "rooms": len(by_room),
        "groups": len(setup.groups),
        "transfers": int(tasks),
        "tests": int(tests),
    }
