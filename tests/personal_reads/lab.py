"""The lab: rounds, sampling, transport, results: how ``tests/test_personal_reads_are_logged.py``
classifies this app's API operations (see ``tests.personal_reads``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from fangkong.lab.sampling.codes import sampling_code_issue
from tests.personal_reads.world import Call, World, idempotency_key


def _tube(w: World, api: Any) -> Any:
    body = {
        "round": str(w.s.round.code),
        "point": str(w.s.point.code),
        "barcode": "T0002",
        "members": [{"id_number": w.s.ids[3]}],
    }
    return api(w.s.sampler).post("/api/v1/lab/tubes", body, headers=idempotency_key())


def _verify(w: World, api: Any) -> Any:
    person = w.s.people[0]
    code = sampling_code_issue(person_code=person.code, name=person.name, masked_id="")
    return api(w.s.sampler).post("/api/v1/lab/sampling-codes/verify", {"code": code})


def _antigen(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[6].code),
        "source": "clinic",
        "result": "negative",
        "tested_at": timezone.now().isoformat(),
    }
    return api(w.clinician).post("/api/v1/lab/antigen", body, headers=idempotency_key())


def _exemption(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[7].code),
        "reason": "isolated",
        "valid_until": (timezone.now() + timedelta(days=3)).isoformat(),
    }
    return api(w.grid).post("/api/v1/lab/exemptions", body, headers=idempotency_key())


def _key_group(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[8].code),
        "group": "inbound_contact",
        "since": timezone.localdate().isoformat(),
    }
    return api(w.grid).post("/api/v1/lab/key-groups", body, headers=idempotency_key())


def _key_group_remove(w: World, api: Any) -> Any:
    _key_group(w, api)
    path = f"/api/v1/lab/key-groups/{w.s.people[8].code}/inbound_contact/remove"
    return api(w.grid).post(path, {"reason": "left the group"})


def _arrival(w: World, api: Any) -> Any:
    body = {
        "person": str(w.s.people[8].code),
        "arrived_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "origin": "广州",
    }
    return api(w.grid).post("/api/v1/lab/arrivals", body, headers=idempotency_key())


#: This app's operations that return no personal data, each with the reason.
NO_PERSONAL_DATA: dict[str, str] = {
    "GET /api/v1/lab/sampling-codes/public-key": "a public key",
    "POST /api/v1/lab/rounds": "a round: name, areas, counts",
    "GET /api/v1/lab/rounds": "rounds: name, areas, counts",
    "GET /api/v1/lab/rounds/{code}": "a round: name, areas, counts",
    "POST /api/v1/lab/rounds/{code}/close": "a round: name, areas, counts",
    "POST /api/v1/lab/points": "a sampling point: a place, not a person",
    "GET /api/v1/lab/points": "sampling points",
    "POST /api/v1/lab/points/{code}/staff": "staff assignment; answers 204",
    "POST /api/v1/lab/points/{code}/staff/remove": "staff assignment; answers 204",
    "POST /api/v1/lab/labs": "a laboratory",
    "GET /api/v1/lab/labs": "laboratories",
    "POST /api/v1/lab/labs/{code}/staff": "staff assignment; answers 204",
    "POST /api/v1/lab/labs/{code}/staff/remove": "staff assignment; answers 204",
    "POST /api/v1/lab/exemptions/{code}/revoke": "the exemption's code and end time; no person",
    "POST /api/v1/lab/packages": "a package: codes and tube counts",
    "GET /api/v1/lab/packages/{code}": "a package: codes and tube counts",
    "POST /api/v1/lab/packages/{code}/handover": "a package: codes and tube counts",
    "POST /api/v1/lab/labs/{code}/receipts": "barcodes and receipt anomalies, no member",
    "POST /api/v1/lab/labs/{code}/results": "counts of results applied",
    "POST /api/v1/lab/labs/{code}/uploads": "a file's reconciliation: counts, rows, barcodes",
    "GET /api/v1/lab/rounds/{code}/coverage": "aggregate counts per node",
    "GET /api/v1/lab/alerts": "tube-level alerts: barcode, node, due time; no member",
    "POST /api/v1/lab/alerts/{kind}/{barcode}/assign": "a tube-level alert",
    "POST /api/v1/lab/alerts/{kind}/{barcode}/close": "a tube-level alert",
    "GET /api/v1/lab/result-exports": "export batches: counts and delivery state",
    "POST /api/v1/lab/result-exports/{code}/retry": "an export batch: counts and state",
}


#: A real call for each of this app's operations that returns personal data.
CALLS: dict[str, Call] = {
    "POST /api/v1/lab/tubes": _tube,
    "GET /api/v1/lab/tubes/{barcode}": lambda w, api: api(w.s.commander).get(
        "/api/v1/lab/tubes/T0001"
    ),
    "POST /api/v1/lab/people/{code}/sampling-code": lambda w, api: api(w.s.sampler).post(
        f"/api/v1/lab/people/{w.s.people[0].code}/sampling-code"
    ),
    "POST /api/v1/lab/sampling-codes/verify": _verify,
    "GET /api/v1/lab/retests": lambda w, api: api(w.s.commander).get("/api/v1/lab/retests"),
    "GET /api/v1/lab/rounds/{code}/untested": lambda w, api: api(w.s.commander).get(
        f"/api/v1/lab/rounds/{w.s.round.code}/untested"
    ),
    "GET /api/v1/lab/rounds/{code}/untested.csv": lambda w, api: api(w.s.commander).get(
        f"/api/v1/lab/rounds/{w.s.round.code}/untested.csv", purpose="door_to_door"
    ),
    "POST /api/v1/lab/exemptions": _exemption,
    "GET /api/v1/lab/people/{code}/tests": lambda w, api: api(w.s.commander).get(
        f"/api/v1/lab/people/{w.s.people[0].code}/tests"
    ),
    "POST /api/v1/lab/key-groups": _key_group,
    "POST /api/v1/lab/key-groups/{person}/{group}/remove": _key_group_remove,
    "GET /api/v1/lab/key-groups/overdue": lambda w, api: (
        _key_group(w, api),
        api(w.grid).get("/api/v1/lab/key-groups/overdue", all="true"),
    )[1],
    "POST /api/v1/lab/arrivals": _arrival,
    "GET /api/v1/lab/arrivals": lambda w, api: (
        _arrival(w, api),
        api(w.grid).get("/api/v1/lab/arrivals"),
    )[1],
    "POST /api/v1/lab/antigen": _antigen,
    "GET /api/v1/lab/persons/{code}/antigen": lambda w, api: (
        _antigen(w, api),
        api(w.clinician).get(f"/api/v1/lab/persons/{w.s.people[6].code}/antigen"),
    )[1],
}
