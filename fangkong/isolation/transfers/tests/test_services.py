"""Transfer tasks: bulk creation after allocation (idempotent, addresses and the rule set's
window), the closed loop requested → assigned → picked up → delivered, cancelling with a
reason, the transfer home at release, a vehicle never over its capacity (also by property and
with racing threads), and late tasks raising one alert each with its owner."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.errors import Conflict, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.isolation.choices import (
    OrderTestStatus,
    TransferKind,
    TransferStatus,
    VehicleState,
)
from fangkong.isolation.models import OrderTestTask, TransferAlert, TransferEvent, TransferTask
from fangkong.isolation.orders.release import order_release
from fangkong.isolation.transfers.alerts import transfer_alert_handle, transfers_late_check
from fangkong.isolation.transfers.requesting import transfers_create_for_orders
from fangkong.isolation.transfers.services import (
    transfer_assign,
    transfer_cancel,
    transfer_deliver,
    transfer_pickup,
    vehicle_state_set,
)
from fangkong.isolation.transfers.tests.factories import (
    crew_make,
    placed_orders_make,
    transfer_staff_make,
    vehicle_make,
)

pytestmark = pytest.mark.django_db


def test_bulk_creation_makes_one_task_per_order_with_the_rule_sets_window(tree):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 3)
    report = transfers_create_for_orders(orders=orders, actor=people.staff.manager)
    assert len(report.created) == 3
    task = TransferTask.objects.get(order=orders[0])
    assert task.kind == TransferKind.TO_SITE
    assert task.status == TransferStatus.REQUESTED
    assert task.pickup_address == "幸福里0号"
    assert orders[0].room is not None
    assert task.destination_facility_id == orders[0].room.facility_id
    assert task.window_end - task.window_start == timedelta(minutes=240)
    assert task.rule_set.startswith("nhc-9")
    assert TransferEvent.objects.filter(task=task).count() == 1
    assert AuditEntry.objects.filter(action="transfer_request").count() == 3
    again = transfers_create_for_orders(orders=orders, actor=people.staff.manager)
    assert again.created == []
    assert len(again.existing) == 3
    assert TransferTask.objects.count() == 3


def test_bulk_creation_names_each_order_without_a_room(tree):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 2, rooms=1)
    with pytest.raises(ValidationFailed) as refused:
        transfers_create_for_orders(orders=orders, actor=people.dispatcher)
    assert [(e["field"], e["row"]) for e in refused.value.errors] == [("orders", 2)]
    with pytest.raises(PermissionDenied):
        transfers_create_for_orders(orders=orders[:1], actor=people.staff.grid)


def test_the_closed_loop_runs_and_the_vehicle_goes_to_disinfection(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    (task,) = transfers_create_for_orders(orders=[order], actor=people.dispatcher).created
    vehicle = vehicle_make(people)
    crew = crew_make(people, people.crew_member)
    task = transfer_assign(actor=people.dispatcher, task=task, vehicle=vehicle, crew=crew)
    assert task.status == TransferStatus.ASSIGNED
    assert task.vehicle_id == vehicle.pk
    with pytest.raises(Conflict) as wrong:
        transfer_deliver(actor=people.dispatcher, task=task)
    assert wrong.value.code == "transfer_status"
    task = transfer_pickup(actor=people.crew_member, task=task)
    vehicle.refresh_from_db()
    assert vehicle.state == VehicleState.ON_TASK
    task = transfer_deliver(actor=people.crew_member, task=task)
    assert task.status == TransferStatus.DELIVERED
    assert task.delivered_at is not None
    vehicle.refresh_from_db()
    assert vehicle.state == VehicleState.DISINFECTING
    with pytest.raises(Conflict):
        transfer_assign(actor=people.dispatcher, task=task, vehicle=vehicle, crew=crew)
    vehicle_state_set(actor=people.dispatcher, vehicle=vehicle, to="available", reason="消毒完成")
    assert [e.to_value for e in TransferEvent.objects.filter(task=task).order_by("at", "id")] == [
        "requested",
        "assigned",
        "picked_up",
        "delivered",
    ]


def test_cancelling_needs_a_reason_and_frees_the_seat(tree):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 2)
    first, second = transfers_create_for_orders(orders=orders, actor=people.dispatcher).created
    vehicle = vehicle_make(people, capacity=1)
    crew = crew_make(people, people.crew_member)
    transfer_assign(actor=people.dispatcher, task=first, vehicle=vehicle, crew=crew)
    with pytest.raises(Conflict) as full:
        transfer_assign(actor=people.dispatcher, task=second, vehicle=vehicle, crew=crew)
    assert full.value.code == "vehicle_full"
    first.refresh_from_db()
    with pytest.raises(ValidationFailed) as no_reason:
        transfer_cancel(actor=people.dispatcher, task=first, reason=" ")
    assert no_reason.value.errors[0]["field"] == "reason"
    cancelled = transfer_cancel(actor=people.dispatcher, task=first, reason="人员已送医")
    assert cancelled.cancelled_reason == "人员已送医"
    assert transfer_assign(actor=people.dispatcher, task=second, vehicle=vehicle, crew=crew)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    capacity=st.integers(min_value=1, max_value=4),
    moves=st.lists(st.sampled_from(["assign", "pickup", "deliver", "cancel"]), max_size=14),
)
def test_a_vehicle_never_carries_more_tasks_than_its_capacity(tree, capacity, moves):
    """Any sequence of assignments, pickups, deliveries and cancellations keeps the tasks
    assigned or picked up on the vehicle within its capacity."""
    with transaction.atomic():
        _moves_keep_capacity(tree, capacity, moves)
        transaction.set_rollback(True)


def _moves_keep_capacity(tree, capacity, moves):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 5)
    tasks = transfers_create_for_orders(orders=orders, actor=people.dispatcher).created
    vehicle = vehicle_make(people, plate=f"京B{capacity}{len(moves):04d}", capacity=capacity)
    crew = crew_make(people, people.crew_member)
    for n, move in enumerate(moves):
        task = TransferTask.objects.get(pk=tasks[n % len(tasks)].pk)
        try:
            if move == "assign":
                transfer_assign(actor=people.dispatcher, task=task, vehicle=vehicle, crew=crew)
            elif move == "pickup":
                transfer_pickup(actor=people.dispatcher, task=task)
            elif move == "deliver":
                transfer_deliver(actor=people.dispatcher, task=task)
                vehicle_state_set(
                    actor=people.dispatcher, vehicle=vehicle, to="available", reason="消毒"
                )
            else:
                transfer_cancel(actor=people.dispatcher, task=task, reason="取消")
        except Conflict:
            pass
        seated = TransferTask.objects.filter(
            vehicle=vehicle, status__in=[TransferStatus.ASSIGNED, TransferStatus.PICKED_UP]
        ).count()
        assert seated <= capacity


@pytest.mark.django_db(transaction=True)
def test_racing_assignments_never_overfill_a_vehicle(shared_database, tree, national_editions):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 6)
    tasks = transfers_create_for_orders(orders=orders, actor=people.dispatcher).created
    vehicle = vehicle_make(people, capacity=2)
    crew = crew_make(people, people.crew_member)
    barrier = threading.Barrier(len(tasks))
    outcomes: list[str] = []

    def assign(task: TransferTask) -> None:
        try:
            barrier.wait()
            transfer_assign(actor=people.dispatcher, task=task, vehicle=vehicle, crew=crew)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # SQLite's writer lock: the loser is refused, never let in
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") <= 2
    assert TransferTask.objects.filter(vehicle=vehicle, status=TransferStatus.ASSIGNED).count() == (
        outcomes.count("ok")
    )


def test_a_late_task_raises_one_alert_owned_by_its_dispatcher(tree):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 2)
    first, second = transfers_create_for_orders(orders=orders, actor=people.dispatcher).created
    vehicle = vehicle_make(people)
    crew = crew_make(people, people.crew_member)
    transfer_assign(actor=people.dispatcher, task=first, vehicle=vehicle, crew=crew)
    assert transfers_late_check(now=timezone.now()) == 0
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        assert transfers_late_check() == 2
        assert transfers_late_check() == 0
    alert = TransferAlert.objects.get(task=first)
    assert alert.late_in == "pickup"
    assert alert.owner_id == people.dispatcher.user_id
    unassigned = TransferAlert.objects.get(task=second)
    assert unassigned.owner_id is None
    assert unassigned.owner_role == "transfer_dispatcher"
    assert AuditEntry.objects.filter(action="transfer_alert_raise").count() == 2
    closed = transfer_alert_handle(actor=people.dispatcher, alert=alert, to="closed", note="已联系")
    assert closed.state == "closed"


def test_release_creates_the_transfer_home(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    OrderTestTask.objects.filter(order=order).update(status=OrderTestStatus.NEGATIVE)
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        order_release(actor=people.staff.manager, order=order, reason="期满解除")
    home = TransferTask.objects.get(order=order, kind=TransferKind.HOME)
    assert home.destination == "幸福里0号"
    assert order.room is not None
    assert home.pickup_address.endswith(order.room.number)
    assert home.requested_by == people.staff.manager.username
