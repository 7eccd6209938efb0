"""The risk-area pages: list, filter, designation form, detail with the lifting assessment,
history and the change forms; anonymous, wrong role and other district."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.regions.models import Region
from fangkong.risk_areas.models import AreaInfection, RiskArea
from fangkong.risk_areas.services import risk_area_designate
from fangkong.risk_areas.tests.conftest import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def commander(tree: dict[str, Region]) -> Any:
    return actor_make(role=Role.COMMANDER, region=tree["district_a"])


def area_make(actor: Any, region: Region, level: str = "high") -> RiskArea:
    return risk_area_designate(
        actor=actor, region=region, unit="compound", name="幸福里小区", level=level, reason="x"
    )


def test_a_commander_designates_from_the_list_page(
    tree: dict[str, Region], commander: Any, page_client: Callable[[Any], Client], clock: Any
) -> None:
    clock("nhc-9")
    client = page_client(commander)
    page = client.get("/risk-areas/")
    assert page.status_code == 200
    assert b"designate-title" in page.content
    body = {
        "region": tree["grid_a1"].code,
        "unit": "compound",
        "name": "阳光小区",
        "level": "high",
        "reason": "确诊病例居住",
    }
    refused = client.post("/risk-areas/", {**body, "reason": ""})
    assert refused.status_code == 422
    assert RiskArea.objects.count() == 0
    done = client.post("/risk-areas/", body)
    area = RiskArea.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/risk-areas/{area.code}/"
    listed = client.get("/risk-areas/", {"level": "high", "status": "designated"})
    assert "阳光小区" in listed.content.decode()
    assert "阳光小区" not in client.get("/risk-areas/", {"status": "lifted"}).content.decode()
    detail = client.get(f"/risk-areas/{area.code}/")
    text = detail.content.decode()
    assert detail.status_code == 200
    assert "data-lifting" in text
    assert "days_without_new_infection" in text
    assert "确诊病例居住" in text  # the history's reason


def test_the_detail_page_records_an_infection_and_shows_refusals_on_the_form(
    tree: dict[str, Region], commander: Any, page_client: Callable[[Any], Client], clock: Any
) -> None:
    time: Clock = clock("nhc-9")
    area = area_make(commander, tree["grid_a1"])
    client = page_client(commander)
    url = f"/risk-areas/{area.code}/infection/"
    body = {"reference": "CASE-9", "found_on": time.on(0).isoformat(), "reason": "新增"}
    assert client.post(url, body).status_code == 302
    assert AreaInfection.objects.filter(area=area).count() == 1
    refused = client.post(f"/risk-areas/{area.code}/lift/", {"reason": "到期"})
    assert refused.status_code == 422
    assert "days_without_new_infection" in refused.content.decode()
    no_reason = client.post(f"/risk-areas/{area.code}/level/", {"level": "medium", "reason": ""})
    assert no_reason.status_code == 422
    assert client.post(f"/risk-areas/{area.code}/nothing/", {"reason": "x"}).status_code == 404
    assert "CASE-9" in client.get(f"/risk-areas/{area.code}/").content.decode()


def test_anonymous_wrong_role_and_other_district_pages(
    tree: dict[str, Region], commander: Any, page_client: Callable[[Any], Client], clock: Any
) -> None:
    clock("nhc-9")
    area = area_make(commander, tree["grid_a1"])
    detail = f"/risk-areas/{area.code}/"
    assert Client().get("/risk-areas/").status_code == 302
    sampler = page_client(actor_make(role=Role.SAMPLER, region=tree["district_a"]))
    assert sampler.get("/risk-areas/").status_code == 403
    assert sampler.get(detail).status_code == 403
    grid_worker = page_client(actor_make(role=Role.GRID_WORKER, region=tree["district_a"]))
    assert grid_worker.get(detail).status_code == 200
    assert b"designate-title" not in grid_worker.get("/risk-areas/").content
    assert grid_worker.post(f"{detail}lift/", {"reason": "x"}).status_code == 403
    assert grid_worker.post("/risk-areas/", {"reason": "x"}).status_code == 403
    other = page_client(actor_make(role=Role.COMMANDER, region=tree["district_b"]))
    assert other.get(detail).status_code == 404
    assert other.post(f"{detail}lift/", {"reason": "x"}).status_code == 404
    assert "幸福里小区" not in other.get("/risk-areas/").content.decode()


def test_under_the_tenth_edition_the_page_says_there_are_no_risk_areas(
    tree: dict[str, Region], commander: Any, page_client: Callable[[Any], Client], clock: Any
) -> None:
    clock("nhc-10")
    page = page_client(commander).get("/risk-areas/")
    assert b"data-risk-areas-disabled" in page.content
    assert b"designate-title" not in page.content


def test_the_pages_read_in_chinese(
    tree: dict[str, Region], commander: Any, page_client: Callable[[Any], Client], clock: Any
) -> None:
    clock("nhc-9")
    area = area_make(commander, tree["grid_a1"])
    client = page_client(commander)
    with translation.override("zh-hans"):
        page = client.get("/risk-areas/", headers={"accept-language": "zh-hans"})
        detail = client.get(f"/risk-areas/{area.code}/", headers={"accept-language": "zh-hans"})
    assert "风险区" in page.content.decode()
    assert "高风险区" in detail.content.decode()
    assert "解除评估" in detail.content.decode()


def test_the_menu_shows_risk_areas_to_the_roles_the_page_admits(
    tree: dict[str, Region], page_client: Callable[[Any], Client], clock: Any
) -> None:
    clock("nhc-9")
    epidemiologist = page_client(actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"]))
    assert b'href="/risk-areas/"' in epidemiologist.get("/").content
    sampler = page_client(actor_make(role=Role.SAMPLER, region=tree["district_a"]))
    assert b'href="/risk-areas/"' not in sampler.get("/").content
