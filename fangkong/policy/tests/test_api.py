"""``/api/v1/rule-sets``: reads for every role, writes for commanders and administrators,
scoping of overrides, version checks, idempotency and the error envelope."""

from __future__ import annotations

from datetime import date

import pytest

from fangkong.core.actor import SYSTEM
from fangkong.policy import services
from fangkong.policy.models import RuleSet

pytestmark = pytest.mark.django_db

BASE = "/api/v1/rule-sets"
FEVER = {"turnaround": {"targets": {"fever_clinic": {"target_hours": 4}}}}


def make_override(region, key="cy-tat", patch=None):
    return services.rule_set_override_create(
        actor=SYSTEM,
        key=key,
        region=region,
        name_zh="朝阳区调整",
        name_en="Chaoyang adjustment",
        effective_from=date(2022, 7, 1),
        parameters=patch or FEVER,
        reason="Local decision",
    )


def override_payload(region_code, key="cy-new"):
    return {
        "key": key,
        "region_code": region_code,
        "name_zh": "地方调整",
        "name_en": "Local adjustment",
        "effective_from": "2022-07-01",
        "parameters": FEVER,
        "reason": "District decision 3",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", BASE),
        ("get", f"{BASE}/nhc-9"),
        ("get", f"{BASE}/effective"),
        ("get", f"{BASE}/compare?a=nhc-8&b=nhc-9"),
        ("post", BASE),
        ("post", f"{BASE}/nhc-9/revisions"),
        ("post", f"{BASE}/nhc-9/revisions/1/retire"),
    ],
)
def test_anonymous_gets_401_in_the_envelope(api, method, path):
    response = getattr(api(None), method)(path)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_list_shows_editions_to_every_role(api, tree, make_actor):
    client = api(make_actor("grid_worker", tree["grid_a1"]))
    response = client.get(BASE)
    assert response.status_code == 200
    keys = [item["key"] for item in response.json()["items"]]
    assert keys == ["nhc-8", "nhc-9", "measures-20", "measures-new-10", "nhc-10"]
    first = response.json()["items"][0]
    assert first["version_label"] == "nhc-8@r1"
    assert first["effective_from"] == "2021-05-11"
    assert first["region_code"] is None
    assert "parameters" not in first


def test_list_query_count_is_constant(api, tree, make_actor, django_assert_max_num_queries):
    client = api(make_actor("duty_officer", tree["province"]))
    for index in range(5):
        make_override(tree["district_a"], key=f"cy-{index}")
    client.get(BASE)  # the first use of a token records its last use
    with django_assert_max_num_queries(6) as small:
        assert len(client.get(BASE, page_size=2).json()["items"]) == 2
    with django_assert_max_num_queries(6) as large:
        assert len(client.get(BASE, page_size=50).json()["items"]) == 10
    assert len(small.captured_queries) == len(large.captured_queries)


def test_get_latest_and_a_given_revision(api, tree, make_actor):
    client = api(make_actor("epidemiologist", tree["district_a"]))
    response = client.get(f"{BASE}/nhc-9")
    assert response.status_code == 200
    body = response.json()
    assert body["parameters"]["contacts"]["close_contact_window_days"] == 4
    assert body["source_notes"][0]["source"]
    assert client.get(f"{BASE}/nhc-9", revision=1).json()["revision"] == 1
    missing = client.get(f"{BASE}/nhc-9", revision=9)
    assert missing.status_code == 404
    assert missing.json()["code"] == "rule_set_not_found"
    assert client.get(f"{BASE}/NOT%20A%20KEY").status_code == 404


