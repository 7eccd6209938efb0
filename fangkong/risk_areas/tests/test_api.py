"""The risk-area API: list and paging, designate, level, lift, infections, contacts, the
lifting assessment; anonymous, wrong role and other district answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AuditEntry
from fangkong.regions.models import Region
from fangkong.risk_areas.models import AreaInfection, RiskArea
from fangkong.risk_areas.tests.conftest import Clock
from fangkong.risk_areas.tests.factories import residents_make, round_make

pytestmark = pytest.mark.django_db
BASE = "/api/v1/risk-areas"


def designate_body(tree: dict[str, Region], **fields: Any) -> dict[str, Any]:
    return {
        "region_code": tree["grid_a1"].code,
        "unit": "compound",
        "name": "幸福里小区",
        "level": "high",
        "reason": "本土感染者居住",
        **fields,
    }


@pytest.fixture
def commander(tree: dict[str, Region]) -> Any:
    return actor_make(role=Role.COMMANDER, region=tree["district_a"])


def test_a_commander_designates_lists_and_reads_an_area(
    tree: dict[str, Region], api: Any, commander: Any, clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    client = api(commander)
    created = client.post(BASE, designate_body(tree), headers={"Idempotency-Key": "k1"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["level"], body["status"], body["rule_set_key"]) == ("high", "designated", "nhc-9")
    again = client.post(BASE, designate_body(tree), headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201
    assert again.json()["code"] == body["code"]
    assert RiskArea.objects.count() == 1
    listed = client.get(BASE, level="high", status="designated", page_size=10).json()
    assert [item["code"] for item in listed["items"]] == [body["code"]]
    assert (listed["total"], listed["has_next"]) == (1, False)
    assert client.get(BASE, level="medium").json()["items"] == []
    assert client.get(f"{BASE}/{body['code']}").json()["name"] == "幸福里小区"
    history = client.get(f"{BASE}/{body['code']}/history").json()
    assert [item["kind"] for item in history["items"]] == ["designated"]


def test_designation_errors_name_the_field(
    tree: dict[str, Region], api: Any, commander: Any, clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    client = api(commander)
    missing = client.post(BASE, designate_body(tree, reason=""))
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["detail"]["errors"]] == ["reason"]
    level = client.post(BASE, designate_body(tree, level="lockdown"))
    assert level.status_code == 422
    assert level.json()["detail"]["errors"][0]["field"] == "level"
    building = client.post(BASE, designate_body(tree, unit="building"))
    assert building.json()["detail"]["errors"][0]["field"] == "building"
    assert RiskArea.objects.count() == 0


def test_the_tenth_edition_answers_risk_areas_disabled(
    tree: dict[str, Region], api: Any, commander: Any, clock: Callable[[str], Clock]
) -> None:
    clock("nhc-10")
    response = api(commander).post(BASE, designate_body(tree))
    assert response.status_code == 409
    assert response.json()["code"] == "risk_areas_disabled"


def test_anonymous_wrong_role_and_other_district(
    tree: dict[str, Region], api: Any, commander: Any, clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    code = api(commander).post(BASE, designate_body(tree)).json()["code"]
    assert api(None).get(BASE).status_code == 401
    assert api(None).get(f"{BASE}/{code}").status_code == 401
    sampler = actor_make(role=Role.SAMPLER, region=tree["district_a"])
    assert api(sampler).get(BASE).status_code == 403
    assert api(sampler).get(f"{BASE}/{code}").status_code == 403
    grid_worker = api(actor_make(role=Role.GRID_WORKER, region=tree["district_a"]))
    assert grid_worker.get(f"{BASE}/{code}").status_code == 200  # reads, may not write
    assert grid_worker.post(f"{BASE}/{code}/lift", {"reason": "x"}).status_code == 403
    assert grid_worker.post(BASE, designate_body(tree)).status_code == 403
    other = api(actor_make(role=Role.COMMANDER, region=tree["district_b"]))
    for path in ("", "/history", "/infections", "/lifting"):
        response = other.get(f"{BASE}/{code}{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "risk_area_not_found"
    assert other.post(f"{BASE}/{code}/lift", {"reason": "x"}).status_code == 404
    assert other.post(BASE, designate_body(tree)).status_code == 404
    assert other.get(BASE).json()["items"] == []
    assert api(commander).get(f"{BASE}/not-a-code").status_code == 404


def test_lifting_through_the_api_with_the_assessment(
    tree: dict[str, Region], api: Any, commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    client = api(commander)
    grid = tree["grid_a1"]
    residents = residents_make(grid, ["幸福里3号楼2单元501", "幸福里3号楼2单元502"])
    code = client.post(BASE, designate_body(tree)).json()["code"]
    time.day(2)
    recorded = client.post(
        f"{BASE}/{code}/infections",
        {"reference": "CASE-7", "found_on": time.on(2).isoformat(), "reason": "新增"},
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["area"]["clock_from"] == time.on(2).isoformat()
    replay = client.post(
        f"{BASE}/{code}/infections",
        {"reference": "CASE-7", "found_on": time.on(2).isoformat(), "reason": "新增"},
    )
    assert replay.status_code == 200
    assert replay.json()["created"] is False
    assert AreaInfection.objects.count() == 1
    time.day(8)
    assessment = client.get(f"{BASE}/{code}/lifting").json()
    assert (assessment["days_clean"], assessment["days_required"]) == (6, 7)
    assert assessment["next_possible_on"] == time.on(9).isoformat()
    assert assessment["unmet"] == ["days_without_new_infection", "screening_round_all_negative"]
    refused = client.post(f"{BASE}/{code}/lift", {"reason": "到期"})
    assert refused.status_code == 409
    assert refused.json()["detail"]["unmet"] == assessment["unmet"]
    time.day(9)
    round_make(grid, residents, at=time.at(9), results=["negative", "negative"])
    assessment = client.get(f"{BASE}/{code}/lifting").json()
    assert assessment["due"]
    assert assessment["round"]["all_negative"]
    assert assessment["target"] == "medium"
    lifted = client.post(f"{BASE}/{code}/lift", {"reason": "连续7天无新增"})
    assert lifted.status_code == 200
    assert lifted.json()["level"] == "medium"
    raised = client.post(f"{BASE}/{code}/level", {"level": "high", "reason": "聚集性疫情"})
    assert raised.json()["level"] == "high"
    no_reason = client.post(f"{BASE}/{code}/level", {"level": "medium"})
    assert no_reason.status_code == 422
    assert no_reason.json()["detail"]["errors"][0]["field"] == "reason"
    contacts = client.post(
        f"{BASE}/{code}/contacts",
        {"last_exposure_on": time.on(1).isoformat(), "all_negative": True, "reason": "流调"},
    )
    assert contacts.json()["last_contact_exposure_on"] == time.on(1).isoformat()
    infections = client.get(f"{BASE}/{code}/infections").json()
    assert [item["reference"] for item in infections["items"]] == ["CASE-7"]
    actions = set(
        AuditEntry.objects.filter(object_type="risk_area").values_list("action", flat=True)
    )
    assert actions == {
        "risk_area_designate",
        "area_infection_record",
        "risk_area_lift",
        "risk_area_level_set",
        "risk_area_contacts_record",
    }


def test_the_list_costs_the_same_queries_whatever_its_length(
    tree: dict[str, Region],
    api: Any,
    commander: Any,
    clock: Callable[[str], Clock],
    page_client: Any,
) -> None:
    clock("nhc-9")
    client = api(commander)
    pages = page_client(commander)
    for grid in ("grid_a1", "grid_a2"):
        assert (
            client.post(BASE, designate_body(tree, region_code=tree[grid].code)).status_code == 201
        )
    client.get(BASE)  # warm the token and rule caches
    pages.get("/risk-areas/")
    counts: list[list[int]] = []
    for extra in range(3):
        counts.append([])
        with CaptureQueriesContext(connection) as api_queries:
            assert client.get(BASE).status_code == 200
        with CaptureQueriesContext(connection) as page_queries:
            assert pages.get("/risk-areas/").status_code == 200
        counts[-1] = [len(api_queries), len(page_queries)]
        body = designate_body(tree, building=f"{extra + 1}", unit="building", name=f"{extra}号楼")
        assert client.post(BASE, body).status_code == 201
    assert counts[0] == counts[1] == counts[2]
