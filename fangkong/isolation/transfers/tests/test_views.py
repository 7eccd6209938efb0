"""The dispatcher's pages: tasks by status with today's pickups grouped by street, the vehicle
form (a refusal on the form), a task assigned, picked up, delivered and another cancelled
through the forms; wrong roles 403; the list's queries do not grow with its rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.isolation.choices import TransferStatus
from fangkong.isolation.models import TransferTask, Vehicle
from fangkong.isolation.transfers.requesting import transfers_create_for_orders
from fangkong.isolation.transfers.tests.factories import (
    crew_make,
    placed_orders_make,
    transfer_staff_make,
    vehicle_make,
)

pytestmark = pytest.mark.django_db


def test_the_dispatcher_moves_tasks_through_the_pages(tree, page_client):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 2)
    first, second = transfers_create_for_orders(orders=orders, actor=people.dispatcher).created
    vehicle = vehicle_make(people)
    crew = crew_make(people, people.crew_member)
    client = page_client(people.dispatcher)
    page = client.get("/isolation/transfers/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "朝阳区第一街道" in text
    assert "data-streets" in text
    refused = client.post(
        "/isolation/transfers/vehicles/", {"plate": vehicle.plate, "kind": "bus", "capacity": 4}
    )
    assert refused.status_code == 422
    added = client.post(
        "/isolation/transfers/vehicles/", {"plate": "京B00001", "kind": "bus", "capacity": 4}
    )
    assert added.status_code == 302
    assert Vehicle.objects.count() == 2
    base = f"/isolation/transfers/{first.code}"
    assert client.get(f"{base}/").status_code == 200
    assert (
        client.post(
            f"{base}/assign/", {"vehicle": str(vehicle.code), "crew": str(crew.code)}
        ).status_code
        == 302
    )
    assert client.post(f"{base}/pickup/").status_code == 302
    assert client.post(f"{base}/deliver/").status_code == 302
    first.refresh_from_db()
    assert first.status == TransferStatus.DELIVERED
    other = f"/isolation/transfers/{second.code}"
    assert client.post(f"{other}/cancel/", {"reason": ""}).status_code == 422
    assert client.post(f"{other}/cancel/", {"reason": "已送医"}).status_code == 302
    assert TransferTask.objects.get(pk=second.pk).status == TransferStatus.CANCELLED
    assert page_client(people.staff.grid).get("/isolation/transfers/").status_code == 403
    assert page_client(people.staff.manager).post(f"{other}/pickup/").status_code == 403


def test_the_dispatch_page_queries_do_not_grow_with_the_tasks(tree, page_client):
    people = transfer_staff_make(tree)
    orders = placed_orders_make(people, 6)
    transfers_create_for_orders(orders=orders[:2], actor=people.dispatcher)
    client = page_client(people.dispatcher)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/isolation/transfers/").status_code == 200
    transfers_create_for_orders(orders=orders[2:], actor=people.dispatcher)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/isolation/transfers/").status_code == 200
    assert len(many) == len(few)
