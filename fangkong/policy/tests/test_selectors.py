"""Which rules hold for a node on a date; overrides; lists; comparison; the services behind
them (revisions, overrides, retirement) and their audit rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from fangkong.core.actor import SYSTEM
from fangkong.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.policy import services
from fangkong.policy.access import access_rule_set, rule_set_reference_parse
from fangkong.policy.choices import RuleSetStatus
from fangkong.policy.models import RuleSet
from fangkong.policy.selectors import (
    rule_set_compare,
    rule_set_list,
    rules_for,
    rules_for_path,
)

pytestmark = pytest.mark.django_db

FEVER = {"turnaround": {"targets": {"fever_clinic": {"target_hours": 4}}}}


def override(region, key, patch, *, on=date(2022, 7, 1), actor=SYSTEM, **kwargs):
    return services.rule_set_override_create(
        actor=actor,
        key=key,
        region=region,
        name_zh="地方调整",
        name_en="Local adjustment",
        effective_from=on,
        parameters=patch,
        reason="Local decision",
        **kwargs,
    )


def test_the_migration_loaded_the_shipped_editions_exactly():
    from fangkong.policy.loader import editions_load
    from fangkong.policy.schema import parameters_dump

    for edition in editions_load():
        row = RuleSet.objects.get(key=edition.key, revision=1)
        assert row.region is None
        assert row.status == RuleSetStatus.PUBLISHED
        assert row.effective_from == edition.effective_from
        assert row.parameters == parameters_dump(edition.parameters)
        assert row.source_notes == [note.model_dump(mode="json") for note in edition.source_notes]
        assert row.created_by is None


@pytest.mark.parametrize(
    ("on", "label"),
    [
        (date(2021, 5, 11), "nhc-8@r1"),
        (date(2022, 6, 27), "nhc-8@r1"),
        (date(2022, 6, 28), "nhc-9@r1"),
        (date(2022, 11, 10), "nhc-9@r1"),
        (date(2022, 11, 11), "measures-20@r1"),
        (date(2022, 12, 7), "measures-new-10@r1"),
        (date(2023, 1, 8), "nhc-10@r1"),
        (date(2024, 6, 1), "nhc-10@r1"),
    ],
)
def test_lookup_picks_the_national_edition_in_force_on_the_date(tree, on, label):
    effective = rules_for(tree["grid_a1"], on)
    assert effective.labels == (label,)
    assert effective.region_code == tree["grid_a1"].code


def test_lookup_before_the_first_edition_is_not_found(tree):
    with pytest.raises(NotFound) as caught:
        rules_for(tree["province"], date(2021, 5, 10))
    assert caught.value.code == "rule_set_not_in_force"


def test_a_new_revision_applies_from_its_own_effective_date(tree):
    nine = access_rule_set(SYSTEM, "nhc-9")
    services.rule_set_publish_revision(
        actor=SYSTEM,
        rule_set=nine,
        expected_revision=1,
        reason="Correction",
        changes={"contacts": {"close_contact_window_days": 5}},
        effective_from=date(2022, 8, 1),
    )
    assert rules_for(None, date(2022, 7, 31)).labels == ("nhc-9@r1",)
    later = rules_for(None, date(2022, 8, 1))
    assert later.labels == ("nhc-9@r2",)
    assert later.parameters.contacts.close_contact_window_days == 5


def test_overrides_merge_from_the_least_to_the_most_specific_node(tree):
    override(tree["province"], "bj-tat", FEVER)
    override(
        tree["district_a"],
        "cy-tat",
        {
            "turnaround": {
                "targets": {"fever_clinic": {"target_hours": 3}, "voluntary": {"target_hours": 12}}
            }
        },
    )
    inside = rules_for(tree["grid_a1"], date(2022, 7, 2))
    assert inside.labels == ("nhc-9@r1", "bj-tat@r1", "cy-tat@r1")
    assert inside.label == "nhc-9@r1+bj-tat@r1+cy-tat@r1"
    assert inside.parameters.turnaround.targets["fever_clinic"].target_hours == 3
    assert inside.parameters.turnaround.targets["voluntary"].target_hours == 12
    sibling = rules_for(tree["grid_b1"], date(2022, 7, 2))
    assert sibling.labels == ("nhc-9@r1", "bj-tat@r1")
    assert sibling.parameters.turnaround.targets["fever_clinic"].target_hours == 4
    assert sibling.parameters.turnaround.targets["voluntary"].target_hours == 24
    national = rules_for(None, date(2022, 7, 2))
    assert national.parameters.turnaround.targets["fever_clinic"].target_hours == 6


def test_overrides_respect_date_status_and_base_edition(tree):
    override(tree["district_a"], "later", FEVER, on=date(2022, 9, 1))
    override(tree["district_a"], "eighth-only", FEVER, on=date(2021, 6, 1), base_key="nhc-8")
    override(tree["district_a"], "drafted", FEVER, draft=True)
    retired = override(tree["district_a"], "withdrawn", FEVER)
    services.rule_set_retire(actor=SYSTEM, rule_set=retired, version=retired.version, reason="x")
    assert rules_for(tree["grid_a1"], date(2022, 8, 1)).labels == ("nhc-9@r1",)
    assert rules_for(tree["grid_a1"], date(2022, 9, 1)).labels == ("nhc-9@r1", "later@r1")
    assert rules_for(tree["grid_a1"], date(2022, 1, 1)).labels == ("nhc-8@r1", "eighth-only@r1")


def test_latest_revision_of_an_override_wins_and_retiring_it_restores_the_previous(tree):
    first = override(tree["district_a"], "cy-tat", FEVER)
    second = services.rule_set_publish_revision(
        actor=SYSTEM,
        rule_set=first,
        expected_revision=1,
        reason="Tighter",
        parameters={"turnaround": {"targets": {"fever_clinic": {"target_hours": 2}}}},
    )
    effective = rules_for(tree["grid_a1"], date(2022, 7, 5))
    assert effective.labels == ("nhc-9@r1", "cy-tat@r2")
    assert effective.parameters.turnaround.targets["fever_clinic"].target_hours == 2
    services.rule_set_retire(actor=SYSTEM, rule_set=second, version=second.version, reason="x")
    effective = rules_for(tree["grid_a1"], date(2022, 7, 5))
    assert effective.labels == ("nhc-9@r1", "cy-tat@r1")


def test_an_override_that_no_longer_fits_the_edition_in_force_is_skipped_and_reported(tree):
    plan = {
        "central_days": 0,
        "central_test_days": [],
        "home_days": 7,
        "home_kind": "home_isolation",
        "home_test_days": [1, 3, 7],
        "double_sampling_before_release": False,
        "swab_site": None,
    }
    override(tree["district_a"], "cy-secondary", {"quarantine": {"secondary_contact": plan}})
    under_ninth = rules_for(tree["grid_a1"], date(2022, 8, 1))
    secondary = under_ninth.parameters.plan("secondary_contact")
    assert secondary is not None
    assert secondary.home_test_days == (1, 3, 7)
    under_twenty = rules_for(tree["grid_a1"], date(2022, 11, 20))
    assert under_twenty.labels == ("measures-20@r1",)
    assert under_twenty.skipped == ("cy-secondary@r1",)
    assert under_twenty.parameters.plan("secondary_contact") is None


def test_lookup_runs_two_queries_then_one_when_cached(tree, django_assert_num_queries):
    override(tree["province"], "bj-tat", FEVER)
    with django_assert_num_queries(2):
        first = rules_for(tree["grid_a1"], date(2022, 7, 3))
    with django_assert_num_queries(1):
        again = rules_for_path(tree["grid_a1"].path, date(2022, 7, 4))
    assert first.parameters == again.parameters


def test_recent_answers_and_merged_parameters_are_bounded_and_expire(tree):
    from fangkong.policy import selectors

    path = tree["grid_a1"].path
    rules_for_path(path, date(2022, 7, 3))
    rules_for_path(path, date(2022, 7, 4))
    recent = selectors._recent
    assert recent.maxsize == selectors._CACHE_SIZE
    assert selectors._cache.maxsize == selectors._CACHE_SIZE
    assert len(recent) == 2
    recent.expire(recent.timer() + selectors.RULES_CACHE_SECONDS - 1)
    assert len(recent) == 2  # still fresh
    recent.expire(recent.timer() + selectors.RULES_CACHE_SECONDS + 1)
    assert len(recent) == 0  # past its time: dropped, not just ignored
    # Bounded: a process asked about more nodes and days than it keeps holds only _CACHE_SIZE.
    for day in range(1, selectors._CACHE_SIZE + 20):
        rules_for_path(path, date(2022, 7, 1) + timedelta(days=day))
    assert len(recent) == selectors._CACHE_SIZE


# --- services -------------------------------------------------------------------------------


def test_publish_revision_is_version_checked_and_audited(tree, make_actor):
    commander = make_actor("commander", tree["province"])
    nine = access_rule_set(commander, "nhc-9")
    created = services.rule_set_publish_revision(
        actor=commander,
        rule_set=nine,
        expected_revision=1,
        reason="Province decision 12",
        changes={"turnaround": {"pooled_positive_notify_minutes": 10}},
    )
    assert created.version_label == "nhc-9@r2"
    assert created.created_by_id == commander.user_id
    assert created.source_notes == nine.source_notes
    entry = AuditEntry.objects.get(action="rule_set_publish_revision")
    assert entry.rule_set == "nhc-9@r2"
    assert entry.reason == "Province decision 12"
    assert entry.extra["changed_paths"] == ["turnaround.pooled_positive_notify_minutes"]
    with pytest.raises(Conflict) as caught:
        services.rule_set_publish_revision(
            actor=commander,
            rule_set=nine,
            expected_revision=1,
            reason="Late",
            changes={"turnaround": {"pooled_positive_notify_minutes": 20}},
        )
    assert caught.value.code == "stale_version"
    assert RuleSet.objects.filter(key="nhc-9").count() == 2


def test_publish_revision_refuses_invalid_unchanged_and_reasonless_changes(tree):
    nine = access_rule_set(SYSTEM, "nhc-9")
    kwargs: dict[str, Any] = {"actor": SYSTEM, "rule_set": nine, "expected_revision": 1}
    with pytest.raises(ValidationFailed) as caught:
        services.rule_set_publish_revision(
            **kwargs, reason="x", changes={"pooling": {"max_ratio": 30}}
        )
    assert caught.value.errors[0]["field"].startswith("parameters.pooling.max_ratio")
    with pytest.raises(ValidationFailed) as caught:
        services.rule_set_publish_revision(**kwargs, reason="x", changes={})
    assert caught.value.code == "rule_set_unchanged"
    with pytest.raises(ValidationFailed):
        services.rule_set_publish_revision(**kwargs, reason="  ", changes=FEVER)
    with pytest.raises(ValidationFailed):
        services.rule_set_publish_revision(
            **kwargs, reason="x", changes=FEVER, parameters=nine.parameters
        )
    assert not AuditEntry.objects.exists()


def test_only_commanders_and_administrators_write_and_national_only_from_the_root(tree, make_actor):
    nine = access_rule_set(SYSTEM, "nhc-9")
    epidemiologist = make_actor("epidemiologist", tree["province"])
    with pytest.raises(PermissionDenied):
        services.rule_set_publish_revision(
            actor=epidemiologist, rule_set=nine, expected_revision=1, reason="x", changes=FEVER
        )
    district_commander = make_actor("commander", tree["district_a"])
    with pytest.raises(PermissionDenied) as caught:
        services.rule_set_publish_revision(
            actor=district_commander, rule_set=nine, expected_revision=1, reason="x", changes=FEVER
        )
    assert caught.value.code == "national_rule_set_root_only"
    with pytest.raises(PermissionDenied):
        override(tree["district_a"], "x-tat", FEVER, actor=epidemiologist)
    with pytest.raises(PermissionDenied) as caught:
        override(tree["district_b"], "x-tat", FEVER, actor=district_commander)
    assert caught.value.code == "region_out_of_scope"
    mine = override(
        tree["street_a"], "x-tat", FEVER, actor=make_actor("administrator", tree["district_a"])
    )
    assert mine.region == tree["street_a"]
    province_rule = override(tree["province"], "bj-tat", FEVER)
    with pytest.raises(PermissionDenied):
        services.rule_set_retire(
            actor=district_commander, rule_set=province_rule, version=1, reason="x"
        )


def test_override_create_validates_key_base_and_parameters(tree):
    with pytest.raises(ValidationFailed) as caught:
        override(tree["district_a"], "Bad Key", FEVER)
    assert caught.value.errors[0]["field"] == "key"
    override(tree["district_a"], "cy-tat", FEVER)
    with pytest.raises(ValidationFailed) as caught:
        override(tree["district_a"], "cy-tat", FEVER)
    assert caught.value.errors[0]["code"] == "key_taken"
    with pytest.raises(ValidationFailed) as caught:
        override(tree["district_a"], "cy-2", FEVER, base_key="nhc-99")
    assert caught.value.errors[0]["field"] == "base_key"
    with pytest.raises(ValidationFailed):
        override(tree["district_a"], "cy-3", {"contacts": {"window": 3}})
    with pytest.raises(ValidationFailed):
        override(tree["district_a"], "cy-4", {})
    with pytest.raises(ValidationFailed) as caught:
        override(tree["district_a"], "cy-5", FEVER, on=date(2020, 1, 1))
    assert caught.value.errors[0]["code"] == "no_national_edition"


def test_drafts_are_published_and_retired_with_version_checks(tree):
    draft = override(tree["district_a"], "cy-tat", FEVER, draft=True)
    assert draft.status == RuleSetStatus.DRAFT
    with pytest.raises(Conflict):
        services.rule_set_publish(actor=SYSTEM, rule_set=draft, version=7, reason="go")
    services.rule_set_publish(actor=SYSTEM, rule_set=draft, version=draft.version, reason="go")
    assert RuleSet.objects.get(pk=draft.pk).status == RuleSetStatus.PUBLISHED
    with pytest.raises(Conflict) as caught:
        services.rule_set_publish(actor=SYSTEM, rule_set=draft, version=draft.version, reason="go")
    assert caught.value.code == "rule_set_wrong_status"
    services.rule_set_retire(actor=SYSTEM, rule_set=draft, version=draft.version, reason="done")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "rule_set_override_create",
        "rule_set_publish",
        "rule_set_retire",
    ]


# --- lists, access, comparison --------------------------------------------------------------


def test_list_scope_hides_sibling_overrides(tree, make_actor):
    override(tree["province"], "bj-tat", FEVER)
    override(tree["district_a"], "cy-tat", FEVER)
    override(tree["district_b"], "hd-tat", FEVER)
    actor_a = make_actor("duty_officer", tree["street_a"])
    keys = [row.key for row in rule_set_list(actor=actor_a)]
    assert "bj-tat" in keys
    assert "cy-tat" in keys
    assert "hd-tat" not in keys
    assert {"nhc-8", "nhc-9", "measures-20", "measures-new-10", "nhc-10"} <= set(keys)
    with pytest.raises(NotFound):
        access_rule_set(actor_a, "hd-tat")
    assert [r.key for r in rule_set_list(actor=actor_a, scope="override")] == ["bj-tat", "cy-tat"]


def test_list_keeps_only_the_latest_revision_unless_asked(tree):
    nine = access_rule_set(SYSTEM, "nhc-9")
    services.rule_set_publish_revision(
        actor=SYSTEM, rule_set=nine, expected_revision=1, reason="x", changes=FEVER
    )
    assert [r.revision for r in rule_set_list(actor=SYSTEM, key="nhc-9")] == [2]
    assert [r.revision for r in rule_set_list(actor=SYSTEM, key="nhc-9", latest_only=False)] == [
        2,
        1,
    ]


def test_list_runs_one_query_whatever_its_length(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        short = list(rule_set_list(actor=SYSTEM)[:2])
    for index in range(6):
        override(tree["province"], f"extra-{index}", FEVER)
    with django_assert_num_queries(1):
        rows = list(rule_set_list(actor=SYSTEM))
        [row.region.code if row.region else "" for row in rows]
        [row.created_by for row in rows]
    assert len(short) == 2
    assert len(rows) == 11


def test_reference_parsing():
    assert rule_set_reference_parse("nhc-9") == ("nhc-9", None)
    assert rule_set_reference_parse("nhc-9@r2") == ("nhc-9", 2)
    assert rule_set_reference_parse("nhc-9@3") == ("nhc-9", 3)
    with pytest.raises(ValidationFailed):
        rule_set_reference_parse("NHC 9")


def test_compare_lists_every_path_and_flags_changes(tree):
    eight, nine = access_rule_set(SYSTEM, "nhc-8"), access_rule_set(SYSTEM, "nhc-9")
    diffs = {diff.path: diff for diff in rule_set_compare(eight, nine)}
    window = diffs["contacts.close_contact_window_days"]
    assert (window.a, window.b, window.changed) == (2, 4, True)
    assert not diffs["turnaround.targets.fever_clinic.target_hours"].changed
    assert diffs["risk_areas.levels[high].lift.to_level"].changed
    assert not diffs["risk_areas.levels[high].lift.to_level"].in_a
    assert str(diffs["risk_areas.levels[high].lift.to_level"].a) == "—"
    same = rule_set_compare(nine, nine)
    assert not any(diff.changed for diff in same)
