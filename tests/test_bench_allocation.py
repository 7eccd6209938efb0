"""The allocation benchmark's path at a tiny scale on the test database (issue 20 §9): ours
issues the orders and allocates the rooms through the services, the COPY + NumPy baseline does
the same work into its own schema, both pass the same invariants with the same answer, and
the headline is all-in on both sides."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.slow  # about 15 s: a city of 310 loaded, 3,000 rooms imported, one round
@pytest.mark.django_db
def test_a_tiny_intake_runs_all_in_on_both_sides_with_the_same_answers():
    if connection.vendor != "postgresql":
        pytest.skip("the allocation benchmark and its SQL baseline run on PostgreSQL")
    from bench.allocation import BASELINE, invariants, prepare, report_make, round_run
    from fangkong.core.models import AuditEntry
    from fangkong.isolation.models import IsolationOrder, OrderTestTask, Room

    setup = prepare(200, rooms=3_000)
    assert setup.groups  # households with minors make declared groups
    done = round_run(setup)
    again = round_run(setup)  # a repeat starts from free rooms and no orders
    for attempt in (done, again):
        assert attempt.answers["ours"] == attempt.answers["baseline"]
        assert attempt.answers["ours"]["placed"] == 200
        assert attempt.ours["total"] == pytest.approx(
            attempt.ours["issue_s"] + attempt.ours["allocate_s"] + attempt.ours["transfers_s"]
        )
        assert attempt.baseline["total"] >= attempt.baseline["write_s"] > 0
    # ours went the product's way: orders with their plan's tests, rooms taken, audited
    assert IsolationOrder.objects.count() == 200
    assert not IsolationOrder.objects.filter(room__isnull=True).exists()
    assert OrderTestTask.objects.count() == 200 * 6
    assert Room.objects.filter(status="occupied").count() == again.answers["ours"]["rooms"]
    assert AuditEntry.objects.filter(action="room_allocate").count() >= 400
    # the baseline wrote the same rows into its own tables
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {BASELINE}.isolation_ordertesttask")  # noqa: S608
        assert cursor.fetchone()[0] == 200 * 6
    # a broken output is caught: two units in one room
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {BASELINE}.isolation_isolationorder SET room_id = "  # noqa: S608
            f"(SELECT MIN(room_id) FROM {BASELINE}.isolation_isolationorder) "
            f"WHERE id IN (SELECT id FROM {BASELINE}.isolation_isolationorder "
            "ORDER BY id DESC LIMIT 2)"
        )
    with pytest.raises(AssertionError):
        invariants(setup, BASELINE)
    report = report_make(setup, [done, again])
    assert report.ratio == pytest.approx(report.figures["ours_s"] / report.figures["baseline_s"])
    assert report.figures["orders"] == 200
