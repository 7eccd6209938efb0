"""Allocations racing for the same rooms from several threads (each its own connection and
transaction): no room is ever given twice and the rooms taken are exactly those allocated."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connections
from django.db.models import Count

from fangkong.isolation.allocation.services import AllocationReport, rooms_allocate
from fangkong.isolation.choices import RoomStatus
from fangkong.isolation.models import IsolationOrder, Room
from fangkong.isolation.orders.services import orders_issue
from fangkong.isolation.tests.factories import facility_make, staff_make
from fangkong.people.tests.factories import person_make

THREADS = 6
PER_THREAD = 3
ROOMS = 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("national_editions")
def test_racing_allocations_never_double_book_a_room(shared_database, tree):
    staff = staff_make(tree)
    facility_make(staff, rooms=ROOMS)
    persons = [
        person_make(region=tree["grid_a1"], name=f"王{n}") for n in range(THREADS * PER_THREAD)
    ]
    orders = orders_issue(
        actor=staff.epidemiologist,
        persons=persons,
        group="close_contact",
        day0=date(2022, 7, 14),
        reason="密接",
    ).created
    batches = [orders[k::THREADS] for k in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    reports: list[AllocationReport] = []
    failures: list[BaseException] = []

    def run(batch: list[IsolationOrder]) -> None:
        try:
            barrier.wait()
            reports.append(rooms_allocate(actor=staff.manager, orders=batch))
        except BaseException as exc:  # a thread's failure must fail the test
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    placed = [room.pk for report in reports for _, room in report.placed]
    assert len(placed) == len(set(placed))  # no room given twice in the answers
    assert 0 < len(placed) <= ROOMS
    shared = (
        IsolationOrder.objects.filter(room__isnull=False)
        .values("room")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not shared.exists()  # nor in the database
    occupied = set(Room.objects.filter(status=RoomStatus.OCCUPIED).values_list("pk", flat=True))
    assert occupied == set(placed)
    unplaced = sum(len(report.unplaced) for report in reports)
    assert unplaced + len(placed) == THREADS * PER_THREAD
