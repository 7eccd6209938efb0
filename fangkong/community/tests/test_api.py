"""The community API end to end: anonymous 401, wrong role 403, another district 404,
bad input 422 naming the field, retried filings not duplicated, and the flows of grids,
sweeps, restrictions and requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.community.models import ResidentRequest, SweepVisit
from fangkong.community.tests.factories import covered_homes, members_of, staff_make
from fangkong.people.models import Person
from fangkong.policy.choices import DesignationUnit
from fangkong.risk_areas.services import risk_area_designate

pytestmark = pytest.mark.django_db
BASE = "/api/v1/community"


def test_anonymous_callers_get_401(tree):
    for path in ("/requests", "/sweeps", "/restrictions", "/coverage"):
        assert Client().get(f"{BASE}{path}").status_code == 401


def test_filing_is_idempotent_scoped_and_names_bad_fields(tree, api):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 2)
    patient = Person.objects.filter(household=homes[0]).first()
    assert patient is not None
    body = {
        "household_code": str(homes[0].code),
        "category": "dialysis",
        "channel": "hotline",
        "person_code": str(patient.code),
    }
    first = api(staff.duty).post(f"{BASE}/requests", body, headers={"Idempotency-Key": "k-1"})
    again = api(staff.duty).post(f"{BASE}/requests", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert ResidentRequest.objects.count() == 1
    assert first.json()["urgency"] == "medical"
    assert first.json()["medical_exit"]["approved"] is False
    bad = api(staff.duty).post(f"{BASE}/requests", {**body, "category": "pizza"})
    assert bad.status_code == 422
    assert "category" in str(bad.json())
    assert api(staff.other_duty).post(f"{BASE}/requests", body).status_code == 404
    assert api(staff.other_duty).get(f"{BASE}/requests/{first.json()['code']}").status_code == 404
    assert api(staff.dispatcher).post(f"{BASE}/requests", body).status_code == 403
    code = first.json()["code"]
    refused = api(staff.duty).post(
        f"{BASE}/requests/{code}/transition", {"to": "refused", "reason": ""}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"]["errors"][0]["field"] == "reason"
    assert (
        api(staff.duty)
        .post(f"{BASE}/requests/{code}/exit/approve", {"reason": "透析", "destination": ""})
        .json()["detail"]["errors"][0]["field"]
        == "destination"
    )
    approved = api(staff.duty).post(
        f"{BASE}/requests/{code}/exit/approve", {"reason": "透析", "destination": "区医院"}
    )
    assert approved.status_code == 200
    assert approved.json()["medical_exit"]["transfer_state"] == "Requested"
    vehicle = api(staff.dispatcher).post(
        f"{BASE}/requests/{code}/exit/vehicle",
        {
            "plate": "京B00001",
            "driver": "李师傅",
            "return_by": (timezone.now() + timedelta(hours=5)).isoformat(),
        },
    )
    assert vehicle.status_code == 200
    assert vehicle.json()["medical_exit"]["vehicle_plate"] == "京B00001"
    queue = api(staff.worker).get(f"{BASE}/requests")
    assert [row["code"] for row in queue.json()["items"]] == [code]
    link = api(staff.worker).post(f"{BASE}/households/{homes[0].code}/resident-link")
    assert link.status_code == 201
    assert str(homes[0].code) not in link.json()["url"]
    assert (
        api(staff.worker).post(f"{BASE}/households/{homes[1].code}/resident-link").status_code
        == 201
    )


def test_a_sweep_and_a_restriction_through_the_api(tree, api):
    staff = staff_make(tree)
    _r, homes = covered_homes(staff, staff.worker, 2)
    opened = api(staff.duty).post(
        f"{BASE}/sweeps", {"region_code": tree["grid_a1"].code, "name": "排查", "reason": "封控"}
    )
    assert opened.status_code == 201
    assert opened.json()["households"] == 2
    code = opened.json()["code"]
    member = members_of(homes[0])[0]
    visit = api(staff.worker).post(
        f"{BASE}/sweeps/{code}/visits",
        {
            "household_code": str(homes[0].code),
            "state": "present",
            "residents_counted": 1,
            "present": [str(member.code)],
        },
    )
    assert visit.status_code == 200
    assert [f["kind"] for f in visit.json()["findings"]] == ["missing"]
    bad = api(staff.worker).post(
        f"{BASE}/sweeps/{code}/visits",
        {"household_code": str(homes[1].code), "state": "present", "present": ["not-a-code"]},
    )
    assert bad.status_code == 422
    assert "present" in str(bad.json())
    pending = api(staff.worker).get(f"{BASE}/sweeps/{code}/pending")
    assert [row["household_code"] for row in pending.json()["items"]] == [str(homes[1].code)]
    assert api(staff.other_duty).get(f"{BASE}/sweeps/{code}").status_code == 404
    closed = api(staff.duty).post(f"{BASE}/sweeps/{code}/close", {"reason": "到期"})
    assert closed.json()["totals"]["pending"] == 1
    assert closed.json()["totals"]["present"] == 1
    assert SweepVisit.objects.count() == 2
    area = risk_area_designate(
        actor=staff.commander,
        region=tree["grid_a1"],
        unit=DesignationUnit.COMPOUND,
        level="high",
        name="幸福里",
        reason="病例居住",
    )
    made = api(staff.commander).post(
        f"{BASE}/restrictions/from-area", {"area_code": str(area.code), "reason": "高风险区封控"}
    )
    assert made.status_code == 201
    assert made.json()["kind"] == "closure"
    restriction = made.json()["code"]
    households = api(staff.duty).get(f"{BASE}/restrictions/{restriction}/households")
    assert households.json()["total"] == 2
    gate = api(staff.worker).post(
        f"{BASE}/restrictions/{restriction}/gate", {"direction": "out", "purpose": "就医"}
    )
    assert gate.status_code == 201
    assert (
        api(staff.commander)
        .post(f"{BASE}/restrictions/{restriction}/lift", {"reason": "x"})
        .status_code
        == 409
    )
    assert api(staff.other_duty).get(f"{BASE}/restrictions/{restriction}").status_code == 404
