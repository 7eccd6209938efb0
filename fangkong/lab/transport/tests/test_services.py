"""Packages, hand-over and lab receipt (R10) through the API: every receipt problem is an
anomaly row of its kind while the good tubes are still received; sealing refuses tubes that
are not the point's or already packaged; a package is received once."""

from __future__ import annotations

import uuid
from typing import Any

from fangkong.core.models import AuditEntry
from fangkong.lab.choices import AnomalyKind, PackageStatus, TubeStatus
from fangkong.lab.models import Anomaly, Package, Tube
from fangkong.lab.rounds.services import lab_create, sampling_point_create
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, residents_make, screening_make


def _tube(s: Screening, barcode: str, ids: list[str], point: Any = None) -> None:
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=point or s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids]),
    )


def _seal(client: Any, s: Screening, code: str, tubes: list[str]) -> Any:
    return client.post(
        "/api/v1/lab/packages",
        {
            "code": code,
            "round": str(s.round.code),
            "point": str(s.point.code),
            "lab": str(s.lab.code),
            "tubes": tubes,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def _receive(client: Any, s: Screening, package: str, tubes: list[str]) -> Any:
    return client.post(
        f"/api/v1/lab/labs/{s.lab.code}/receipts",
        {"package": package, "tubes": tubes},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def _kinds(response: Any) -> list[tuple[str, str]]:
    return [(a["kind"], a["barcode"]) for a in response.json()["anomalies"]]


def _setup(tree: Any, api: Any, tubes: int = 3) -> tuple[Screening, Any, Any]:
    s = screening_make(tree, residents=tubes)
    for n in range(tubes):
        _tube(s, f"T{n:04d}", [s.ids[n]])
    return s, api(s.sampler), api(s.technician)


def test_seal_handover_and_receive_a_package(tree, api):
    s, sampler, tech = _setup(tree, api, tubes=2)
    sealed = _seal(sampler, s, "P0001", ["T0000", "T0001"])
    assert sealed.status_code == 201, sealed.json()
    assert sealed.json()["tube_count"] == 2
    assert set(Tube.objects.values_list("status", flat=True)) == {TubeStatus.PACKAGED}
    handed = sampler.post("/api/v1/lab/packages/P0001/handover", {"vehicle": "沪A12345"})
    assert handed.status_code == 200
    assert set(Tube.objects.values_list("status", flat=True)) == {TubeStatus.IN_TRANSIT}
    receipt = _receive(tech, s, "P0001", ["T0000", "T0001"])
    assert receipt.status_code == 200
    assert receipt.json()["received"] == ["T0000", "T0001"]
    assert receipt.json()["anomalies"] == []
    package = Package.objects.get(code="P0001")
    assert (package.status, package.received_count) == (PackageStatus.RECEIVED, 2)
    assert set(Tube.objects.values_list("status", "lab_id")) == {(TubeStatus.RECEIVED, s.lab.id)}
    assert not Anomaly.objects.exists()


def test_a_tube_received_without_a_package_is_an_anomaly_and_still_received(tree, api):
    s, _sampler, tech = _setup(tree, api, tubes=1)
    receipt = _receive(tech, s, "", ["T0000"])
    assert receipt.status_code == 200
    assert receipt.json()["received"] == ["T0000"]
    assert _kinds(receipt) == [(AnomalyKind.TUBE_WITHOUT_PACKAGE, "T0000")]
    anomaly = Anomaly.objects.get()
    assert anomaly.tube is not None
    assert (anomaly.kind, anomaly.lab_id, anomaly.tube.barcode) == (
        AnomalyKind.TUBE_WITHOUT_PACKAGE,
        s.lab.id,
        "T0000",
    )
    assert anomaly.round_id == s.round.id
    assert Tube.objects.get(barcode="T0000").received_at is not None


def test_a_package_with_fewer_tubes_than_sealed_is_a_count_mismatch(tree, api):
    s, sampler, tech = _setup(tree, api, tubes=3)
    assert _seal(sampler, s, "P0001", ["T0000", "T0001", "T0002"]).status_code == 201
    receipt = _receive(tech, s, "P0001", ["T0000", "T0001"])
    assert receipt.status_code == 200
    assert receipt.json()["received"] == ["T0000", "T0001"]
    assert _kinds(receipt) == [(AnomalyKind.COUNT_MISMATCH, "")]
    anomaly = Anomaly.objects.get()
    assert anomaly.package is not None
    assert anomaly.package.code == "P0001"
    assert anomaly.detail == {"sealed": 3, "received": 2}
    assert Package.objects.get(code="P0001").received_count == 2
    assert Tube.objects.get(barcode="T0002").received_at is None


def test_a_tube_received_twice_is_an_anomaly(tree, api):
    s, _sampler, tech = _setup(tree, api, tubes=2)
    first = _receive(tech, s, "", ["T0000"])
    received_at = Tube.objects.get(barcode="T0000").received_at
    second = _receive(tech, s, "", ["T0000", "T0001", "T0001"])
    assert second.status_code == 200
    assert second.json()["received"] == ["T0001"]
    assert _kinds(second) == [
        (AnomalyKind.RECEIVED_TWICE, "T0000"),
        (AnomalyKind.TUBE_WITHOUT_PACKAGE, "T0001"),
        (AnomalyKind.RECEIVED_TWICE, "T0001"),
    ]
    assert first.json()["received"] == ["T0000"]
    assert Tube.objects.get(barcode="T0000").received_at == received_at  # not moved
    assert Anomaly.objects.filter(kind=AnomalyKind.RECEIVED_TWICE).count() == 2


def test_a_tube_scanned_with_another_package_is_a_wrong_package_anomaly(tree, api):
    s, sampler, tech = _setup(tree, api, tubes=2)
    assert _seal(sampler, s, "P0001", ["T0000"]).status_code == 201
    assert _seal(sampler, s, "P0002", ["T0001"]).status_code == 201
    receipt = _receive(tech, s, "P0001", ["T0000", "T0001"])
    assert receipt.status_code == 200
    assert receipt.json()["received"] == ["T0000", "T0001"]
    assert _kinds(receipt) == [(AnomalyKind.WRONG_PACKAGE, "T0001")]
    anomaly = Anomaly.objects.get()
    assert anomaly.package is not None
    assert anomaly.package.code == "P0001"
    assert anomaly.detail == {"sealed_in": Package.objects.get(code="P0002").id}
    assert Package.objects.get(code="P0001").received_count == 1


def test_an_unknown_tube_is_an_anomaly_and_the_good_tubes_are_received(tree, api):
    s, sampler, tech = _setup(tree, api, tubes=1)
    assert _seal(sampler, s, "P0001", ["T0000"]).status_code == 201
    receipt = _receive(tech, s, "P0001", ["NOPE0001", "T0000"])
    assert receipt.status_code == 200
    assert receipt.json()["received"] == ["T0000"]
    assert _kinds(receipt) == [(AnomalyKind.UNKNOWN_TUBE, "NOPE0001")]
    anomaly = Anomaly.objects.get()
    assert anomaly.package is not None
    assert (anomaly.tube_id, anomaly.package.code) == (None, "P0001")
    assert Tube.objects.get(barcode="T0000").status == TubeStatus.RECEIVED


def test_a_package_is_received_once(tree, api):
    s, sampler, tech = _setup(tree, api, tubes=1)
    assert _seal(sampler, s, "P0001", ["T0000"]).status_code == 201
    assert _receive(tech, s, "P0001", ["T0000"]).status_code == 200
    audits = AuditEntry.objects.count()
    again = _receive(tech, s, "P0001", ["T0000"])
    assert again.status_code == 409
    assert again.json()["code"] == "package_received"
    assert AuditEntry.objects.count() == audits
    assert not Anomaly.objects.exists()


def test_a_package_of_another_lab_is_not_found_at_this_one(tree, api):
    s, sampler, tech = _setup(tree, api, tubes=1)
    assert _seal(sampler, s, "P0001", ["T0000"]).status_code == 201
    other = lab_create(actor=s.commander, region=tree["district_a"], name="另一检测所")
    other.staff.add(s.technician.user_id)
    response = tech.post(
        f"/api/v1/lab/labs/{other.code}/receipts", {"package": "P0001", "tubes": ["T0000"]}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "package_not_found"
    assert Tube.objects.get(barcode="T0000").received_at is None


def test_seal_refuses_tubes_of_another_point_and_packaged_tubes(tree, api):
    s, sampler, _tech = _setup(tree, api, tubes=2)
    elsewhere = sampling_point_create(actor=s.commander, region=tree["community_a"], name="二号点")
    elsewhere.staff.add(s.sampler.user_id)
    _people, ids, _h = residents_make(tree["grid_a1"], 1)
    _tube(s, "X0001", ids, point=elsewhere)
    assert _seal(sampler, s, "P0001", ["T0000"]).status_code == 201
    packages, audits = Package.objects.count(), AuditEntry.objects.count()
    response = _seal(sampler, s, "P0002", ["T0001", "X0001", "T0000", "T0001", "NOPE0001"])
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["detail"]["errors"]] == [
        ("tubes[1]", "tube_not_sealable"),
        ("tubes[2]", "tube_not_sealable"),
        ("tubes[3]", "tube_not_sealable"),
        ("tubes[4]", "tube_not_sealable"),
    ]
    assert (Package.objects.count(), AuditEntry.objects.count()) == (packages, audits)
    assert Tube.objects.get(barcode="T0001").package_id is None


def test_seal_refuses_a_package_code_used_before(tree, api):
    s, sampler, _tech = _setup(tree, api, tubes=2)
    assert _seal(sampler, s, "P0001", ["T0000"]).status_code == 201
    again = _seal(sampler, s, "P0001", ["T0001"])
    assert again.status_code == 409
    assert again.json()["code"] == "package_exists"
    assert Tube.objects.get(barcode="T0001").package_id is None


def test_a_package_is_handed_over_once(tree, api):
    s, sampler, _tech = _setup(tree, api, tubes=1)
    assert _seal(sampler, s, "P0001", ["T0000"]).status_code == 201
    assert (
        sampler.post("/api/v1/lab/packages/P0001/handover", {"vehicle": "沪A1"}).status_code == 200
    )
    again = sampler.post("/api/v1/lab/packages/P0001/handover", {"vehicle": "沪B2"})
    assert again.status_code == 409
    assert again.json()["code"] == "package_not_sealed"
    assert Package.objects.get(code="P0001").vehicle == "沪A1"
