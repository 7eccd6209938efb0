"""The screening chain follows the rule set in force (issue 17 item 14): area screening on or
off and routine area testing, first-screening limits of risk levels, the rule set's most
people per tube, key groups whose rule allows antigen, the landing-test window of arrivals,
and zone and key-group names from the rules."""

from __future__ import annotations

import typing
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from fangkong.accounts.choices import Role
from fangkong.core.actor import SYSTEM
from fangkong.core.errors import Conflict, FangkongError, ValidationFailed
from fangkong.lab.choices import RoundKind
from fangkong.lab.models import ScreeningRound, Tube
from fangkong.lab.obligations.selectors import key_group_name, key_group_overdue_list
from fangkong.lab.obligations.services import antigen_record, arrival_register, key_group_assign
from fangkong.lab.rounds.services import round_open
from fangkong.lab.sampling.services import MemberInput, TubeInput, tube_bind
from fangkong.lab.tests.factories import residents_make, screening_make
from fangkong.policy.services import rule_set_override_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Days under the 8th edition, 二十条, 新十条 and the 10th edition.
EIGHTH_DAY = datetime(2021, 9, 1, 9, 0, tzinfo=SHANGHAI)
TWENTY_MEASURES_DAY = datetime(2022, 11, 20, 9, 0, tzinfo=SHANGHAI)
NEW_TEN_DAY = datetime(2022, 12, 20, 9, 0, tzinfo=SHANGHAI)
TENTH_DAY = datetime(2023, 3, 1, 9, 0, tzinfo=SHANGHAI)


def _override(region: Any, key: str, parameters: dict[str, Any], on: date) -> None:
    rule_set_override_create(
        actor=SYSTEM,
        key=key,
        region=region,
        name_zh="测试规则",
        name_en="Test rules",
        effective_from=on,
        parameters=parameters,
        reason="Test",
    )


# --------------------------------------------------------------------------- rounds


def test_no_area_round_opens_where_area_screening_is_off(tree, make_actor):
    commander = make_actor(Role.COMMANDER, tree["city"])
    with time_machine.travel(TENTH_DAY, tick=False):
        for kind in (RoundKind.OUTBREAK, RoundKind.ROUTINE):
            with pytest.raises(Conflict) as caught:
                round_open(
                    actor=commander, name="全员", areas=[(tree["district_a"], "other")], kind=kind
                )
            assert caught.value.code == "area_screening_disabled"
            assert caught.value.status == 409
            assert caught.value.detail["parameter"] == "screening.area_screening_enabled"
        assert not ScreeningRound.objects.exists()
        # Key groups, arrivals and voluntary testing still need tubes: a targeted round opens.
        targeted = round_open(
            actor=commander,
            name="重点人群",
            areas=[(tree["district_a"], "other")],
            kind=RoundKind.TARGETED,
        )
        assert (targeted.kind, targeted.rule_set) == ("targeted", "nhc-10@r1")


def test_a_local_override_switches_area_screening_back_on(tree, make_actor):
    commander = make_actor(Role.COMMANDER, tree["city"])
    _override(
        tree["city"],
        "city-outbreak",
        {"screening": {"area_screening_enabled": True}},
        date(2023, 2, 1),
    )
    with time_machine.travel(TENTH_DAY, tick=False):
        opened = round_open(actor=commander, name="疫情处置", areas=[(tree["district_a"], "other")])
    assert opened.kind == RoundKind.OUTBREAK
    assert opened.rule_set == "nhc-10@r1+city-outbreak@r1"


def test_routine_area_testing_is_refused_from_the_twenty_measures_on(tree, make_actor):
    commander = make_actor(Role.COMMANDER, tree["city"])
    routine = RoundKind.ROUTINE
    # 9th edition: routine rounds still allowed (the lab's test day).
    assert round_open(
        actor=commander, name="常态化", areas=[(tree["district_a"], "other")], kind=routine
    ).kind == ("routine")
    with time_machine.travel(TWENTY_MEASURES_DAY, tick=False):
        with pytest.raises(Conflict) as caught:
            round_open(
                actor=commander, name="常态化", areas=[(tree["district_b"], "other")], kind=routine
            )
        assert caught.value.code == "routine_area_testing_disabled"
        outbreak = round_open(
            actor=commander, name="疫情处置", areas=[(tree["district_b"], "high")]
        )
        assert outbreak.kind == RoundKind.OUTBREAK


def test_the_api_takes_every_round_kind():
    from fangkong.lab.rounds.api import RoundKindIn

    assert typing.get_args(RoundKindIn) == tuple(RoundKind.values)


def test_an_unknown_round_kind_is_refused_by_name(tree, make_actor):
    commander = make_actor(Role.COMMANDER, tree["city"])
    with pytest.raises(ValidationFailed) as caught:
        round_open(actor=commander, name="x", areas=[(tree["district_a"], "other")], kind="mass")
    assert [(e["field"], e["code"]) for e in caught.value.errors] == [("kind", "invalid_choice")]


