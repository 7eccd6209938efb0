"""The isolation API: governance (reason → 422 naming the field, wrong role 403, another
district 404), anonymous callers, bulk issue and allocation end to end."""

from __future__ import annotations

import pytest
from django.test import Client

from fangkong.isolation.models import IsolationOrder, Room
from fangkong.isolation.tests.factories import facility_make, staff_make
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db

BASE = "/api/v1/isolation"


def test_anonymous_callers_get_401(tree):
    for path in (f"{BASE}/facilities", f"{BASE}/orders"):
        assert Client().get(path).status_code == 401


def test_a_transition_without_a_reason_is_422_naming_reason(tree, api):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=0)
    answer = api(staff.manager).post(
        f"{BASE}/facilities/{facility.code}/transition", {"to": "activating", "reason": ""}
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["detail"]["errors"]] == ["reason"]
    answer = api(staff.manager).post(
        f"{BASE}/facilities/{facility.code}/transition", {"to": "activating", "reason": "启用"}
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "activating"
    assert [s["hours"] for s in answer.json()["activation"]["stages"]] == [24, 48, 72]


def test_wrong_role_is_403_and_another_district_404_like_a_missing_code(tree, api):
    staff = staff_make(tree)
    facility = facility_make(staff, active=False, rooms=0)
    path = f"{BASE}/facilities/{facility.code}"
    assert api(staff.grid).get(path).status_code == 403
    other = api(staff.other_manager).get(path)
    missing = api(staff.other_manager).get(f"{BASE}/facilities/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert (
        api(staff.epidemiologist)
        .post(f"{path}/transition", {"to": "activating", "reason": "x"})
        .status_code
        == 403
    )


def test_room_import_answers_every_bad_row(tree, api):
    staff = staff_make(tree)
    facility = facility_make(staff, rooms=0)
    content = "number,floor,beds,own_bathroom,accessible\n101,1,1,1,0\n102,1,x,1,0\n103,1,1,2,0\n"
    answer = api(staff.manager).post(
        f"{BASE}/facilities/{facility.code}/rooms/import", {"content": content}
    )
    assert answer.status_code == 422
    assert [(e["row"], e["field"]) for e in answer.json()["detail"]["errors"]] == [
        (3, "beds"),
        (4, "own_bathroom"),
    ]
    assert Room.objects.count() == 0


def test_room_writes_share_scope_roles_and_keep_their_operation_ids(tree, api):
    staff = staff_make(tree)
    facility = facility_make(staff, rooms=0, active=False)
    path = f"{BASE}/facilities/{facility.code}/rooms"
    content = "number,floor,beds,own_bathroom,accessible\n101,1,1,1,0\n102,1,2,1,0\n"
    assert api(staff.epidemiologist).post(f"{path}/import", {"content": content}).status_code == 403
    assert api(staff.other_manager).post(f"{path}/ready", {"numbers": ["101"]}).status_code == 404
    assert Room.objects.count() == 0
    answer = api(staff.manager).post(f"{path}/import", {"content": content})
    assert (answer.status_code, answer.json()) == (200, {"count": 2})
    answer = api(staff.manager).post(f"{path}/ready", {"numbers": ["101"]})
    assert (answer.status_code, answer.json()) == (200, {"count": 1})
    operations = {
        operation["operationId"]
        for item in api(staff.manager).get("/api/v1/openapi.json").json()["paths"].values()
        for operation in item.values()
    }
    assert {
        "fangkong_isolation_api_facilities_rooms_import",
        "fangkong_isolation_api_facilities_rooms_ready",
    } <= operations


def test_bulk_issue_then_allocate_through_the_api(tree, api):
    staff = staff_make(tree)
    facility_make(staff, rooms=3)
    persons = [str(person_make(region=tree["grid_a1"], name=f"赵{n}").code) for n in range(4)]
    body = {"persons": persons, "group": "close_contact", "day0": "2022-07-14", "reason": "密接"}
    first = api(staff.epidemiologist).post(f"{BASE}/orders", body)
    assert first.status_code == 200
    assert len(first.json()["created"]) == 4
    again = api(staff.epidemiologist).post(f"{BASE}/orders", body)
    assert (len(again.json()["created"]), len(again.json()["existing"])) == (0, 4)
    assert IsolationOrder.objects.count() == 4
    elsewhere = api(staff.other_epidemiologist).post(f"{BASE}/orders", body)
    assert elsewhere.status_code == 404
    assert {e["row"] for e in elsewhere.json()["detail"]["errors"]} == {1, 2, 3, 4}
    codes = [o["code"] for o in first.json()["created"]]
    allocated = api(staff.manager).post(f"{BASE}/allocations", {"orders": codes})
    assert allocated.status_code == 200
    assert len(allocated.json()["placed"]) == 3
    assert [u["why"] for u in allocated.json()["unplaced"]] == ["no_room_fits"]
    detail = api(staff.manager).get(f"{BASE}/orders/{codes[0]}").json()
    assert detail["release_on"] == "2022-07-24"
    assert [t["day"] for t in detail["tests"]] == [1, 2, 3, 5, 7, 3]
    no_reason = api(staff.epidemiologist).post(f"{BASE}/orders", {**body, "reason": " "})
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["detail"]["errors"]] == ["reason"]
