"""The shipped editions and the pure rule helpers (R1–R7, R13, R15), with no database."""

from __future__ import annotations

import copy
import itertools
import json
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from fangkong.core.errors import ValidationFailed
from fangkong.policy.loader import EDITIONS_DIR, editions_load
from fangkong.policy.rules import (
    EffectiveRules,
    contact_window_start,
    in_contact_window,
    in_secondary_contact_window,
    pool_ratio,
    quarantine_end_date,
    quarantine_test_dates,
    risk_area_new_infection,
    risk_area_next_level,
    samplers_needed,
    sampling_points_needed,
    screening_round_deadline_hours,
    secondary_contacts_enabled,
)
from fangkong.policy.schema import (
    QuarantinePlan,
    RuleParameters,
    parameters_dump,
    parameters_flatten,
    parameters_merge,
    parameters_validate,
)

EDITIONS = {edition.key: edition for edition in editions_load()}
KEYS = ["nhc-8", "nhc-9", "measures-20", "measures-new-10", "nhc-10"]


def rules(key: str) -> RuleParameters:
    return EDITIONS[key].parameters


def raw(key: str) -> dict[str, Any]:
    return parameters_dump(rules(key))


def plan(key: str, group: str) -> QuarantinePlan:
    found = rules(key).plan(group)
    assert found is not None
    return found


def test_five_editions_ship_with_the_reference_dates_and_sources():
    assert list(EDITIONS) == KEYS
    assert [EDITIONS[k].effective_from for k in KEYS] == [
        date(2021, 5, 11),
        date(2022, 6, 28),
        date(2022, 11, 11),
        date(2022, 12, 7),
        date(2023, 1, 8),
    ]
    for edition in EDITIONS.values():
        topics = " ".join(note.topic for note in edition.source_notes)
        assert "turnaround" in topics
        assert all(note.source for note in edition.source_notes)


