"""Results out in batches to the health-code service and the provincial platform (R17):
every reported person once, in order, retried until accepted, never stored in clear."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fangkong.core.audit import audit_chain_verify
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.lab.choices import ExportStatus, ExportTarget, TubeResult
from fangkong.lab.exchange import services as exports
from fangkong.lab.models import ResultExport
from fangkong.lab.results.services import ResultInput, results_apply
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.transport.services import package_receive


def _reported(s: Screening, tubes: dict[str, tuple[list[str], str]]) -> None:
    for barcode, (ids, _result) in tubes.items():
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(barcode=barcode, members=[MemberInput(id_number=n) for n in ids]),
        )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=list(tubes))
    results_apply(
        actor=s.technician,
        lab=s.lab,
        rows=[
            ResultInput(
                barcode=barcode, result=result, ct_orf1ab=31.5 if result != "negative" else None
            )
            for barcode, (_ids, result) in tubes.items()
        ],
    )


class _Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[str, dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.answers.pop(0) if self.answers else 200
        if status == 200:
            self.received.append((self.headers["Idempotency-Key"], body))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver(settings: Any) -> Iterator[type[_Receiver]]:
    _Receiver.answers, _Receiver.received = [], []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.RESULT_EXPORT_PROVINCIAL_URL = f"http://127.0.0.1:{server.server_port}/upload"
    settings.RESULT_EXPORT_HEALTH_CODE_URL = ""
    try:
        yield _Receiver
    finally:
        server.shutdown()
        server.server_close()


def test_results_go_out_once_per_person_with_the_platform_codes(tree, receiver, monkeypatch):
    s = screening_make(tree, residents=9)
    _reported(
        s,
        {
            "E0001": (s.ids[0:3], TubeResult.NEGATIVE),
            "E0002": (s.ids[3:6], TubeResult.POOLED_POSITIVE),
            "E0003": (s.ids[6:8], TubeResult.INVALID),  # re-sampled, nothing to report
        },
    )
    later = timezone.now() + timedelta(minutes=2)
    assert exports.result_exports_run(now=timezone.now()) == {ExportTarget.PROVINCIAL: 0}
    receiver.answers = [503]  # the platform is down once
    assert exports.result_exports_run(now=later) == {ExportTarget.PROVINCIAL: 0}
    batch = ResultExport.objects.get()
    assert (batch.status, batch.attempts, batch.records, batch.tubes) == (
        ExportStatus.FAILED,
        1,
        6,
        2,
    )
    assert batch.last_error == "HTTP 503"
    assert exports.result_exports_run(now=later) == {ExportTarget.PROVINCIAL: 0}  # pausing
    assert exports.result_exports_run(now=later + timedelta(minutes=1)) == {
        ExportTarget.PROVINCIAL: 1
    }
    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.last_error) == (ExportStatus.SENT, 2, "")
    ((key, body),) = receiver.received
    assert key == str(batch.code)
    assert body["record_count"] == 6
    by_number = {record["id_number"]: record for record in body["records"]}
    assert set(by_number) == set(s.ids[0:6])
    assert {by_number[n]["result"] for n in s.ids[0:3]} == {"阴性"}
    assert {by_number[n]["result"] for n in s.ids[3:6]} == {"混管可疑阳性"}
    record = by_number[s.ids[3]]
    assert (record["id_type"], record["test_item"]) == ("01", "1")
    assert (record["sample_no"], record["request_no"], record["report_no"]) == (
        "E0002",
        "SQE0002",
        "BGE0002",
    )
    assert record["org_code"] == str(s.lab.code)
    assert record["ct_orf1ab"] == 31.5
    # nothing is sent twice; later results make a new batch
    assert exports.result_exports_run(now=later + timedelta(minutes=2)) == {
        ExportTarget.PROVINCIAL: 0
    }
    assert len(receiver.received) == 1
    reads = AccessEntry.objects.filter(purpose="result_export")
    assert reads.count() == 2  # one per attempt, subjects by code only
    assert [sorted(read.subject_ids) for read in reads] == [
        sorted(str(p.code) for p in s.people[0:6])
    ] * 2
    assert AuditEntry.objects.filter(action="result_export_send").count() == 2
    assert audit_chain_verify().ok
    # no identity number is stored with the batch
    stored = json.dumps(list(ResultExport.objects.values()), default=str)
    assert not any(n in stored for n in s.ids)


def test_batches_hold_at_most_the_platform_limit_and_go_in_order(tree, receiver, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_BATCH_RECORDS", 4)
    s = screening_make(tree, residents=10)
    _reported(
        s,
        {
            "F0001": (s.ids[0:3], TubeResult.NEGATIVE),
            "F0002": (s.ids[3:6], TubeResult.NEGATIVE),
            "F0003": (s.ids[6:10], TubeResult.NEGATIVE),
        },
    )
    later = timezone.now() + timedelta(minutes=2)
    receiver.answers = [200, 500]
    assert exports.result_exports_run(now=later) == {ExportTarget.PROVINCIAL: 1}
    statuses = list(ResultExport.objects.values_list("records", "status"))
    assert statuses == [(3, "sent"), (3, "failed"), (4, "pending")]  # the third waits its turn
    assert exports.result_exports_run(now=later + timedelta(minutes=5)) == {
        ExportTarget.PROVINCIAL: 2
    }
    sent = [sorted(r["sample_no"] for r in body["records"]) for _key, body in receiver.received]
    assert sent == [["F0001"] * 3, ["F0002"] * 3, ["F0003"] * 4]


def test_a_file_destination_gets_one_document_per_batch(tree, settings, tmp_path: Path):
    settings.RESULT_EXPORT_HEALTH_CODE_URL = f"file://{tmp_path}/out"
    settings.RESULT_EXPORT_PROVINCIAL_URL = ""
    s = screening_make(tree, residents=2)
    _reported(s, {"G0001": (s.ids, TubeResult.POOLED_POSITIVE)})
    tube_bind(  # the single re-test of the first member
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode="G0002", members=[MemberInput(id_number=s.ids[0])], kind="retest"),
    )
    package_receive(actor=s.technician, lab=s.lab, package_code="", barcodes=["G0002"])
    results_apply(
        actor=s.technician, lab=s.lab, rows=[ResultInput(barcode="G0002", result="positive")]
    )
    assert exports.result_exports_run(now=timezone.now() + timedelta(minutes=2)) == {
        ExportTarget.HEALTH_CODE: 1
    }
    (written,) = (tmp_path / "out").iterdir()
    body = json.loads(written.read_text())
    assert [(r["sample_no"], r["result"]) for r in body["records"]] == [
        ("G0001", "混管可疑阳性"),
        ("G0001", "混管可疑阳性"),
        ("G0002", "阳性"),
    ]


def test_without_a_destination_nothing_is_cut(tree, settings):
    settings.RESULT_EXPORT_HEALTH_CODE_URL = ""
    settings.RESULT_EXPORT_PROVINCIAL_URL = ""
    s = screening_make(tree, residents=2)
    _reported(s, {"H0001": (s.ids, TubeResult.NEGATIVE)})
    assert exports.result_exports_run(now=timezone.now() + timedelta(minutes=2)) == {}
    assert not ResultExport.objects.exists()


def test_city_commanders_see_the_batches_and_retry_a_failed_one(tree, receiver, api):
    from fangkong.accounts.choices import Role
    from fangkong.accounts.tests.factories import actor_make

    s = screening_make(tree, residents=3)
    _reported(s, {"J0001": (s.ids, TubeResult.NEGATIVE)})
    receiver.answers = [500]
    later = timezone.now() + timedelta(minutes=2)
    exports.result_exports_run(now=later)
    batch = ResultExport.objects.get()
    commander = api(actor_make(role=Role.COMMANDER, region=tree["city"]))
    listed = commander.get("/api/v1/lab/result-exports", status="failed")
    assert listed.status_code == 200, listed.json()
    (item,) = listed.json()["items"]
    assert (item["code"], item["records"], item["last_error"]) == (str(batch.code), 3, "HTTP 500")
    assert "id_number" not in str(listed.json())
    district = api(actor_make(role=Role.COMMANDER, region=tree["district_a"]))
    refused = district.get("/api/v1/lab/result-exports")
    assert (refused.status_code, refused.json()["code"]) == (403, "export_city_level_only")
    assert api(s.sampler).get("/api/v1/lab/result-exports").status_code == 403
    missing = commander.post(f"/api/v1/lab/result-exports/{uuid.uuid4()}/retry", {"reason": "x"})
    assert missing.status_code == 404
    retried = commander.post(
        f"/api/v1/lab/result-exports/{batch.code}/retry", {"reason": "the platform is back"}
    )
    assert retried.status_code == 200, retried.json()
    assert AuditEntry.objects.filter(action="result_export_retry").count() == 1
    # the next run (before the pause would have ended) sends it
    assert exports.result_exports_run(now=timezone.now() + timedelta(seconds=61)) == {
        ExportTarget.PROVINCIAL: 1
    }
    again = commander.post(f"/api/v1/lab/result-exports/{batch.code}/retry", {"reason": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "export_not_failed")


def test_a_city_command_does_not_see_batches_that_cover_another_city(tree, receiver, api):
    from fangkong.accounts.choices import Role
    from fangkong.accounts.tests.factories import actor_make
    from fangkong.core.actor import SYSTEM
    from fangkong.lab.rounds.services import sampling_point_create
    from fangkong.regions.tests.factories import region_make

    s = screening_make(tree, residents=2)
    _reported(s, {"K0001": (s.ids, TubeResult.NEGATIVE)})
    exports.result_exports_run(now=timezone.now() + timedelta(minutes=2))
    assert ResultExport.objects.count() == 1
    city = api(actor_make(role=Role.COMMANDER, region=tree["city"]))
    assert city.get("/api/v1/lab/result-exports").status_code == 200
    # the installation now also samples in a second city of the province
    other_city = region_make("110200", "邻市", tree["province"])
    sampling_point_create(actor=SYSTEM, region=other_city, name="邻市采样点")
    refused = city.get("/api/v1/lab/result-exports")
    assert (refused.status_code, refused.json()["code"]) == (403, "export_outside_jurisdiction")
    batch = ResultExport.objects.get()
    retry = city.post(f"/api/v1/lab/result-exports/{batch.code}/retry", {"reason": "x"})
    assert retry.status_code == 403
    province = api(actor_make(role=Role.COMMANDER, region=tree["province"]))
    listed = province.get("/api/v1/lab/result-exports")
    assert listed.status_code == 200, listed.json()
    assert len(listed.json()["items"]) == 1
