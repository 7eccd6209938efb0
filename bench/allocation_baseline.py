"""The allocation benchmark's baseline: what a capable engineer would write without Fangkong —
one transaction of ``COPY`` and set-based SQL with a greedy assignment in NumPy, into the
schema ``BASELINE``. See ``bench.allocation``."""

from __future__ import annotations

import io
import json
import time
import uuid
from datetime import timedelta
from typing import Any

import numpy as np

from bench.allocation_setup import BASELINE, GROUP, REASON, Setup


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
        # each scheduled test is a lab task of the person (sampled at the site in the central
        # phase, at home after), linked from the test: as the product's intake writes them
        cursor.execute(
            'WITH t AS (SELECT t.id AS test_id, o.person_id, o.region_id, t."on", t.phase, '  # noqa: S608 - constant names
            "t.rule_set, nextval(pg_get_serial_sequence('lab_retesttask', 'id')) AS task_id "
            f"FROM {BASELINE}.isolation_ordertesttask t "
            f"JOIN {BASELINE}.isolation_isolationorder o ON o.id = t.order_id), "
            f"ins AS (INSERT INTO {BASELINE}.lab_retesttask (id, created_at, updated_at, "
            "version, code, person_id, region_id, reason, status, outcome, rule_set, due_on, "
            "place) SELECT task_id, now(), now(), 1, gen_random_uuid(), person_id, region_id, "
            "'quarantine', 'open', '', rule_set, \"on\", "
            "CASE WHEN phase = 'central' THEN 'site' ELSE 'home' END FROM t) "
            f"UPDATE {BASELINE}.isolation_ordertesttask x SET lab_task_id = t.task_id "
            "FROM t WHERE x.id = t.test_id"
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
            "window_end, reason, rule_set, requested_by, cancelled_reason, source) "
            "SELECT now(), now(), 1, gen_random_uuid(), o.person_id, o.id, o.region_id, "
            "'to_site', 'requested', left(coalesce(nullif(h.address, ''), pr.name), 255), "
            "left(f.address || ' · ' || r.number, 255), f.id, now(), "
            "now() + make_interval(mins => %s), %s, o.rule_set, 'baseline', '', '' "
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
