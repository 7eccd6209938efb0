"""The care pages: file on a person's behalf (refusal on the form), the list with overdue
requests flagged, an appeal decided by the order's issuer refused; wrong role 403, another
district 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from fangkong.isolation.models import CareRequest
from fangkong.isolation.orders.services import order_issue
from fangkong.isolation.tests.factories import staff_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db


def test_the_care_pages_file_flag_and_refuse_the_issuers_decision(tree, page_client):
    staff = staff_make(tree)
    order = order_issue(
        actor=staff.epidemiologist,
        person=person_make(region=tree["community_a"], name="吴二"),
        group="close_contact",
        day0=NINTH_EDITION_DAY.date(),
        reason="密接",
    )
    client = page_client(staff.manager)
    body = {"order": str(order.code), "category": "appeal", "text": "申诉"}
    assert client.post("/isolation/care/", {**body, "text": ""}).status_code == 422
    assert client.post("/isolation/care/", body).status_code == 302
    request = CareRequest.objects.get()
    listing = client.get("/isolation/care/")
    assert listing.status_code == 200
    assert "吴二" in listing.content.decode()
    issuer = page_client(staff.epidemiologist)
    page = issuer.get(f"/isolation/care/{request.code}/")
    assert "data-overdue" not in page.content.decode()
    refused = issuer.post(
        f"/isolation/care/{request.code}/decide/", {"outcome": "upheld", "note": "维持"}
    )
    assert refused.status_code == 422
    assert CareRequest.objects.get().status == "open"
    with time_machine.travel(NINTH_EDITION_DAY + timedelta(days=2), tick=False):
        later = page_client(staff.manager).get("/isolation/care/?overdue=1")
    assert "data-overdue" in later.content.decode()
    other = page_client(staff.other_manager)
    assert other.get(f"/isolation/care/{request.code}/").status_code == 404
    assert page_client(staff.grid).get("/isolation/care/").status_code == 403
