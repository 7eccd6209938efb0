"""The care API and pages: file (idempotent with a key), list with overdue flagged, take,
decide; an appeal decided by the order's issuer refused; anonymous 401, wrong role 403,
another district 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.isolation.models import CareRequest
from fangkong.isolation.orders.services import order_issue
from fangkong.isolation.tests.factories import staff_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db
BASE = "/api/v1/isolation/care"


def test_anonymous_callers_get_401(tree):
    assert Client().get(f"{BASE}/requests").status_code == 401


def test_file_list_take_and_decide_an_appeal_through_the_api(tree, api):
    staff = staff_make(tree)
    order = order_issue(
        actor=staff.epidemiologist,
        person=person_make(region=tree["community_a"], name="周一"),
        group="close_contact",
        day0=NINTH_EDITION_DAY.date(),
        reason="密接",
    )
    body = {"order": str(order.code), "category": "appeal", "text": "本人未到过该场所"}
    key = {"Idempotency-Key": "care-1"}
    manager = api(staff.manager)
    first = manager.post(f"{BASE}/requests", body, headers=key)
    assert first.status_code == 201, first.json()
    assert (
        manager.post(f"{BASE}/requests", body, headers=key).json()["code"] == first.json()["code"]
    )
    assert CareRequest.objects.count() == 1
    code = first.json()["code"]
    blank = manager.post(f"{BASE}/requests", {**body, "text": " "})
    assert blank.status_code == 422
    assert blank.json()["detail"]["errors"][0]["field"] == "text"
    with time_machine.travel(NINTH_EDITION_DAY + timedelta(days=2), tick=False):
        late = manager.get(f"{BASE}/requests", overdue="true").json()
    assert [item["code"] for item in late["items"]] == [code]
    assert late["items"][0]["overdue"] is True
    by_issuer = api(staff.epidemiologist).post(
        f"{BASE}/requests/{code}/decide", {"outcome": "upheld", "note": "维持"}
    )
    assert by_issuer.status_code == 403
    assert by_issuer.json()["code"] == "appeal_decided_by_issuer"
    second = api(actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"]))
    assert second.post(f"{BASE}/requests/{code}/take").json()["owner"]
    decided = second.post(f"{BASE}/requests/{code}/decide", {"outcome": "upheld", "note": "维持"})
    assert decided.status_code == 200
    assert decided.json()["outcome"] == "upheld"
    assert api(staff.other_manager).get(f"{BASE}/requests/{code}").status_code == 404
    assert api(staff.grid).get(f"{BASE}/requests").status_code == 403
    assert (
        api(staff.other_manager).post(f"{BASE}/requests", {**body, "text": "x"}).status_code == 404
    )