def test_edition_files_round_trip_exactly_through_the_schema():
    """Every value in the files is explicit: parsing adds nothing and drops nothing."""
    for path in sorted(EDITIONS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert parameters_dump(parameters_validate(data["parameters"])) == data["parameters"]


def test_values_not_changed_by_an_edition_are_carried_explicitly():
    for previous, current in itertools.pairwise(KEYS):
        assert raw(previous)["turnaround"] == raw(current)["turnaround"]
    assert raw("nhc-9")["arrivals"] == raw("measures-20")["arrivals"]
    assert (
        raw("nhc-9")["quarantine"]["low_risk_area_arrival"]
        == raw("measures-20")["quarantine"]["low_risk_area_arrival"]
    )
    assert (
        raw("measures-20")["quarantine"]["inbound"]
        == raw("measures-new-10")["quarantine"]["inbound"]
    )


# --- R1: one case, five editions -----------------------------------------------------------


def test_r1_contacts_across_editions():
    onset = date(2022, 7, 10)
    exposure = onset - timedelta(days=3)
    assert [rules(k).contacts.close_contact_window_days for k in KEYS] == [2, 4, 4, 4, None]
    assert [in_contact_window(exposure, onset, rules(k)) for k in KEYS] == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert [secondary_contacts_enabled(rules(k)) for k in KEYS] == [True, True, False, False, False]
    assert contact_window_start(onset, rules("nhc-10")) is None


def test_r1_close_contact_quarantine_across_editions():
    plans = [rules(k).plan("close_contact") for k in KEYS]
    assert [plan.total_days if plan else None for plan in plans] == [21, 10, 8, 5, None]
    assert [(plan.central_days, plan.home_days) if plan else None for plan in plans] == [
        (14, 7),
        (7, 3),
        (5, 3),
        (0, 5),
        None,
    ]
    assert [str(plan.home_kind) if plan else None for plan in plans] == [
        "home_health_monitoring",
        "home_health_monitoring",
        "home_isolation",
        "home_isolation",
        None,
    ]
    assert plan("nhc-8", "close_contact").central_test_days == (1, 4, 7, 14)
    assert plan("nhc-8", "close_contact").double_sampling_before_release
    assert not plan("nhc-9", "close_contact").double_sampling_before_release
    assert plan("measures-new-10", "close_contact").home_test_days == (5,)
    secondary = [rules(k).plan("secondary_contact") for k in KEYS]
    assert plan("nhc-8", "secondary_contact").central_days == 7
    ninth = plan("nhc-9", "secondary_contact")
    assert (ninth.home_days, ninth.home_test_days) == (7, (1, 4, 7))
    assert secondary[2:] == [None, None, None]


def test_r1_arrivals_and_job_leavers():
    assert plan("nhc-9", "high_risk_area_arrival").central_test_days == (1, 2, 3, 5, 7)
    assert plan("nhc-9", "medium_risk_area_arrival").home_test_days == (1, 4, 7)
    low = plan("nhc-9", "low_risk_area_arrival")
    assert (low.home_days, low.home_test_days) == (3, (1, 2))
    assert plan("measures-20", "high_risk_area_arrival").home_test_days == (1, 3, 5, 7)
    assert rules("measures-20").plan("medium_risk_area_arrival") is None
    leaver = plan("measures-20", "closed_loop_job_leaver")
    assert (leaver.home_days, leaver.home_test_days) == (5, (1, 3, 5))
    assert all(found is None for found in rules("nhc-10").quarantine.values())


def test_r1_risk_levels_across_editions():
    assert [[level.code for level in rules(k).risk_areas.levels] for k in KEYS] == [
        ["lockdown", "controlled", "prevention"],
        ["high", "medium", "low"],
        ["high", "low"],
        ["high", "low"],
        [],
    ]
    assert not rules("nhc-10").risk_areas.enabled
    # Five clean days lift a high-risk area under 二十条 and 新十条, not under the 9th edition.
    outcomes = [
        risk_area_next_level(rules(k), "high", 5, False).level
        for k in ["nhc-9", "measures-20", "measures-new-10"]
    ]
    assert outcomes == ["high", "low", "low"]


def test_r1_landing_tests_across_editions():
    # 落地检 from the Sep 2022 notice (inside the 9th edition's period) until 新十条 ended it.
    assert [rules(k).arrivals.test_within_hours for k in KEYS] == [None, 24, 24, None, None]


# --- R2 / R3 --------------------------------------------------------------------------------


def test_r2_exposure_three_days_before_onset_is_in_the_9th_window_only():
    onset = date(2022, 7, 10)
    exposure = date(2022, 7, 7)
    assert in_contact_window(exposure, onset, rules("nhc-9"))
    assert not in_contact_window(exposure, onset, rules("nhc-8"))
    assert in_contact_window(date(2022, 7, 8), onset, rules("nhc-8"))
    assert in_contact_window(date(2022, 7, 6), onset, rules("nhc-9"))
    assert not in_contact_window(date(2022, 7, 5), onset, rules("nhc-9"))


def test_r2_window_closes_when_the_case_is_isolated():
    onset = date(2022, 7, 10)
    nine = rules("nhc-9")
    assert in_contact_window(date(2022, 7, 11), onset, nine, case_isolated_on=date(2022, 7, 11))
    assert not in_contact_window(date(2022, 7, 12), onset, nine, case_isolated_on=date(2022, 7, 11))


def test_r3_secondary_window_runs_from_first_exposure_to_isolation():
    first, isolated = date(2022, 7, 5), date(2022, 7, 8)
    nine, twenty = rules("nhc-9"), rules("measures-20")
    assert in_secondary_contact_window(date(2022, 7, 5), first, isolated, nine)
    assert in_secondary_contact_window(date(2022, 7, 8), first, isolated, nine)
    assert not in_secondary_contact_window(date(2022, 7, 4), first, isolated, nine)
    assert not in_secondary_contact_window(date(2022, 7, 9), first, isolated, nine)
    assert in_secondary_contact_window(date(2022, 7, 20), first, None, nine)
    assert not in_secondary_contact_window(date(2022, 7, 6), first, isolated, twenty)


# --- R4 -------------------------------------------------------------------------------------


def _dates(tasks):
    return [(task.phase, task.day, task.on) for task in tasks]


def test_r4_ninth_close_contact_test_dates():
    day0 = date(2022, 7, 1)
    cc = plan("nhc-9", "close_contact")
    assert _dates(quarantine_test_dates(cc, day0)) == [
        ("central", 1, date(2022, 7, 2)),
        ("central", 2, date(2022, 7, 3)),
        ("central", 3, date(2022, 7, 4)),
        ("central", 5, date(2022, 7, 6)),
        ("central", 7, date(2022, 7, 8)),
        ("home_health_monitoring", 3, date(2022, 7, 11)),
    ]
    assert quarantine_end_date(cc, day0) == date(2022, 7, 11)
    assert (quarantine_end_date(cc, day0) - day0).days == 10


def test_r4_twenty_measures_close_contact_test_dates():
    day0 = date(2022, 11, 20)
    cc = plan("measures-20", "close_contact")
    assert _dates(quarantine_test_dates(cc, day0)) == [
        ("central", 1, date(2022, 11, 21)),
        ("central", 2, date(2022, 11, 22)),
        ("central", 3, date(2022, 11, 23)),
        ("central", 5, date(2022, 11, 25)),
        ("home_isolation", 1, date(2022, 11, 26)),
        ("home_isolation", 3, date(2022, 11, 28)),
    ]
    assert (quarantine_end_date(cc, day0) - day0).days == 8


def test_r4_ninth_secondary_contact_test_dates():
    day0 = date(2022, 8, 1)
    secondary = plan("nhc-9", "secondary_contact")
    assert _dates(quarantine_test_dates(secondary, day0)) == [
        ("home_isolation", 1, date(2022, 8, 2)),
        ("home_isolation", 4, date(2022, 8, 5)),
        ("home_isolation", 7, date(2022, 8, 8)),
    ]


def test_r4_eighth_edition_double_samples_the_last_central_test():
    tasks = quarantine_test_dates(plan("nhc-8", "close_contact"), date(2021, 6, 1))
    flagged = [task for task in tasks if task.double_sampling]
    assert [(t.phase, t.day) for t in flagged] == [("central", 14)]
    assert tasks[-1] == tasks[-1].__class__(
        "home_health_monitoring", 7, date(2021, 6, 22), swab_site="nasopharyngeal"
    )


def test_r4_test_tasks_carry_the_plans_swab_site():
    day0 = date(2022, 7, 1)
    assert {t.swab_site for t in quarantine_test_dates(plan("nhc-8", "close_contact"), day0)} == {
        "nasopharyngeal"
    }
    assert {t.swab_site for t in quarantine_test_dates(plan("nhc-9", "close_contact"), day0)} == {
        "oropharyngeal"
    }
    secondary = quarantine_test_dates(plan("nhc-9", "secondary_contact"), day0)
    assert {t.swab_site for t in secondary} == {""}


# --- R5 / R6 --------------------------------------------------------------------------------


def test_r5_ninth_high_needs_seven_clean_days_and_an_all_negative_day_seven_round():
    nine = rules("nhc-9")
    step = risk_area_next_level(nine, "high", 7, True)
    assert (step.level, step.changed) == ("medium", True)
    assert risk_area_next_level(nine, "high", 7, False).unmet == ("screening_round_all_negative",)
    assert risk_area_next_level(nine, "high", 6, True).unmet == ("days_without_new_infection",)


def test_r5_ninth_medium_steps_down_after_three_days_only_when_it_came_from_high():
    nine = rules("nhc-9")
    assert risk_area_next_level(nine, "medium", 3, stepped_down=True).level == "low"
    assert risk_area_next_level(nine, "medium", 3).level == "medium"
    assert risk_area_next_level(nine, "medium", 7, True).level == "low"
    low = risk_area_next_level(nine, "low", 30, higher_levels_remaining=2)
    assert low.unmet == ("higher_levels_remaining",)
    lifted = risk_area_next_level(nine, "low", 0, higher_levels_remaining=0)
    assert (lifted.level, lifted.changed) == (None, True)


def test_r5_twenty_measures_high_to_low_after_five_days():
    twenty = rules("measures-20")
    assert risk_area_next_level(twenty, "high", 5).level == "low"
    assert risk_area_next_level(twenty, "high", 4).level == "high"
    with pytest.raises(KeyError):
        risk_area_next_level(twenty, "medium", 10)


def test_r5_new_infection_resets_the_clock_except_isolated_persons_under_new_ten():
    for key in ["nhc-9", "measures-20"]:
        assert risk_area_new_infection(
            rules(key), "high", in_isolated_person=True, community_risk_excluded=True
        ) == ("high", True)
    new_ten = rules("measures-new-10")
    assert risk_area_new_infection(
        new_ten, "high", in_isolated_person=True, community_risk_excluded=True
    ) == ("high", False)
    assert risk_area_new_infection(new_ten, "high", in_isolated_person=True) == ("high", True)
    assert risk_area_new_infection(new_ten, "high") == ("high", True)


def test_r6_legacy_zones_need_all_three_conditions():
    eight = rules("nhc-8")
    ok: dict[str, Any] = {"last_close_contact_days": 15, "last_close_contact_negative": True}
    step = risk_area_next_level(eight, "lockdown", 14, True, **ok)
    assert (step.level, step.changed) == ("prevention", True)
    assert risk_area_next_level(eight, "lockdown", 13, True, **ok).unmet == (
        "days_without_new_infection",
    )
    assert risk_area_next_level(eight, "controlled", 14, False, **ok).unmet == (
        "screening_round_all_negative",
    )
    assert risk_area_next_level(
        eight, "lockdown", 14, True, last_close_contact_days=13, last_close_contact_negative=True
    ).unmet == ("last_close_contact",)
    assert risk_area_next_level(
        eight, "lockdown", 14, True, last_close_contact_days=20, last_close_contact_negative=False
    ).unmet == ("last_close_contact",)
    assert risk_area_next_level(eight, "prevention", 0, higher_levels_remaining=1).level == (
        "prevention"
    )


def test_r6_last_close_contact_must_be_more_than_fourteen_days_ago():
    # "the last close contact in the area > 14 days after last exposure": day 14 is not enough.
    eight = rules("nhc-8")
    lift = eight.risk_areas.level("lockdown").lift
    assert lift is not None
    assert lift.last_close_contact_more_than_days == 14
    for level in ("lockdown", "controlled"):
        at_fourteen = risk_area_next_level(
            eight, level, 20, True, last_close_contact_days=14, last_close_contact_negative=True
        )
        assert (at_fourteen.changed, at_fourteen.unmet) == (False, ("last_close_contact",))
        at_fifteen = risk_area_next_level(
            eight, level, 20, True, last_close_contact_days=15, last_close_contact_negative=True
        )
        assert at_fifteen.changed


def test_r6_positive_in_controlled_area_turns_it_into_a_sealed_area():
    assert risk_area_new_infection(rules("nhc-8"), "controlled") == ("lockdown", True)
    assert risk_area_new_infection(rules("nhc-8"), "lockdown") == ("lockdown", True)


def test_tenth_edition_has_no_risk_areas_to_evaluate():
    with pytest.raises(ValueError, match="no risk areas"):
        risk_area_next_level(rules("nhc-10"), "high", 10)


# --- R7, R13, R15, screening ----------------------------------------------------------------


def test_r7_pool_ratios_by_zone_and_group():
    eight, nine, ten = rules("nhc-8"), rules("nhc-9"), rules("nhc-10")
    assert pool_ratio(eight, zone="lockdown") == (20, True)
    assert pool_ratio(eight, zone="controlled") == (10, False)
    assert pool_ratio(eight, zone="prevention") == (20, False)
    assert pool_ratio(nine, zone="medium") == (10, False)
    assert pool_ratio(nine, zone="low") == (20, False)
    assert pool_ratio(nine, zone="unknown-zone") == (20, False)
    assert pool_ratio(nine, zone="low", group="isolation_site") == (1, False)
    assert pool_ratio(nine, zone="low", group="key_group") == (1, False)
    assert pool_ratio(ten, zone="other") == (1, False)
    assert all(rules(k).pooling.max_ratio == 20 for k in KEYS)


def test_r7_ratios_above_twenty_are_refused():
    data = raw("nhc-9")
    data["pooling"]["by_zone"]["low"]["ratio"] = 21
    with pytest.raises(ValidationFailed) as caught:
        parameters_validate(data)
    assert caught.value.errors[0]["field"].startswith("parameters.pooling.by_zone.low.ratio")
    data = raw("nhc-9")
    data["pooling"]["max_ratio"] = 10
    with pytest.raises(ValidationFailed):
        parameters_validate(data)


def test_r13_turnaround_targets_are_the_chengdu_defaults():
    targets = rules("nhc-9").turnaround.targets
    assert {str(k): v.target_hours for k, v in targets.items()} == {
        "fever_clinic": 6,
        "emergency": 6,
        "outpatient": 12,
        "inpatient": 12,
        "yellow_code": 12,
        "voluntary": 24,
        "pooled_screening": 24,
    }
    assert rules("nhc-9").turnaround.pooled_positive_notify_minutes == 15


def test_r15_key_group_cadences():
    nine, ten = rules("nhc-9"), rules("nhc-10")
    assert nine.key_groups["inbound_contact"].interval_days == 1
    assert ten.key_groups["elderly_care_staff"].times_per_week == 2
    assert str(ten.key_groups["elderly_care_resident"].test_kind) == "pcr_or_antigen"
    assert "isolation_site" not in ten.key_groups
    data = raw("nhc-9")
    data["key_groups"]["school"] = {
        "name_zh": "学校",
        "name_en": "Schools",
        "interval_days": None,
        "times_per_week": None,
        "rolling_share_per_day": 0.2,
        "test_kind": "pcr",
    }
    assert parameters_validate(data).key_groups["school"].rolling_share_per_day == 0.2
    data["key_groups"]["school"]["interval_days"] = 1
    with pytest.raises(ValidationFailed, match="not valid"):
        parameters_validate(data)


def test_screening_deadlines_and_sizing():
    eight, nine = rules("nhc-8"), rules("nhc-9")
    assert screening_round_deadline_hours(eight, 4_000_000) == 48
    assert screening_round_deadline_hours(eight, 6_000_000) == 72
    assert screening_round_deadline_hours(nine, 25_000_000) == 24
    assert samplers_needed(nine, 25_000_000) == 69_445
    assert sampling_points_needed(nine, 25_000_000) == (8_334, 12_500)
    assert not rules("measures-20").screening.routine_area_testing
    assert not rules("nhc-10").screening.area_screening_enabled


# --- schema guards --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("quarantine", "close_contact", "central_test_days"), [1, 9]),
        (("quarantine", "close_contact", "central_test_days"), [3, 2]),
        (("quarantine", "close_contact", "home_kind"), None),
        (("contacts", "close_contact_window_days"), None),
        (("contacts", "close_contact_window_days"), "4"),
        (("risk_areas", "levels"), []),
        (("turnaround", "targets", "yellow_code", "target_hours"), 0),
        (("arrivals", "test_within_hours"), 0),
        (("screening", "round_deadline"), [{"population_up_to": 5, "hours": 24}]),
        (("pooling", "by_zone", "nowhere"), {"ratio": 5, "per_household": False}),
    ],
)
def test_schema_refuses_inconsistent_parameters(path, value):
    data = raw("nhc-9")
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(ValidationFailed):
        parameters_validate(data)


