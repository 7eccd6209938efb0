"""The resident link: it opens only its own person's order (their tests and checks, nobody
else's), carries no identifier, stops working when a new link is issued, when the order is
released and after the release day, and a tampered token is 404 like a missing one. Staff
pages and the API refuse other districts and wrong roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AccessEntry
from fangkong.isolation.choices import CheckSource, OrderTestStatus
from fangkong.isolation.models import HealthCheck, OrderTestTask
from fangkong.isolation.monitoring.links import link_token
from fangkong.isolation.monitoring.services import check_record, resident_link_issue
from fangkong.isolation.orders.release import order_release
from fangkong.isolation.transfers.tests.factories import placed_orders_make, transfer_staff_make

pytestmark = pytest.mark.django_db


def _url(link) -> str:
    return reverse("isolation:resident", kwargs={"token": link_token(link)})


def test_the_link_shows_only_its_own_person_and_takes_a_self_report(tree):
    people = transfer_staff_make(tree)
    mine, other = placed_orders_make(people, 2)
    check_record(actor=people.staff.manager, order=other, temperature=36.8, symptoms=[])
    link = resident_link_issue(actor=people.staff.manager, order=mine)
    url = _url(link)
    assert str(mine.code) not in url
    assert str(mine.person.code) not in url
    assert mine.person.name not in url
    page = Client().get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "李*" in text
    assert other.person.name not in text
    assert "36.8" not in text
    assert Client().post(url, {"temperature": "50"}).status_code == 422
    assert Client().post(url, {"temperature": "36.6", "symptoms": ["cough"]}).status_code == 302
    check = HealthCheck.objects.get(order=mine)
    assert check.source == CheckSource.SELF
    assert check.abnormal
    assert AccessEntry.objects.filter(action="resident_page", actor_username="resident").exists()


def test_a_tampered_or_replaced_link_is_404_like_a_missing_one(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    first = resident_link_issue(actor=people.staff.manager, order=order)
    old = _url(first)
    assert Client().get(old[:-3] + "xx/").status_code == 404
    resident_link_issue(actor=people.staff.manager, order=order)
    assert Client().get(old).status_code == 404
    assert Client().get("/isolation/r/nothing/").status_code == 404


def test_the_link_expires_with_the_order(tree):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    url = _url(resident_link_issue(actor=people.staff.manager, order=order))
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert Client().get(url).status_code == 404  # past the release day
    OrderTestTask.objects.filter(order=order).update(status=OrderTestStatus.NEGATIVE)
    with time_machine.travel(timezone.now() + timedelta(days=9)):  # the release day
        assert Client().get(url).status_code == 200
        order_release(actor=people.staff.manager, order=order, reason="期满")
        assert Client().get(url).status_code == 404


def test_staff_pages_and_api_refuse_other_districts_and_wrong_roles(tree, api, page_client):
    people = transfer_staff_make(tree)
    (order,) = placed_orders_make(people, 1)
    base = f"/api/v1/isolation/orders/{order.code}"
    assert api(people.staff.other_manager).get(f"{base}/checks").status_code == 404
    assert (
        api(people.staff.other_manager).post(f"{base}/checks", {"temperature": 36.5}).status_code
        == 404
    )
    assert api(people.dispatcher).post(f"{base}/checks", {"temperature": 36.5}).status_code == 403
    assert Client().get(f"{base}/checks").status_code == 401
    assert (
        page_client(people.staff.other_manager)
        .get(f"/isolation/orders/{order.code}/check/")
        .status_code
        == 404
    )
    assert page_client(people.dispatcher).get("/isolation/checks/").status_code == 403
