"""Requests, the day's file and the allocation a supplies officer approves: fair by the rule
set's rule, governed (a reason; a draft only once), the goods issued once, deliveries opened."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from fangkong.core.errors import Conflict, NotFound, ValidationFailed
from fangkong.supplies.allocation.services import (
    allocation_approve,
    allocation_cancel,
    allocation_propose,
    requests_import,
)
from fangkong.supplies.choices import AllocationStatus, RequestStatus
from fangkong.supplies.models import (
    AllocationLine,
    Delivery,
    StockIssue,
    StockLot,
    SupplyEvent,
    SupplyRequest,
)
from fangkong.supplies.tests.factories import (
    items_make,
    request_make,
    staff_make,
    warehouse_make,
)

pytestmark = pytest.mark.django_db
DAY = date(2022, 4, 10)


def test_a_short_item_goes_first_to_facilities_then_by_weighted_population(tree):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 100, "masks": 1000})
    food = items["food"]
    hospital = request_make(
        staff, region_key="grid_a1", day=DAY, lines=[(food, 40)], population=10, facility=True
    )
    plain = request_make(staff, region_key="grid_a2", day=DAY, lines=[(food, 100)], population=200)
    elderly = request_make(
        staff,
        region_key="community_a",
        day=DAY,
        lines=[(food, 100), (items["masks"], 5)],
        population=100,
        vulnerable=100,
    )
    request_make(staff, region_key="grid_b1", day=DAY, lines=[(food, 100)])  # other district
    allocation = allocation_propose(actor=staff.officer, warehouse=warehouse, day=DAY)
    got = {
        (line.request_id, line.item_id): line.allocated
        for line in AllocationLine.objects.filter(allocation=allocation)
    }
    # the hospital's 40 first; 60 left for weights 200 and 100 + 100 (vulnerable count twice)
    assert got[(hospital.pk, food.pk)] == 40
    assert got[(plain.pk, food.pk)] == 30
    assert got[(elderly.pk, food.pk)] == 30
    assert got[(elderly.pk, items["masks"].pk)] == 5
    assert len(got) == 4  # the other district's request is not in this warehouse's area
    assert allocation.rule_set
    with pytest.raises(ValidationFailed):
        allocation_approve(actor=staff.officer, allocation=allocation, reason="")
    allocation_approve(actor=staff.officer, allocation=allocation, reason="专班审批")
    assert allocation.status == AllocationStatus.APPROVED
    assert StockLot.objects.filter(item=food).aggregate(s=Sum("quantity"))["s"] == 0
    assert StockIssue.objects.filter(key=f"allocation:{allocation.code}").count() == 1
    assert Delivery.objects.filter(allocation=allocation).count() == 3
    statuses = SupplyRequest.objects.filter(pk__in=[hospital.pk, plain.pk, elderly.pk])
    assert set(statuses.values_list("status", flat=True)) == {RequestStatus.ALLOCATED}
    with pytest.raises(Conflict):  # approved once only
        allocation_approve(actor=staff.officer, allocation=allocation, reason="again")
    assert SupplyEvent.objects.filter(object_code=str(allocation.code)).count() == 2


def test_two_drafts_over_the_same_requests_only_one_is_approved(tree):
    staff = staff_make(tree)
    items = items_make(staff)
    warehouse = warehouse_make(staff, items, stock={"food": 10})
    request_make(staff, region_key="grid_a1", day=DAY, lines=[(items["food"], 4)])
    first = allocation_propose(actor=staff.officer, warehouse=warehouse, day=DAY)
    second = allocation_propose(actor=staff.officer, warehouse=warehouse, day=DAY)
    allocation_approve(actor=staff.officer, allocation=first, reason="ok")
    with pytest.raises(Conflict) as taken:
        allocation_approve(actor=staff.officer, allocation=second, reason="ok")
    assert taken.value.code == "requests_taken"
    second.refresh_from_db()
    assert second.status == AllocationStatus.DRAFT
    allocation_cancel(actor=staff.officer, allocation=second, reason="重复")
    second.refresh_from_db()
    assert second.status == AllocationStatus.CANCELLED
    assert StockLot.objects.get().quantity == 6


def test_the_days_file_is_all_or_none_and_names_every_bad_row(tree):
    staff = staff_make(tree)
    items_make(staff)
    good = (
        "region,population,vulnerable,epidemic_facility,item,quantity\n"
        "110105001001001,300,20,0,food-pack,90\n"
        "110105001001001,300,20,0,n95,10\n"
        "110105001001002,120,0,1,food-pack,40\n"
    )
    bad = good + "110108001001001,50,0,0,food-pack,5\n110105001,10,20,0,rice,0\n"
    with pytest.raises(ValidationFailed) as refused:
        requests_import(actor=staff.officer, day=DAY, content=bad)
    assert {(e["field"], e.get("row")) for e in refused.value.errors} >= {
        ("vulnerable", 6),
        ("quantity", 6),
    }
    assert not SupplyRequest.objects.exists()
    outside = good + "110108001001001,50,0,0,food-pack,5\n"
    with pytest.raises(ValidationFailed) as refused:
        requests_import(actor=staff.officer, day=DAY, content=outside)
    assert refused.value.errors[0] == {
        "field": "region",
        "code": "region_not_found",
        "message": "No such jurisdiction.",
        "row": 5,
    }
    assert requests_import(actor=staff.officer, day=DAY, content=good) == 2
    assert SupplyRequest.objects.get(region__code="110105001001002").epidemic_facility
    with pytest.raises(ValidationFailed) as again:
        requests_import(actor=staff.officer, day=DAY, content=good)
    assert again.value.errors[0]["code"] == "request_exists"


def test_a_grid_worker_files_only_inside_their_compound(tree):
    staff = staff_make(tree)
    items = items_make(staff)
    from fangkong.supplies.allocation.services import RequestInput, request_file

    data = RequestInput(
        day=DAY, population=10, vulnerable=1, epidemic_facility=False, lines=[(items["food"], 2)]
    )
    request_file(actor=staff.grid, region=tree["grid_a1"], data=data, key="k")
    again = request_file(actor=staff.grid, region=tree["grid_a1"], data=data, key="k")
    assert SupplyRequest.objects.count() == 1
    assert again.region_id == tree["grid_a1"].pk
    with pytest.raises(NotFound):
        request_file(actor=staff.grid, region=tree["district_a"], data=data)