def test_schema_refuses_unknown_and_missing_fields():
    data = raw("nhc-9")
    data["contacts"]["window"] = 3
    with pytest.raises(ValidationError):
        RuleParameters.model_validate(data)
    data = raw("nhc-9")
    del data["quarantine"]["inbound"]
    with pytest.raises(ValidationFailed):
        parameters_validate(data)


def test_merge_overlays_nested_values_and_replaces_lists():
    base = raw("nhc-9")
    patch = {"turnaround": {"targets": {"fever_clinic": {"target_hours": 4}}}}
    merged = parameters_merge(base, patch)
    assert merged["turnaround"]["targets"]["fever_clinic"] == {"target_hours": 4}
    assert base["turnaround"]["targets"]["fever_clinic"]["target_hours"] == 6
    merged = parameters_merge(base, {"quarantine": {"close_contact": None}})
    assert merged["quarantine"]["close_contact"] is None
    assert merged["quarantine"]["inbound"] == base["quarantine"]["inbound"]


def test_flatten_keys_levels_by_code():
    flat = parameters_flatten(raw("nhc-9"))
    assert flat["risk_areas.levels[high].lift.to_level"] == "medium"
    assert flat["quarantine.close_contact.central_test_days"] == [1, 2, 3, 5, 7]
    assert flat["quarantine.closed_loop_job_leaver.home_days"] == 7


def test_effective_rules_are_accepted_by_every_helper():
    effective = EffectiveRules(
        parameters=rules("nhc-9"),
        labels=("nhc-9@r1", "x@r2"),
        on=date(2022, 7, 1),
        region_code="110000",
    )
    assert effective.label == "nhc-9@r1+x@r2"
    assert secondary_contacts_enabled(effective)
    assert in_contact_window(date(2022, 6, 27), date(2022, 7, 1), effective)
    assert risk_area_next_level(effective, "high", 7, True).level == "medium"
    assert copy.copy(effective) == effective


def test_turnaround_hours_by_category_and_the_pooled_screening_fallback():
    from fangkong.policy.rules import turnaround_hours

    ninth = next(e for e in editions_load() if e.key == "nhc-9").parameters
    assert turnaround_hours(ninth, "fever_clinic") == 6
    assert turnaround_hours(ninth, "pooled_screening") == 24
    fewer = ninth.model_copy(
        update={
            "turnaround": ninth.turnaround.model_copy(
                update={
                    "targets": {"pooled_screening": ninth.turnaround.targets["pooled_screening"]}
                }
            )
        }
    )
    assert turnaround_hours(fewer, "fever_clinic") == 24
