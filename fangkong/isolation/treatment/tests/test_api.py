"""The treatment API: admission (idempotent with a key, a full room 409), severity, tests with
Ct values, a discharge refused with every blocker named, the capacity view; anonymous 401,
wrong role 403, another district 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from fangkong.isolation.models import Admission
from fangkong.isolation.treatment.tests.factories import ward_make
from fangkong.lab.tests.fixtures import NINTH_EDITION_DAY

pytestmark = pytest.mark.django_db
BASE = "/api/v1/isolation/treatment"


def test_anonymous_callers_get_401(tree):
    for path in (f"{BASE}/admissions", f"{BASE}/capacity"):
        assert Client().get(path).status_code == 401


def test_admit_test_and_discharge_through_the_api(tree, api):
    ward = ward_make(tree)
    client = api(ward.clinician)
    body = {
        "case": str(ward.case.code),
        "facility": str(ward.fangcang.code),
        "room": "0001",
        "reason": "收治",
    }
    key = {"Idempotency-Key": "admit-1"}
    first = client.post(f"{BASE}/admissions", body, headers=key)
    assert first.status_code == 201, first.json()
    assert (
        client.post(f"{BASE}/admissions", body, headers=key).json()["code"] == first.json()["code"]
    )
    assert Admission.objects.count() == 1
    code = first.json()["code"]
    assert first.json()["blockers"] == ["release_day_not_reached", "tests_missing"]
    bad = client.post(f"{BASE}/admissions/{code}/severity", {"severity": "grave", "reason": "x"})
    assert bad.status_code == 422
    good = client.post(f"{BASE}/admissions/{code}/severity", {"severity": "mild", "reason": "轻型"})
    assert good.json()["severity"] == "mild"
    sampled = (NINTH_EDITION_DAY + timedelta(hours=-1)).isoformat()
    tested = client.post(f"{BASE}/admissions/{code}/tests", {"sampled_at": sampled})
    test_code = tested.json()["tests"][0]["code"]
    no_ct = client.post(
        f"{BASE}/admissions/{code}/tests/{test_code}/result", {"result": "positive"}
    )
    assert no_ct.status_code == 422
    assert {e["field"] for e in no_ct.json()["detail"]["errors"]} == {"ct_n", "ct_orf1ab"}
    result = client.post(
        f"{BASE}/admissions/{code}/tests/{test_code}/result",
        {"result": "positive", "ct_n": 28.1, "ct_orf1ab": 29.4},
    )
    assert result.json()["tests"][0]["ct_n"] == 28.1
    refused = client.post(f"{BASE}/admissions/{code}/discharge", {"reason": "出舱"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "discharge_conditions_unmet"
    assert {e["code"] for e in refused.json()["detail"]["errors"]} == {
        "release_day_not_reached",
        "tests_missing",
        "ct_below_threshold",
    }
    day0 = NINTH_EDITION_DAY
    with time_machine.travel(day0 + timedelta(days=7, hours=3), tick=False):
        for hours in (6 * 24, 7 * 24):
            at = (day0 + timedelta(hours=hours)).isoformat()
            added = client.post(f"{BASE}/admissions/{code}/tests", {"sampled_at": at}).json()
            pending = next(t for t in added["tests"] if t["status"] == "pending")
            client.post(
                f"{BASE}/admissions/{code}/tests/{pending['code']}/result",
                {"result": "positive", "ct_n": 36.2, "ct_orf1ab": 35.0},
            )
        assert client.get(f"{BASE}/admissions/{code}").json()["eligible"] is True
        done = client.post(f"{BASE}/admissions/{code}/discharge", {"reason": "达到出舱标准"})
    assert done.status_code == 200
    assert done.json()["status"] == "discharged"
    assert done.json()["monitoring_order"]


def test_wrong_role_403_another_district_404_and_capacity(tree, api):
    ward = ward_make(tree)
    body = {
        "case": str(ward.case.code),
        "facility": str(ward.hospital.code),
        "room": "0001",
        "reason": "收治",
    }
    assert api(ward.staff.manager).post(f"{BASE}/admissions", body).status_code == 403
    assert api(ward.other_clinician).post(f"{BASE}/admissions", body).status_code == 404
    code = api(ward.clinician).post(f"{BASE}/admissions", body).json()["code"]
    assert api(ward.other_clinician).get(f"{BASE}/admissions/{code}").status_code == 404
    assert api(ward.staff.grid).get(f"{BASE}/capacity").status_code == 403
    report = api(ward.staff.commander).get(f"{BASE}/capacity").json()
    assert report["total"]["beds_occupied"] == 1
    assert {s["name"] for s in report["sites"]} == {ward.fangcang.name, ward.hospital.name}
    assert api(ward.other_clinician).get(f"{BASE}/capacity").json()["total"]["sites"] == 0
