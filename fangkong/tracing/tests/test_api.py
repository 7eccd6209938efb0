"""The tracing API: batches in (idempotent, reconciled, rows named), a person's scans out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.people.tests.factories import person_make
from fangkong.regions.models import Region
from fangkong.tracing.choices import BatchStatus
from fangkong.tracing.models import IngestBatch
from fangkong.tracing.store import scans_frame
from fangkong.tracing.tests.factories import scan_row, venue_make

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def feed(tree: dict[str, Region]) -> Any:
    return actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])


def _body(tree: dict[str, Region], batch: str = "1") -> dict[str, Any]:
    person = person_make(region=tree["grid_a1"])
    venue = venue_make(region=tree["grid_a1"])
    return {
        "source": "venue-platform",
        "batch": batch,
        "rows": [
            scan_row(person, venue, NOW - timedelta(hours=3)),
            scan_row(person, venue, NOW - timedelta(hours=1), stay=None),
        ],
    }


def test_a_batch_is_stored_once_and_its_repeat_answered_alike(
    api: Callable[..., Any], tree: dict[str, Region], feed: Any
) -> None:
    body = _body(tree)
    first = api(feed).post("/api/v1/tracing/scans", body)
    assert first.status_code == 201, first.content
    again = api(feed).post("/api/v1/tracing/scans", body)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "repeat": True}
    assert scans_frame(NOW.date(), NOW.date()).collect().height == 2
    assert AuditEntry.objects.filter(action="tracing_batch_ingest").count() == 1


def test_an_idempotency_key_replays_the_stored_answer(
    api: Callable[..., Any], tree: dict[str, Region], feed: Any
) -> None:
    body = _body(tree)
    headers = {"Idempotency-Key": "retry-1"}
    first = api(feed).post("/api/v1/tracing/scans", body, headers=headers)
    again = api(feed).post("/api/v1/tracing/scans", body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert IngestBatch.objects.filter(status=BatchStatus.ACCEPTED).count() == 1
    other = api(feed).post("/api/v1/tracing/scans", {**body, "batch": "2"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_rejected_rows_are_named_and_the_refusal_is_recorded(
    api: Callable[..., Any], tree: dict[str, Region], feed: Any
) -> None:
    body = _body(tree)
    body["rows"].append({**body["rows"][0], "venue": "VNOPE", "scanned_at": "tomorrow"})
    answer = api(feed).post("/api/v1/tracing/scans", body, headers={"Idempotency-Key": "k"})
    assert answer.status_code == 422
    payload = answer.json()
    assert payload["code"] == "batch_rejected"
    assert [(e["row"], e["field"], e["code"]) for e in payload["detail"]["errors"]] == [
        (3, "scanned_at", "invalid_time"),
        (3, "venue", "venue_not_found"),
    ]
    assert payload["detail"]["rows_rejected"] == 1
    refused = IngestBatch.objects.get()
    assert (refused.status, refused.rows_rejected) == (BatchStatus.REFUSED, 1)
    assert AuditEntry.objects.filter(action="tracing_batch_refuse").count() == 1
    assert scans_frame(NOW.date() - timedelta(days=1), NOW.date()).collect().height == 0


def test_schema_errors_name_the_row(
    api: Callable[..., Any], tree: dict[str, Region], feed: Any
) -> None:
    body = _body(tree)
    body["rows"][1]["companions"] = -2
    answer = api(feed).post("/api/v1/tracing/scans", body)
    assert answer.status_code == 422
    assert answer.json()["detail"]["errors"][0]["field"] == "rows[1].companions"
    too_many = {**body, "rows": [body["rows"][0]] * 10_001}
    assert api(feed).post("/api/v1/tracing/scans", too_many).status_code == 422


def test_dwells_are_ingested(api: Callable[..., Any], tree: dict[str, Region], feed: Any) -> None:
    person = person_make(region=tree["grid_a1"])
    body = {
        "source": "carrier",
        "batch": "2026-12-07T14",
        "rows": [
            {
                "person": str(person.code),
                "cell": 77,
                "start": (NOW - timedelta(hours=2)).isoformat(),
                "end": (NOW - timedelta(hours=1)).isoformat(),
            }
        ],
    }
    answer = api(feed).post("/api/v1/tracing/dwells", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["kind"] == "dwells"


def test_only_feeds_send_batches(api: Callable[..., Any], tree: dict[str, Region]) -> None:
    body = _body(tree)
    epidemiologist = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["city"])
    assert api(epidemiologist).post("/api/v1/tracing/scans", body).status_code == 403
    assert api(None).post("/api/v1/tracing/scans", body).status_code == 401
    assert api(epidemiologist).get("/api/v1/tracing/batches").status_code == 403


def test_batches_list_shows_the_feed_jurisdiction_only(
    api: Callable[..., Any], tree: dict[str, Region], feed: Any
) -> None:
    assert api(feed).post("/api/v1/tracing/scans", _body(tree)).status_code == 201
    listed = api(feed).get("/api/v1/tracing/batches").json()
    assert listed["total"] == 1
    assert listed["items"][0]["rows_accepted"] == 2
    other = actor_make(role=Role.ADMINISTRATOR, region=tree["district_b"])
    assert api(other).get("/api/v1/tracing/batches").json()["total"] == 0


def test_person_scans_are_scoped_role_bound_and_logged(
    api: Callable[..., Any], tree: dict[str, Region], feed: Any
) -> None:
    body = _body(tree)
    assert api(feed).post("/api/v1/tracing/scans", body).status_code == 201
    code = body["rows"][0]["person"]
    investigator = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    answer = api(investigator).get(f"/api/v1/tracing/persons/{code}/scans", days=3)
    assert answer.status_code == 200, answer.content
    items = answer.json()["items"]
    assert [item["venue_code"] for item in items] == [body["rows"][0]["venue"]] * 2
    assert items[1]["left_at"] is None
    logged = AccessEntry.objects.filter(actor_id=investigator.user_id, action="person_scans")
    assert [entry.subject_ids for entry in logged] == [[code]]
    elsewhere = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_b"])
    assert api(elsewhere).get(f"/api/v1/tracing/persons/{code}/scans").status_code == 404
    grid = actor_make(role=Role.GRID_WORKER, region=tree["district_a"])
    assert api(grid).get(f"/api/v1/tracing/persons/{code}/scans").status_code == 403
    assert (
        api(investigator).get(f"/api/v1/tracing/persons/{code}/scans", days=61).status_code == 422
    )


def test_venue_registration(api: Callable[..., Any], tree: dict[str, Region], feed: Any) -> None:
    body = {
        "code": "V110105000777",
        "name": "面馆",
        "region_code": tree["grid_a1"].code,
        "kind": "restaurant",
    }
    assert api(feed).post("/api/v1/tracing/venues", body).status_code == 201
    again = api(feed).post("/api/v1/tracing/venues", body)
    assert again.status_code == 422
    assert again.json()["code"] == "venue_code_taken"
    outside = {**body, "code": "V2", "region_code": tree["grid_b1"].code}
    assert api(feed).post("/api/v1/tracing/venues", outside).json()["code"] == "region_not_found"