def test_api_answers_area_screening_disabled_and_opens_a_targeted_round(tree, api, make_actor):
    client = api(make_actor(Role.COMMANDER, tree["city"]))
    body = {"name": "全员", "areas": [{"region_code": tree["district_a"].code, "zone": "other"}]}
    with time_machine.travel(TENTH_DAY, tick=False):
        refused = client.post(
            "/api/v1/lab/rounds", body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert refused.status_code == 409, refused.json()
        assert refused.json()["code"] == "area_screening_disabled"
        assert refused.json()["detail"]["rule_set"] == "nhc-10@r1"
        opened = client.post(
            "/api/v1/lab/rounds",
            {**body, "kind": "targeted"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert opened.status_code == 201, opened.json()
        assert opened.json()["kind"] == "targeted"
        unknown = client.post(
            "/api/v1/lab/rounds", {**body, "kind": "mass"}, headers={"Idempotency-Key": "k-1"}
        )
        assert unknown.status_code == 422


def test_page_says_why_an_area_round_cannot_open(tree, page_client, make_actor):
    commander = make_actor(Role.COMMANDER, tree["city"])
    form = {"name": "全员", "areas": tree["district_a"].code, "kind": "outbreak"}
    with time_machine.travel(TENTH_DAY, tick=False), translation.override("en"):
        client = page_client(commander)  # signed in on that day
        refused = client.post(reverse("lab:rounds"), form, HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 409
        assert "have no area screening" in refused.content.decode()
        opened = client.post(reverse("lab:rounds"), {**form, "kind": "targeted"})
        assert opened.status_code == 302
    assert ScreeningRound.objects.get().kind == RoundKind.TARGETED


def test_a_round_over_a_sealed_zone_is_due_within_its_first_screening_limit(tree, make_actor):
    commander = make_actor(Role.COMMANDER, tree["city"])
    with time_machine.travel(EIGHTH_DAY, tick=False):
        # 8th edition: a city under 5 M people in 48 h, but 封控区 first screened within 24 h
        # and 管控区 within 48 h.
        plain = round_open(
            actor=commander, name="防范区", areas=[(tree["district_a"], "prevention")]
        )
        sealed = round_open(actor=commander, name="封控区", areas=[(tree["grid_b1"], "lockdown")])
        both = round_open(
            actor=commander,
            name="管控区和封控区",
            areas=[(tree["grid_b2"], "controlled"), (tree["grid_a2"], "lockdown")],
        )
    for opened, hours in ((plain, 48), (sealed, 24), (both, 24)):
        assert opened.deadline_at - opened.starts_at == timedelta(hours=hours)


def test_round_page_names_zones_by_the_rules_it_opened_under(tree, page_client):
    s = screening_make(tree, residents=1, zone="medium")
    client = page_client(s.commander)
    with translation.override("zh-hans"):
        page = client.get(reverse("lab:round", args=[s.round.code]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "中风险区" in page.content.decode()


# --------------------------------------------------------------------------- pooling


def _ten_per_tube(region: Any) -> None:
    ten = {"ratio": 10, "per_household": False}
    _override(
        region,
        "ten-per-tube",
        {
            "pooling": {
                "max_ratio": 10,
                "by_zone": {"high": {"ratio": 10, "per_household": True}, "low": ten, "other": ten},
                "by_group": {"sealed_household": {"ratio": 10, "per_household": True}},
            }
        },
        date(2022, 7, 1),
    )


def test_the_rule_sets_most_people_per_tube_bounds_the_ratio(tree, api):
    s = screening_make(tree, residents=3)
    _ten_per_tube(tree["city"])
    client = api(s.sampler)

    def bind(barcode: str, ratio: int) -> Any:
        return client.post(
            "/api/v1/lab/tubes",
            {
                "round": str(s.round.code),
                "point": str(s.point.code),
                "barcode": barcode,
                "members": [{"id_number": number} for number in s.ids[:2]],
                "ratio": ratio,
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )

    refused = bind("M0001", 15)
    assert refused.status_code == 422
    assert refused.json()["code"] == "ratio_above_max"
    [error] = refused.json()["detail"]["errors"]
    assert (error["field"], error["code"]) == ("ratio", "ratio_above_max")
    assert "10" in error["message"]
    assert not Tube.objects.exists()
    stored = bind("M0002", 10)
    assert stored.status_code == 201, stored.json()
    assert stored.json()["ratio"] == 10


def test_the_binding_service_refuses_tubes_above_the_rule_sets_most(tree):
    s = screening_make(tree, residents=15)
    _ten_per_tube(tree["city"])
    with pytest.raises(FangkongError) as caught:
        tube_bind(
            actor=s.sampler,
            screening_round=s.round,
            point=s.point,
            data=TubeInput(
                barcode="B0001", members=[MemberInput(id_number=number) for number in s.ids]
            ),
        )
    assert caught.value.code == "tube_full"
    assert "10" in caught.value.message
    assert not Tube.objects.exists()


# --------------------------------------------------------------------------- key groups


def _care_home_groups(region: Any) -> None:
    def group(name_zh: str, name_en: str, test_kind: str) -> dict[str, Any]:
        return {
            "name_zh": name_zh,
            "name_en": name_en,
            "interval_days": None,
            "times_per_week": 2,
            "rolling_share_per_day": None,
            "test_kind": test_kind,
        }

    _override(
        region,
        "care-homes",
        {
            "key_groups": {
                "care_resident": group("养老机构入住人员", "Care-home residents", "pcr_or_antigen"),
                "care_staff": group("养老机构工作人员", "Care-home staff", "pcr"),
            }
        },
        date(2022, 7, 1),
    )


def test_antigen_tests_count_only_for_groups_whose_rule_allows_antigen(tree, make_actor):
    s = screening_make(tree, residents=3)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    _care_home_groups(tree["city"])
    resident, staff, untested = s.people
    today = timezone.localdate()
    for person, group in ((resident, "care_resident"), (staff, "care_staff")):
        key_group_assign(actor=grid, person=person, group=group, since=today)
    key_group_assign(actor=grid, person=untested, group="care_resident", since=today)
    tested_at = timezone.now() - timedelta(hours=2)
    for person in (resident, staff):
        antigen_record(
            actor=grid, person=person, source="self", result="negative", tested_at=tested_at
        )
    listed = key_group_overdue_list(actor=grid, overdue_only=False)
    rows = {row.person_code: row for row in listed.rows}
    assert rows[str(resident.code)].overdue is False
    assert rows[str(resident.code)].last_tested_at is not None
    # PCR-only staff stay overdue whatever antigen test they took.
    assert (rows[str(staff.code)].overdue, rows[str(staff.code)].last_tested_at) == (True, None)
    assert rows[str(untested.code)].overdue is True
    overdue = key_group_overdue_list(actor=grid)
    assert {row.person_code for row in overdue.rows} == {str(staff.code), str(untested.code)}


def test_a_later_pcr_sampling_counts_for_a_group_that_allows_antigen(tree, make_actor):
    s = screening_make(tree, residents=2)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    _care_home_groups(tree["city"])
    resident = s.people[0]
    key_group_assign(actor=grid, person=resident, group="care_resident", since=timezone.localdate())
    antigen_record(
        actor=grid,
        person=resident,
        source="clinic",
        result="negative",
        tested_at=timezone.now() - timedelta(days=6),
    )
    assert [row.overdue for row in key_group_overdue_list(actor=grid).rows] == [True]
    tube_bind(
        actor=s.sampler,
        screening_round=s.round,
        point=s.point,
        data=TubeInput(barcode="K0001", members=[MemberInput(id_number=s.ids[0])]),
    )
    row = key_group_overdue_list(actor=grid, overdue_only=False).rows[0]
    assert row.overdue is False
    assert row.last_tested_at is not None
    assert row.last_tested_at > timezone.now() - timedelta(hours=1)


def test_key_group_names_follow_the_language(tree, make_actor):
    s = screening_make(tree, residents=1)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    _care_home_groups(tree["city"])
    key_group_assign(
        actor=grid, person=s.people[0], group="care_resident", since=timezone.localdate()
    )
    with translation.override("en"):
        assert key_group_overdue_list(actor=grid).rows[0].group_name == "Care-home residents"
    with translation.override("zh-hans"):
        assert key_group_overdue_list(actor=grid).rows[0].group_name == "养老机构入住人员"
    schedule = key_group_overdue_list(actor=grid).groups["care_resident"]
    assert key_group_name(schedule, "zh-hant") == "养老机构入住人员"


# --------------------------------------------------------------------------- arrivals


def test_the_landing_test_window_comes_from_the_rule_set(tree, make_actor):
    people, _ids, _households = residents_make(tree["grid_a1"], 2)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    arrived = timezone.now() - timedelta(hours=1)
    ninth = arrival_register(actor=grid, person=people[0], arrived_at=arrived, origin="上海")
    assert ninth.test_due_at == arrived + timedelta(hours=24)
    _override(
        tree["district_a"], "landing-12h", {"arrivals": {"test_within_hours": 12}}, date(2022, 7, 1)
    )
    local = arrival_register(actor=grid, person=people[1], arrived_at=arrived, origin="上海")
    assert local.test_due_at == arrived + timedelta(hours=12)


def test_no_landing_test_is_owed_from_the_new_ten_measures_on(tree, api, make_actor):
    people, _ids, _households = residents_make(tree["grid_a1"], 1)
    grid = make_actor(Role.GRID_WORKER, tree["community_a"])
    with time_machine.travel(NEW_TEN_DAY, tick=False):
        with pytest.raises(Conflict) as caught:
            arrival_register(actor=grid, person=people[0], arrived_at=timezone.now(), origin="上海")
        assert caught.value.code == "arrival_test_not_in_force"
        response = api(grid).post(
            "/api/v1/lab/arrivals",
            {
                "person": str(people[0].code),
                "arrived_at": timezone.now().isoformat(),
                "origin": "上海",
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "arrival_test_not_in_force"
