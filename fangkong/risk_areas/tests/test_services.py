"""Risk-area services: lifting and reset sequences under each edition (R5, R6), the
all-negative round, idempotent infections, governance and audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.people.tests.factories import id_number_make
from fangkong.regions.models import Region
from fangkong.risk_areas.choices import RiskAreaEventKind, RiskAreaStatus
from fangkong.risk_areas.models import AreaInfection, RiskArea, RiskAreaEvent
from fangkong.risk_areas.selectors import lifting_assess
from fangkong.risk_areas.services import (
    area_infection_record,
    risk_area_contacts_record,
    risk_area_designate,
    risk_area_level_set,
    risk_area_lift,
    risk_area_lifting_run,
)
from fangkong.risk_areas.tests.conftest import Clock
from fangkong.risk_areas.tests.factories import residents_make, round_make

pytestmark = pytest.mark.django_db

ADDRESSES = ["幸福里3号楼2单元501", "幸福里3号楼2单元502", "幸福里3号楼1单元101"]


@pytest.fixture
def commander(tree: dict[str, Region]) -> Any:
    return actor_make(role=Role.COMMANDER, region=tree["district_a"])


def designate(actor: Any, region: Region, level: str, **fields: Any) -> RiskArea:
    values: dict[str, Any] = {
        "unit": "compound",
        "name": "幸福里小区",
        "reason": "两例本土感染者居住",
        **fields,
    }
    return risk_area_designate(actor=actor, region=region, level=level, **values)


def unmet(area: RiskArea) -> tuple[str, ...]:
    area.refresh_from_db()
    return lifting_assess(area).unmet


def kinds(area: RiskArea) -> list[str]:
    return list(RiskAreaEvent.objects.filter(area=area).values_list("kind", flat=True))


# --- 9th edition (R5) -----------------------------------------------------------------------


def test_ninth_edition_high_steps_to_medium_after_7_clean_days_and_a_day7_negative_round(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    grid = tree["grid_a1"]
    residents = residents_make(grid, ADDRESSES)
    area = designate(commander, grid, "high", last_infection_on=time.on(0))
    assert (area.level, area.status, area.clock_from) == ("high", "designated", time.on(0))
    assert area.rule_set_key == "nhc-9"
    assert area.rule_set_version.startswith("nhc-9@r")

    time.day(6)
    assert "days_without_new_infection" in unmet(area)
    with pytest.raises(Conflict) as refused:
        risk_area_lift(actor=commander, area=area, reason="到期")
    assert refused.value.code == "lifting_conditions_unmet"
    # a round on day 6 is before day 7 of the clock: it does not count
    round_make(grid, residents, at=time.at(6), results=["negative"] * 3)
    time.day(7)
    assert unmet(area) == ("screening_round_all_negative",)
    round_make(grid, residents, at=time.at(7, 8), results=["negative", "pending", "negative"])
    assert unmet(area) == ("screening_round_all_negative",)
    round_make(grid, residents, at=time.at(7, 9), results=["negative"] * 3)
    assessment = lifting_assess(area)
    assert assessment.due
    assert assessment.round is not None
    assert assessment.round.sampled == 3
    risk_area_lift(actor=commander, area=area, reason="连续7天无新增，第7天全员阴性")
    area.refresh_from_db()
    assert (area.level, area.stepped_down, area.clock_from) == ("medium", True, time.on(7))

    # stepped down from high: 3 clean days, no round, → low
    time.day(9)
    assert unmet(area) == ("days_without_new_infection",)
    time.day(10)
    risk_area_lift(actor=commander, area=area, reason="降为低风险")
    area.refresh_from_db()
    assert (area.level, area.stepped_down) == ("low", True)
    # the low area lifts with the county's higher areas: none is left
    risk_area_lift(actor=commander, area=area, reason="全部解除")
    area.refresh_from_db()
    assert area.status == RiskAreaStatus.LIFTED
    assert area.lifted_at is not None
    assert kinds(area) == ["designated", "level_changed", "level_changed", "lifted"]
    history = RiskAreaEvent.objects.filter(area=area).order_by("id")
    assert [(e.level_before, e.level_after) for e in history] == [
        ("", "high"),
        ("high", "medium"),
        ("medium", "low"),
        ("low", ""),
    ]
    assert all(e.actor == commander.username and e.reason for e in history)
    assert all(e.rule_set_version.startswith("nhc-9@r") for e in history)


def test_ninth_edition_a_new_infection_resets_the_clock_and_a_designated_medium_needs_7_days(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    grid = tree["grid_a1"]
    residents = residents_make(grid, ADDRESSES)
    area = designate(commander, grid, "medium", unit="workplace", name="某物流园")
    time.day(5)
    recorded = area_infection_record(
        actor=commander, area=area, reference="CASE-0001", found_on=time.on(5), reason="新增"
    )
    assert recorded.created
    assert recorded.clock_reset
    assert kinds(area) == ["designated", "infection_recorded", "clock_reset"]
    time.day(8)
    round_make(grid, residents, at=time.at(8), results=["negative"] * 3)
    # 3 clean days would do for a stepped-down medium, not for one designated medium
    assert unmet(area) == ("days_without_new_infection", "screening_round_all_negative")
    time.day(12)
    round_make(grid, residents, at=time.at(12), results=["negative"] * 3)
    assert unmet(area) == ()
    risk_area_lifting_run()
    area.refresh_from_db()
    assert area.level == "low"
    last = RiskAreaEvent.objects.filter(area=area).latest("id")
    assert (last.actor, last.kind) == ("system", "level_changed")
    assert "nhc-9" in last.reason


def test_a_high_area_of_one_building_counts_only_that_buildings_people(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    grid = tree["grid_a1"]
    residents = residents_make(grid, [*ADDRESSES, "幸福里5号楼1单元101"])
    area = designate(commander, grid, "high", unit="unit", building="3号楼", stairwell="2单元")
    assert (area.building, area.stairwell) == ("3", "2")
    time.day(7)
    # 3-2-501 and 3-2-502 negative; 3-1-101 and 5-1-101 positive are outside the unit
    round_make(
        grid, residents, at=time.at(7), results=["negative", "negative", "positive", "positive"]
    )
    assessment = lifting_assess(area)
    assert assessment.round is not None
    assert assessment.round.sampled == 2
    assert assessment.due


def test_a_round_over_another_district_does_not_cover_the_area(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    grid = tree["grid_a1"]
    residents = residents_make(grid, ADDRESSES)
    area = designate(commander, grid, "high")
    time.day(7)
    round_make(tree["district_b"], residents, at=time.at(7), results=["negative"] * 3)
    assert unmet(area) == ("screening_round_all_negative",)
    round_make(tree["district_a"], residents, at=time.at(7), results=["negative"] * 3)
    assert unmet(area) == ()


def test_a_low_area_waits_for_the_countys_higher_areas(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    low = designate(
        commander, tree["district_a"], "low", unit="county_remainder", name="朝阳区其余"
    )
    high = designate(commander, tree["grid_a1"], "high")
    city = actor_make(role=Role.COMMANDER, region=tree["city"])
    designate(city, tree["grid_b1"], "high", name="海淀 另一区")  # another county
    assert unmet(low) == ("higher_levels_remaining",)
    risk_area_level_set(actor=commander, area=high, level="low", reason="研判降级")
    assert unmet(low) == ()


# --- 8th edition and the 封控/管控 zones (R6) ---------------------------------------------------


def test_eighth_edition_lockdown_needs_the_last_close_contact_more_than_14_days_ago(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-8")
    grid = tree["grid_a1"]
    residents = residents_make(grid, ADDRESSES)
    area = designate(commander, grid, "lockdown", last_infection_on=time.on(0))
    risk_area_contacts_record(
        actor=commander, area=area, last_exposure_on=time.on(0), all_negative=True, reason="流调"
    )
    time.day(13)
    round_make(grid, residents, at=time.at(13), results=["negative"] * 3)
    time.day(14)
    # 14 days without cases hold; the last close contact is 14 days ago, not more than 14
    assert unmet(area) == ("last_close_contact",)
    with pytest.raises(Conflict):
        risk_area_lift(actor=commander, area=area, reason="到期")
    time.day(15)
    assert unmet(area) == ()
    risk_area_lift(actor=commander, area=area, reason="三个条件均满足")
    area.refresh_from_db()
    assert area.level == "prevention"
    assert kinds(area)[-1] == RiskAreaEventKind.LEVEL_CHANGED


def test_eighth_edition_round_must_be_within_2_days_before_lifting(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-8")
    grid = tree["grid_a1"]
    residents = residents_make(grid, ADDRESSES)
    area = designate(commander, grid, "controlled", last_infection_on=time.on(0))
    risk_area_contacts_record(
        actor=commander, area=area, last_exposure_on=time.on(0), all_negative=True, reason="流调"
    )
    round_make(grid, residents, at=time.at(12), results=["negative"] * 3)
    time.day(15)
    assert unmet(area) == ("screening_round_all_negative",)  # day 12 is 3 days before
    round_make(grid, residents, at=time.at(13), results=["negative"] * 3)
    assert unmet(area) == ()


def test_eighth_edition_the_contacts_must_have_tested_negative(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-8")
    grid = tree["grid_a1"]
    residents = residents_make(grid, ADDRESSES)
    area = designate(commander, grid, "lockdown", last_infection_on=time.on(0))
    risk_area_contacts_record(
        actor=commander, area=area, last_exposure_on=time.on(0), all_negative=False, reason="流调"
    )
    time.day(20)
    round_make(grid, residents, at=time.at(20), results=["negative"] * 3)
    assert unmet(area) == ("last_close_contact",)


def test_eighth_edition_an_infection_in_a_controlled_area_makes_it_a_lockdown_area(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-8")
    area = designate(commander, tree["grid_a1"], "controlled")
    time.day(3)
    recorded = area_infection_record(
        actor=commander, area=area, reference="CASE-8", found_on=time.on(2), reason="管控区内阳性"
    )
    area.refresh_from_db()
    assert (recorded.level_before, recorded.level_after) == ("controlled", "lockdown")
    assert (area.level, area.clock_from, area.last_infection_on) == (
        "lockdown",
        time.on(2),
        time.on(2),
    )
    assert kinds(area) == ["designated", "infection_recorded", "clock_reset", "level_changed"]


# --- 二十条 and 新十条 --------------------------------------------------------------------------


def test_twenty_measures_high_by_building_or_unit_only_and_low_after_5_days(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("measures-20")
    grid = tree["grid_a1"]
    with pytest.raises(ValidationFailed) as refused:
        designate(commander, grid, "high")
    assert [(e["field"], e["code"]) for e in refused.value.errors] == [("unit", "unit_not_allowed")]
    with pytest.raises(ValidationFailed) as refused:
        designate(commander, grid, "medium", unit="building", building="3")
    assert refused.value.errors[0]["field"] == "level"
    area = designate(commander, grid, "high", unit="building", building="3号楼")
    time.day(4)
    assert unmet(area) == ("days_without_new_infection",)
    time.day(5)
    assert unmet(area) == ()  # no screening round required
    risk_area_lifting_run()
    area.refresh_from_db()
    assert area.level == "low"


def test_new_ten_measures_an_isolated_infection_without_community_risk_keeps_the_clock(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("measures-new-10")
    area = designate(commander, tree["grid_a1"], "high", unit="unit", building="3", stairwell="2")
    time.day(3)
    kept = area_infection_record(
        actor=commander,
        area=area,
        reference="CASE-H1",
        found_on=time.on(3),
        reason="居家隔离者阳性",
        in_isolated_person=True,
        community_risk_excluded=True,
    )
    assert kept.created
    assert not kept.clock_reset
    time.day(5)
    assert unmet(area) == ()
    reset = area_infection_record(
        actor=commander, area=area, reference="CASE-H2", found_on=time.on(5), reason="社会面阳性"
    )
    assert reset.clock_reset
    assert unmet(area) == ("days_without_new_infection",)


def test_under_twenty_measures_the_same_isolated_infection_resets_the_clock(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("measures-20")
    area = designate(commander, tree["grid_a1"], "high", unit="building", building="3")
    time.day(3)
    recorded = area_infection_record(
        actor=commander,
        area=area,
        reference="CASE-H1",
        found_on=time.on(3),
        reason="居家隔离者阳性",
        in_isolated_person=True,
        community_risk_excluded=True,
    )
    assert recorded.clock_reset


# --- 10th edition ---------------------------------------------------------------------------


def test_tenth_edition_refuses_designation_and_the_run_lifts_what_is_left(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("measures-new-10")
    area = designate(commander, tree["grid_a1"], "high", unit="building", building="3")
    later = clock("nhc-10")
    with pytest.raises(Conflict) as refused:
        designate(commander, tree["grid_a2"], "high", unit="building", building="3")
    assert refused.value.code == "risk_areas_disabled"
    assert "nhc-10" in refused.value.message
    assert refused.value.detail["parameter"] == "risk_areas.enabled"
    assert lifting_assess(area).due
    run = risk_area_lifting_run()
    assert (run.checked, run.lifted) == (1, 1)
    area.refresh_from_db()
    assert area.status == RiskAreaStatus.LIFTED
    last = RiskAreaEvent.objects.filter(area=area).latest("id")
    assert last.kind == "lifted"
    assert last.rule_set_version.startswith("nhc-10@r")
    assert later.day0 > time.day0


def test_a_level_from_an_earlier_edition_waits_for_a_person_to_set_one(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    area = designate(commander, tree["grid_a1"], "medium")
    clock("measures-20")
    assert unmet(area) == ("level_not_in_rules",)
    assert risk_area_lifting_run().needs_level == 1
    risk_area_level_set(actor=commander, area=area, level="low", reason="二十条：取消中风险")
    area.refresh_from_db()
    assert (area.level, area.rule_set_key) == ("low", "measures-20")


# --- infections -----------------------------------------------------------------------------


def test_recording_the_same_infection_twice_writes_it_once(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    area = designate(commander, tree["grid_a1"], "high")
    time.day(2)
    first = area_infection_record(
        actor=commander, area=area, reference="CASE-1", found_on=time.on(2), reason="新增"
    )
    again = area_infection_record(
        actor=commander, area=area, reference="CASE-1", found_on=time.on(2), reason="重复上报"
    )
    assert first.created
    assert not again.created
    assert again.infection.pk == first.infection.pk
    assert AreaInfection.objects.filter(area=area).count() == 1
    assert kinds(area).count("infection_recorded") == 1
    with pytest.raises(Conflict) as refused:
        area_infection_record(
            actor=commander, area=area, reference="CASE-1", found_on=time.on(1), reason="x"
        )
    assert refused.value.code == "infection_reference_reused"


def test_a_late_report_of_an_older_infection_does_not_move_the_clock_back(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    area = designate(commander, tree["grid_a1"], "high")
    time.day(4)
    area_infection_record(
        actor=commander, area=area, reference="C-4", found_on=time.on(4), reason="x"
    )
    area_infection_record(
        actor=commander, area=area, reference="C-2", found_on=time.on(2), reason="x"
    )
    area.refresh_from_db()
    assert (area.clock_from, area.last_infection_on) == (time.on(4), time.on(4))


@pytest.mark.parametrize("reference", [id_number_make(), "13812345678", "张三", ""])
def test_an_infection_reference_is_a_code_never_a_personal_identifier(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock], reference: str
) -> None:
    time = clock("nhc-9")
    area = designate(commander, tree["grid_a1"], "high")
    with pytest.raises(ValidationFailed) as refused:
        area_infection_record(
            actor=commander, area=area, reference=reference, found_on=time.on(0), reason="x"
        )
    assert refused.value.errors[0]["field"] == "reference"


# --- governance -----------------------------------------------------------------------------


def test_every_change_needs_a_reason_naming_the_field(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    with pytest.raises(ValidationFailed) as refused:
        designate(commander, tree["grid_a1"], "high", reason=" ")
    assert [e["field"] for e in refused.value.errors] == ["reason"]
    area = designate(commander, tree["grid_a1"], "high")
    for change in (
        lambda: risk_area_level_set(actor=commander, area=area, level="medium", reason=""),
        lambda: risk_area_lift(actor=commander, area=area, reason=""),
        lambda: area_infection_record(
            actor=commander, area=area, reference="C1", found_on=time.on(0), reason=""
        ),
    ):
        with pytest.raises(ValidationFailed) as refused:
            change()
        assert [e["field"] for e in refused.value.errors] == ["reason"]


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.INSPECTOR, Role.SAMPLER])
def test_roles_outside_command_and_epidemiology_may_not_change_areas(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock], role: str
) -> None:
    clock("nhc-9")
    actor = actor_make(role=role, region=tree["district_a"])
    with pytest.raises(PermissionDenied):
        designate(actor, tree["grid_a1"], "high")
    area = designate(commander, tree["grid_a1"], "high")
    with pytest.raises(PermissionDenied):
        risk_area_level_set(actor=actor, area=area, level="medium", reason="x")


def test_an_epidemiologist_of_another_district_cannot_designate_there(
    tree: dict[str, Region], clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    other = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_b"])
    with pytest.raises(NotFound):
        designate(other, tree["grid_a1"], "high")
    assert designate(other, tree["grid_b1"], "high").level == "high"


def test_every_change_is_audited_with_reason_and_rule_set(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    time = clock("nhc-9")
    area = designate(commander, tree["grid_a1"], "high")
    area_infection_record(
        actor=commander, area=area, reference="C1", found_on=time.on(0), reason="新增"
    )
    risk_area_level_set(actor=commander, area=area, level="medium", reason="研判")
    risk_area_contacts_record(
        actor=commander, area=area, last_exposure_on=time.on(0), all_negative=True, reason="流调"
    )
    rows = AuditEntry.objects.filter(object_type="risk_area", object_id=str(area.code)).order_by(
        "id"
    )
    assert [(r.action, r.reason) for r in rows] == [
        ("risk_area_designate", "两例本土感染者居住"),
        ("area_infection_record", "新增"),
        ("risk_area_level_set", "研判"),
        ("risk_area_contacts_record", "流调"),
    ]
    assert all(r.rule_set.startswith("nhc-9@r") for r in rows)


def test_one_open_area_per_place(
    tree: dict[str, Region], commander: Any, clock: Callable[[str], Clock]
) -> None:
    clock("nhc-9")
    designate(commander, tree["grid_a1"], "high")
    with pytest.raises(Conflict) as refused:
        designate(commander, tree["grid_a1"], "medium")
    assert refused.value.code == "risk_area_exists"
