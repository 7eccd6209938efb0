"""The lab's zone of a grid follows the area it lies in (issue 19 §8): through the lab's
sampling services and pages' selector, with areas designated, stepped down and lifted by
this app's services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.errors import FangkongError
from fangkong.lab.sampling.selectors import sampling_posts
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import Screening, screening_make
from fangkong.lab.zones import zone_at
from fangkong.regions.models import Region
from fangkong.risk_areas.services import risk_area_designate, risk_area_lift
from fangkong.risk_areas.tests.conftest import Clock
from fangkong.risk_areas.tests.factories import residents_make, round_make
from fangkong.risk_areas.zones import risk_area_zones

pytestmark = pytest.mark.django_db


def _zone(s: Screening) -> str:
    (post,) = [p for p in sampling_posts(s.sampler) if p.round.id == s.round.id]
    return post.zone


def _bind(s: Screening, barcode: str, people: range) -> Any:
    return tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode=barcode, members=[MemberInput(id_number=s.ids[i]) for i in people]),
    )


def test_a_grid_in_a_high_area_pools_by_household_and_returns_to_its_zone_when_lifted(
    tree: dict[str, Region], clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    s = screening_make(tree, residents=12)
    commander = actor_make(role=Role.COMMANDER, region=tree["district_a"])
    assert _zone(s) == "other"
    # before: twenty to a tube, households mixed
    assert _bind(s, "Z0001", range(4)).tube.zone == "other"

    area = risk_area_designate(
        actor=commander,
        region=tree["community_a"],
        level="high",
        unit="compound",
        name="幸福里社区",
        reason="两例本土感染者居住",
    )
    assert _zone(s) == "high"
    # the 9th edition's high area: one tube per household (people 4-5 and 6 live apart)
    with pytest.raises(FangkongError) as refused:
        _bind(s, "Z0002", range(4, 7))
    assert refused.value.code == "household_mixed"
    bound = _bind(s, "Z0002", range(6, 9))
    assert (bound.tube.zone, bound.tube.per_household) == ("high", True)

    # 7 clean days and an all-negative round on day 7: high → medium, ten to a tube
    time.day(7)
    residents = residents_make(tree["grid_a1"], ["3号楼1单元101", "3号楼1单元102"])
    round_make(tree["community_a"], residents, at=time.at(7), results=["negative"] * 2)
    risk_area_lift(actor=commander, area=area, reason="连续7天无新增")
    assert _zone(s) == "medium"
    bound = _bind(s, "Z0003", range(9, 11))
    assert (bound.tube.zone, bound.tube.ratio, bound.tube.per_household) == ("medium", 10, False)
    # 3 days more: medium → low; then low → routine control, the round's own zone again
    time.day(10)
    risk_area_lift(actor=commander, area=area, reason="连续3天无新增")
    assert _zone(s) == "low"
    risk_area_lift(actor=commander, area=area, reason="县内无中高风险区")
    assert _zone(s) == "other"
    assert risk_area_zones([tree["district_a"].path]) == {}


def test_a_round_areas_own_deeper_zone_is_not_undone_by_a_wider_area(
    tree: dict[str, Region], clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    commander = actor_make(role=Role.COMMANDER, region=tree["district_a"])
    designate: dict[str, Any] = {"actor": commander, "reason": "本土感染者居住"}
    risk_area_designate(
        region=tree["grid_a1"], level="high", unit="compound", name="幸福里", **designate
    )
    risk_area_designate(
        region=tree["district_a"], level="low", unit="county_remainder", name="其余", **designate
    )
    risk_area_designate(
        region=tree["grid_a2"],
        level="high",
        unit="building",
        building="3",
        name="3号楼",
        **designate,
    )
    zones = risk_area_zones([tree["district_a"].path])
    # the building's area gives its grid no zone: the point serves the whole grid
    assert zones == {tree["grid_a1"].path: "high", tree["district_a"].path: "low"}
    # nothing outside the paths asked about
    assert risk_area_zones([tree["district_b"].path]) == {}
    grid1, grid2, district = (tree[k].path for k in ("grid_a1", "grid_a2", "district_a"))
    assert zone_at(grid1, (district, "other"), zones) == "high"
    assert zone_at(grid2, (district, "other"), zones) == "low"
    # a round's own zone on a deeper node stands; on the area's own node the area wins
    assert zone_at(grid2, (grid2, "medium"), zones) == "medium"
    assert zone_at(grid1, (grid1, "medium"), zones) == "high"