def test_effective_lookup_for_a_node_and_date(api, tree, make_actor):
    make_override(tree["district_a"])
    client = api(make_actor("epidemiologist", tree["district_a"]))
    response = client.get(f"{BASE}/effective", region=tree["grid_a1"].code, on="2022-07-02")
    assert response.status_code == 200
    body = response.json()
    assert body["labels"] == ["nhc-9@r1", "cy-tat@r1"]
    assert body["label"] == "nhc-9@r1+cy-tat@r1"
    assert body["parameters"]["turnaround"]["targets"]["fever_clinic"]["target_hours"] == 4
    own = client.get(f"{BASE}/effective", on="2021-06-01").json()
    assert own["region_code"] == tree["district_a"].code
    assert own["labels"] == ["nhc-8@r1"]
    outside = client.get(f"{BASE}/effective", region=tree["grid_b1"].code, on="2022-07-02")
    assert outside.status_code == 404
    too_early = client.get(f"{BASE}/effective", on="2020-01-01")
    assert too_early.status_code == 404
    assert too_early.json()["code"] == "rule_set_not_in_force"
    bad_date = client.get(f"{BASE}/effective", on="yesterday")
    assert bad_date.status_code == 422


def test_compare(api, tree, make_actor):
    client = api(make_actor("duty_officer", tree["city"]))
    response = client.get(f"{BASE}/compare", a="nhc-8@r1", b="nhc-9")
    assert response.status_code == 200
    body = response.json()
    assert (body["a"], body["b"]) == ("nhc-8@r1", "nhc-9@r1")
    rows = {row["path"]: row for row in body["rows"]}
    assert rows["contacts.close_contact_window_days"] == {
        "path": "contacts.close_contact_window_days",
        "a": 2,
        "b": 4,
        "changed": True,
    }
    assert body["changed_count"] == sum(row["changed"] for row in body["rows"]) > 10
    bad = client.get(f"{BASE}/compare", a="nhc 8", b="nhc-9")
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0]["field"] == "a"


