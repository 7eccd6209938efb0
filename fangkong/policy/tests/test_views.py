"""Rule-set pages: access (anonymous, wrong role, other jurisdiction), what they show, the
write forms, and constant query counts."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.actor import SYSTEM
from fangkong.core.models import AuditEntry
from fangkong.policy import services
from fangkong.policy.models import RuleSet

pytestmark = pytest.mark.django_db

FEVER = {"turnaround": {"targets": {"fever_clinic": {"target_hours": 4}}}}
READ_PAGES = [
    "/rules/",
    "/rules/nhc-9/",
    "/rules/effective/?on=2022-07-01",
    "/rules/compare/?a=nhc-8&b=nhc-9",
]
WRITE_PAGES = ["/rules/nhc-9/revise/", "/rules/overrides/new/"]


def make_override(region, key="cy-tat"):
    return services.rule_set_override_create(
        actor=SYSTEM,
        key=key,
        region=region,
        name_zh="朝阳区调整",
        name_en="Chaoyang adjustment",
        effective_from=date(2022, 7, 1),
        parameters=FEVER,
        reason="Local decision",
    )


def test_list_url_name_is_policy_list():
    assert reverse("policy:list") == "/rules/"


@pytest.mark.parametrize("path", [*READ_PAGES, *WRITE_PAGES])
def test_anonymous_users_are_sent_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", READ_PAGES)
def test_every_role_reads_rule_sets(tree, make_actor, page_client, path):
    response = page_client(make_actor("grid_worker", tree["grid_a1"])).get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", WRITE_PAGES)
@pytest.mark.parametrize("role", ["epidemiologist", "duty_officer", "grid_worker"])
def test_write_pages_refuse_other_roles(tree, make_actor, page_client, path, role):
    assert page_client(make_actor(role, tree["province"])).get(path).status_code == 403


def test_non_commander_cannot_publish_by_posting(tree, make_actor, page_client):
    client = page_client(make_actor("epidemiologist", tree["province"]))
    response = client.post(
        "/rules/nhc-9/revise/",
        {
            "version": 1,
            "based_on": 1,
            "mode": "changes",
            "parameters": json.dumps(FEVER),
            "reason": "x",
        },
    )
    assert response.status_code == 403
    response = client.post(
        "/rules/nhc-9/1/status/", {"action": "retire", "version": 1, "reason": "x"}
    )
    assert response.status_code == 403
    assert RuleSet.objects.filter(key="nhc-9").count() == 1
    assert RuleSet.objects.get(key="nhc-9").status == "published"


def test_list_marks_the_edition_in_force_today(tree, make_actor, page_client):
    page = page_client(make_actor("duty_officer", tree["district_a"])).get("/rules/")
    html = page.content.decode()
    assert "nhc-10@r1" in html
    assert page.context["today"].labels == ("nhc-10@r1",)
    assert page.context["in_force"] == {"nhc-10@r1"}
    assert "policy-in-force" in html
    assert "2021-05-11" in html


def test_list_page_query_count_does_not_grow_with_page_size(
    tree, make_actor, page_client, django_assert_max_num_queries
):
    for index in range(4):
        make_override(tree["district_a"], key=f"cy-{index}")
    client = page_client(make_actor("duty_officer", tree["district_a"]))
    client.get("/rules/")
    with django_assert_max_num_queries(20) as small:
        assert len(client.get("/rules/?page_size=2").context["page"].items) == 2
    with django_assert_max_num_queries(20) as large:
        assert len(client.get("/rules/?page_size=50").context["page"].items) == 9
    assert len(small.captured_queries) == len(large.captured_queries)


def test_detail_shows_readable_tables(tree, make_actor, page_client):
    html = page_client(make_actor("grid_worker", tree["grid_a1"])).get("/rules/nhc-9/").content
    text = html.decode()
    for expected in [
        "High-risk area",
        "1, 2, 3, 5, 7",
        "7 days without new infection",
        "10 in 1",
        "163.com",
    ]:
        assert expected in text, expected
    assert "nhc-9@r1" in text


def test_detail_of_an_override_lists_its_values(tree, make_actor, page_client):
    make_override(tree["district_a"])
    text = page_client(make_actor("commander", tree["district_a"])).get("/rules/cy-tat/").content
    assert b"turnaround.targets.fever_clinic.target_hours" in text


def test_override_of_another_district_is_404(tree, make_actor, page_client):
    make_override(tree["district_b"], key="hd-tat")
    client = page_client(make_actor("commander", tree["district_a"]))
    assert client.get("/rules/hd-tat/").status_code == 404
    assert client.get("/rules/hd-tat/revise/").status_code == 404
    response = client.post(
        "/rules/hd-tat/1/status/", {"action": "retire", "version": 1, "reason": "x"}
    )
    assert response.status_code == 404
    assert b"hd-tat" not in client.get("/rules/").content
    assert client.get("/rules/compare/?a=hd-tat&b=nhc-9").context["form"].errors


def test_effective_page_shows_labels_and_tables(tree, make_actor, page_client):
    make_override(tree["district_a"])
    client = page_client(make_actor("epidemiologist", tree["district_a"]))
    page = client.get(f"/rules/effective/?region={tree['grid_a1'].code}&on=2022-07-02")
    assert page.status_code == 200
    assert page.context["effective"].labels == ("nhc-9@r1", "cy-tat@r1")
    text = page.content.decode()
    assert "cy-tat@r1" in text
    assert "Fever clinic" in text or "发热门诊" in text
    outside = client.get(f"/rules/effective/?region={tree['grid_b1'].code}&on=2022-07-02")
    assert "effective" not in outside.context
    assert outside.context["form"].non_field_errors()


def test_compare_page_highlights_changed_rows(tree, make_actor, page_client):
    client = page_client(make_actor("duty_officer", tree["city"]))
    page = client.get("/rules/compare/?a=nhc-8&b=nhc-9")
    text = page.content.decode()
    assert 'class="diff-changed"' in text
    assert page.context["changed_count"] > 10
    only = client.get("/rules/compare/?a=nhc-8&b=nhc-9&changed=on")
    assert all(row.changed for row in only.context["rows"])


def test_commander_publishes_a_revision_through_the_form(tree, make_actor, page_client):
    client = page_client(make_actor("commander", tree["province"]))
    form = client.get("/rules/nhc-9/revise/")
    assert form.status_code == 200
    response = client.post(
        "/rules/nhc-9/revise/",
        {
            "version": 1,
            "based_on": 1,
            "mode": "changes",
            "parameters": json.dumps(FEVER),
            "effective_from": "2022-06-28",
            "reason": "Province notice 9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/rules/nhc-9/?revision=2"
    created = RuleSet.objects.get(key="nhc-9", revision=2)
    assert created.parameters["turnaround"]["targets"]["fever_clinic"]["target_hours"] == 4
    assert AuditEntry.objects.filter(action="rule_set_publish_revision").count() == 1
    stale = client.post(
        "/rules/nhc-9/revise/",
        {
            "version": 1,
            "based_on": 1,
            "mode": "changes",
            "parameters": json.dumps(FEVER),
            "reason": "again",
        },
    )
    assert stale.status_code == 200
    assert stale.context["form"].non_field_errors()


def test_revision_form_reports_invalid_parameters(tree, make_actor, page_client):
    client = page_client(make_actor("administrator", tree["province"]))
    response = client.post(
        "/rules/nhc-9/revise/",
        {
            "version": 1,
            "based_on": 1,
            "mode": "changes",
            "parameters": json.dumps({"pooling": {"max_ratio": 40}}),
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert "parameters.pooling.max_ratio" in str(response.context["form"].errors)
    bad_json = client.post(
        "/rules/nhc-9/revise/",
        {"version": 1, "based_on": 1, "mode": "changes", "parameters": "{", "reason": "x"},
    )
    assert bad_json.context["form"].errors["parameters"]


def test_override_form_inside_and_outside_the_subtree(tree, make_actor, page_client):
    client = page_client(make_actor("commander", tree["district_a"]))
    data = {
        "key": "cy-new",
        "region": tree["street_a"].code,
        "name_zh": "街道调整",
        "name_en": "Street adjustment",
        "effective_from": "2022-07-01",
        "parameters": json.dumps(FEVER),
        "reason": "Street decision",
    }
    created = client.post("/rules/overrides/new/", data)
    assert created.status_code == 302
    assert RuleSet.objects.get(key="cy-new").region == tree["street_a"]
    outside = client.post(
        "/rules/overrides/new/", {**data, "key": "hd-new", "region": tree["district_b"].code}
    )
    assert outside.status_code == 404
    assert not RuleSet.objects.filter(key="hd-new").exists()


def test_retire_and_publish_through_the_status_form(tree, make_actor, page_client):
    draft = services.rule_set_override_create(
        actor=SYSTEM,
        key="cy-draft",
        region=tree["district_a"],
        name_zh="草案",
        name_en="Draft",
        effective_from=date(2022, 7, 1),
        parameters=FEVER,
        reason="x",
        draft=True,
    )
    client = page_client(make_actor("commander", tree["district_a"]))
    client.post(
        "/rules/cy-draft/1/status/", {"action": "publish", "version": draft.version, "reason": "ok"}
    )
    assert RuleSet.objects.get(pk=draft.pk).status == "published"
    client.post(
        "/rules/cy-draft/1/status/",
        {"action": "retire", "version": draft.version + 1, "reason": "end"},
    )
    assert RuleSet.objects.get(pk=draft.pk).status == "retired"


def test_text_is_escaped(tree, make_actor, page_client):
    services.rule_set_override_create(
        actor=SYSTEM,
        key="xss",
        region=tree["district_a"],
        name_zh="<script>alert(1)</script>",
        name_en="x",
        effective_from=date(2022, 7, 1),
        parameters=FEVER,
        reason="<b>bold</b>",
    )
    text = page_client(make_actor("commander", tree["district_a"])).get("/rules/xss/").content
    assert b"<script>alert(1)</script>" not in text
    assert b"&lt;script&gt;" in text
