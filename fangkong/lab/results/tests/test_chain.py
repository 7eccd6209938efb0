"""The pooled-positive chain end to end through the API: bind → seal → hand over → receive →
pooled positive → members held → single re-tests → the positive member found, the others
cleared."""

from __future__ import annotations

import uuid

from fangkong.core.actor import SYSTEM
from fangkong.lab.choices import MemberOutcome, Recipient, RetestStatus
from fangkong.lab.models import Binding, Notification, RetestTask, Tube
from fangkong.lab.results.retests import retest_tasks_in_scope
from fangkong.lab.tests.factories import screening_make


def _bind(client, s, barcode, ids, **extra):
    return client.post(
        "/api/v1/lab/tubes",
        {
            "round": str(s.round.code),
            "point": str(s.point.code),
            "barcode": barcode,
            "members": [{"id_number": number} for number in ids],
            **extra,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


def test_pooled_positive_chain_end_to_end(tree, api):
    s = screening_make(tree, residents=12)
    sampler, tech = api(s.sampler), api(s.technician)

    first = _bind(sampler, s, "T0001", s.ids[:10])
    assert first.status_code == 201, first.json()
    assert first.json()["ratio"] == 20
    assert first.json()["member_count"] == 10
    second = _bind(sampler, s, "T0002", s.ids[10:12])
    assert second.status_code == 201

    sealed = sampler.post(
        "/api/v1/lab/packages",
        {
            "code": "P0001",
            "round": str(s.round.code),
            "point": str(s.point.code),
            "lab": str(s.lab.code),
            "tubes": ["T0001", "T0002"],
        },
    )
    assert sealed.status_code == 201, sealed.json()
    handed = sampler.post("/api/v1/lab/packages/P0001/handover", {"vehicle": "沪A12345"})
    assert handed.status_code == 200
    assert handed.json()["status"] == "in_transit"

    receipt = tech.post(
        f"/api/v1/lab/labs/{s.lab.code}/receipts", {"package": "P0001", "tubes": ["T0001", "T0002"]}
    )
    assert receipt.status_code == 200, receipt.json()
    assert receipt.json()["anomalies"] == []

    results = tech.post(
        f"/api/v1/lab/labs/{s.lab.code}/results",
        {
            "results": [
                {"barcode": "T0001", "result": "pooled_positive", "ct_orf1ab": 31.2, "ct_n": 30.5},
                {"barcode": "T0002", "result": "negative"},
            ]
        },
    )
    assert results.status_code == 200, results.json()
    body = results.json()
    assert body["applied"] == 2
    assert body["retest_tasks"] == 10
    assert body["held"] == 10

    held = Binding.objects.filter(tube__barcode="T0001")
    assert set(held.values_list("outcome", flat=True)) == {MemberOutcome.HELD}
    # a negative tube's members are not written one by one: they read negative through it
    negative = tech.get("/api/v1/lab/tubes/T0002").json()["members"]
    assert {member["outcome"] for member in negative} == {MemberOutcome.NEGATIVE}
    notes = Notification.objects.filter(tube__barcode="T0001")
    assert {n.recipient for n in notes} == {
        Recipient.WORKING_GROUP,
        Recipient.EMERGENCY_SQUAD,
        Recipient.POLICE,
        Recipient.COMMUNITY,
    }
    assert all(n.latency_ms < 60_000 for n in notes)
    # One open task per member, derived from their outcome: no row written yet
    opened = {t.person_id: t.code for t in retest_tasks_in_scope(SYSTEM, status="open")}
    assert set(opened) == {p.id for p in s.people[:10]}
    assert not RetestTask.objects.exists()

    # Single re-tests: the fourth member is the positive one.
    for position, number in enumerate(s.ids[:10]):
        retest = _bind(sampler, s, f"R{position:04d}", [number], kind="retest")
        assert retest.status_code == 201, retest.json()
        assert retest.json()["ratio"] == 1
    # Acted upon, each task is written under the code it was shown with
    sampled = RetestTask.objects.filter(status=RetestStatus.SAMPLED)
    assert {t.person_id: t.code for t in sampled} == opened
    assert not retest_tasks_in_scope(SYSTEM, status="open")
    barcodes = [f"R{position:04d}" for position in range(10)]
    sampler.post(
        "/api/v1/lab/packages",
        {
            "code": "P0002",
            "round": str(s.round.code),
            "point": str(s.point.code),
            "lab": str(s.lab.code),
            "tubes": barcodes,
        },
    )
    tech.post(f"/api/v1/lab/labs/{s.lab.code}/receipts", {"package": "P0002", "tubes": barcodes})
    resolved = tech.post(
        f"/api/v1/lab/labs/{s.lab.code}/results",
        {
            "results": [
                {"barcode": code, "result": "positive" if code == "R0003" else "negative"}
                for code in barcodes
            ]
        },
    )
    assert resolved.status_code == 200, resolved.json()

    outcomes = dict(
        Binding.objects.filter(tube__barcode="T0001").values_list("person__code", "outcome")
    )
    positive = s.people[3].code
    assert outcomes[positive] == MemberOutcome.POSITIVE
    assert {v for k, v in outcomes.items() if k != positive} == {MemberOutcome.CLEARED}
    assert RetestTask.objects.filter(status=RetestStatus.DONE).count() == 10
    assert Tube.objects.get(barcode="R0003").result == "positive"