def test_commander_publishes_a_revision_with_version_check(api, tree, make_actor):
    client = api(make_actor("commander", tree["province"]))
    payload = {"version": 1, "reason": "Province notice 7", "changes": FEVER}
    response = client.post(f"{BASE}/nhc-9/revisions", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version_label"] == "nhc-9@r2"
    assert body["parameters"]["turnaround"]["targets"]["fever_clinic"]["target_hours"] == 4
    stale = client.post(f"{BASE}/nhc-9/revisions", payload)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    invalid = client.post(
        f"{BASE}/nhc-9/revisions",
        {"version": 2, "reason": "x", "changes": {"pooling": {"max_ratio": 50}}},
    )
    assert invalid.status_code == 422
    assert invalid.json()["detail"]["errors"][0]["field"].startswith("parameters.pooling")
    assert RuleSet.objects.filter(key="nhc-9").count() == 2


def test_revision_create_is_idempotent(api, tree, make_actor):
    client = api(make_actor("administrator", tree["province"]))
    payload = {"version": 1, "reason": "Notice", "changes": FEVER}
    headers = {"Idempotency-Key": "rev-1"}
    first = client.post(f"{BASE}/nhc-9/revisions", payload, headers=headers)
    again = client.post(f"{BASE}/nhc-9/revisions", payload, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert RuleSet.objects.filter(key="nhc-9").count() == 2


@pytest.mark.parametrize("role", ["epidemiologist", "duty_officer", "grid_worker", "inspector"])
def test_other_roles_cannot_publish(api, tree, make_actor, role):
    client = api(make_actor(role, tree["province"]))
    response = client.post(
        f"{BASE}/nhc-9/revisions", {"version": 1, "reason": "x", "changes": FEVER}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_allowed"
    response = client.post(BASE, override_payload(tree["district_a"].code))
    assert response.status_code == 403
    assert RuleSet.objects.count() == 5


def test_district_commander_cannot_change_a_national_edition(api, tree, make_actor):
    client = api(make_actor("commander", tree["district_a"]))
    response = client.post(
        f"{BASE}/nhc-9/revisions", {"version": 1, "reason": "x", "changes": FEVER}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "national_rule_set_root_only"


def test_override_create_inside_and_outside_the_subtree(api, tree, make_actor):
    client = api(make_actor("commander", tree["district_a"]))
    created = client.post(BASE, override_payload(tree["street_a"].code))
    assert created.status_code == 201, created.json()
    assert created.json()["region_code"] == tree["street_a"].code
    assert created.json()["parameters"] == FEVER
    outside = client.post(BASE, override_payload(tree["district_b"].code, key="hd-new"))
    assert outside.status_code == 404
    assert outside.json()["code"] == "region_not_found"
    above = client.post(BASE, override_payload(tree["city"].code, key="city-new"))
    assert above.status_code == 404
    assert not RuleSet.objects.filter(key__in=["hd-new", "city-new"]).exists()


def test_override_of_another_district_is_invisible(api, tree, make_actor):
    make_override(tree["district_b"], key="hd-tat")
    client = api(make_actor("commander", tree["district_a"]))
    assert client.get(f"{BASE}/hd-tat").status_code == 404
    response = client.post(
        f"{BASE}/hd-tat/revisions", {"version": 1, "reason": "x", "changes": FEVER}
    )
    assert response.status_code == 404
    assert client.get(f"{BASE}/compare", a="hd-tat", b="nhc-9").status_code == 404
    assert "hd-tat" not in [i["key"] for i in client.get(BASE).json()["items"]]


def test_override_from_above_is_visible_but_not_writable_below(api, tree, make_actor):
    make_override(tree["city"], key="city-tat")
    client = api(make_actor("commander", tree["district_a"]))
    assert client.get(f"{BASE}/city-tat").status_code == 200
    response = client.post(
        f"{BASE}/city-tat/revisions", {"version": 1, "reason": "x", "changes": FEVER}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "region_out_of_scope"


def test_retire_is_version_checked(api, tree, make_actor):
    make_override(tree["district_a"])
    client = api(make_actor("commander", tree["district_a"]))
    stale = client.post(f"{BASE}/cy-tat/revisions/1/retire", {"version": 5, "reason": "done"})
    assert stale.status_code == 409
    retired = client.post(f"{BASE}/cy-tat/revisions/1/retire", {"version": 1, "reason": "done"})
    assert retired.status_code == 200
    assert retired.json()["status"] == "retired"
    again = client.post(f"{BASE}/cy-tat/revisions/1/retire", {"version": 2, "reason": "done"})
    assert again.status_code == 409
    assert again.json()["code"] == "rule_set_wrong_status"


def test_draft_then_publish(api, tree, make_actor):
    client = api(make_actor("commander", tree["district_a"]))
    response = client.post(BASE, {**override_payload(tree["district_a"].code), "draft": True})
    assert response.json()["status"] == "draft"
    published = client.post(
        f"{BASE}/cy-new/revisions/1/publish", {"version": 1, "reason": "Signed off"}
    )
    assert published.status_code == 200
    assert published.json()["status"] == "published"


def test_inputs_are_bounded(api, tree, make_actor):
    client = api(make_actor("commander", tree["province"]))
    too_long = client.post(
        f"{BASE}/nhc-9/revisions", {"version": 1, "reason": "x" * 1001, "changes": FEVER}
    )
    assert too_long.status_code == 422
    nul = client.post(BASE, {**override_payload(tree["district_a"].code), "name_en": "a\x00b"})
    assert nul.status_code == 422
    nul_param = client.post(
        BASE,
        {
            **override_payload(tree["district_a"].code),
            "parameters": {"key_groups": {"x": {"name_zh": "a\x00"}}},
        },
    )
    assert nul_param.status_code == 422
    assert client.get(BASE, key="x" * 41).status_code == 422
    assert (
        client.post(
            f"{BASE}/nhc-9/revisions/99999999999/retire", {"version": 1, "reason": "x"}
        ).status_code
        == 422
    )
