"""The groups API: every endpoint for anonymous, wrong-role and other-district callers;
create (idempotent), members added and removed by code in the body, members shown masked
and logged, the bulk load refusing bad rows with their numbers."""

from __future__ import annotations

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.models import AccessEntry
from fangkong.people.groups.tests.factories import group_make
from fangkong.people.models import GroupMember, PersonGroup
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db

GROUPS = "/api/v1/groups"


@pytest.fixture
def world(tree):
    member = person_make(region=tree["grid_a1"], name="张三", phone="13800138000")
    group = group_make(region=tree["district_a"], members=[member])
    return {"tree": tree, "member": member, "group": group}


def _endpoints(world):
    code = world["group"].code
    person = str(world["member"].code)
    return [
        ("get", GROUPS, None, False),
        ("post", GROUPS, {"kind": "work_team", "name": "二班", "region_code": "110105"}, True),
        ("get", f"{GROUPS}/{code}", None, False),
        ("post", f"{GROUPS}/{code}/members/add", {"persons": [person]}, True),
        ("post", f"{GROUPS}/{code}/members/remove", {"persons": [person]}, True),
        ("post", f"{GROUPS}/bulk", {"source": "s", "groups": [], "members": []}, True),
    ]


def _call(client, method, path, body):
    return client.get(path) if method == "get" else client.post(path, body)


def test_anonymous_callers_get_401_and_wrong_roles_403(world, api):
    anonymous = api(None)
    reader = api(actor_make(role=Role.COMMANDER, region=world["tree"]["district_a"]))
    outsider = api(actor_make(role=Role.SUPPLIES_OFFICER, region=world["tree"]["district_a"]))
    for method, path, body, writes in _endpoints(world):
        assert _call(anonymous, method, path, body).status_code == 401, path
        assert _call(outsider, method, path, body).status_code == 403, path
        if writes:
            assert _call(reader, method, path, body).status_code == 403, path


def test_another_district_gets_404_for_the_group(world, api):
    other = api(actor_make(role=Role.EPIDEMIOLOGIST, region=world["tree"]["district_b"]))
    for method, path, body, _writes in _endpoints(world):
        if "/members/" in path or path.endswith(str(world["group"].code)):
            answer = _call(other, method, path, body)
            assert (answer.status_code, answer.json()["code"]) == (404, "group_not_found"), path
    assert other.get(GROUPS).json()["total"] == 0


def test_create_add_remove_and_read_members(world, api):
    actor = actor_make(role=Role.EPIDEMIOLOGIST, region=world["tree"]["district_a"])
    client = api(actor)
    body = {"kind": "school_class", "name": "初二(1)班", "region_code": "110105"}
    headers = {"Idempotency-Key": "class-1"}
    created = client.post(GROUPS, body, headers=headers)
    repeated = client.post(GROUPS, body, headers=headers)
    assert created.status_code == 201, created.content
    assert repeated.json()["code"] == created.json()["code"]
    assert PersonGroup.objects.filter(name="初二(1)班").count() == 1
    code = created.json()["code"]
    pupils = [person_make(region=world["tree"]["grid_a2"], id_number=None) for _ in range(2)]
    persons = [str(p.code) for p in pupils]
    added = client.post(f"{GROUPS}/{code}/members/add", {"persons": persons})
    assert added.json() == {"changed": 2, "unchanged": 0}
    again = client.post(f"{GROUPS}/{code}/members/add", {"persons": persons})
    assert again.json() == {"changed": 0, "unchanged": 2}
    removed = client.post(f"{GROUPS}/{code}/members/remove", {"persons": persons[:1]})
    assert removed.json() == {"changed": 1, "unchanged": 0}
    detail = client.get(f"{GROUPS}/{code}").json()
    assert (detail["kind"], detail["member_count"]) == ("school_class", 1)
    assert [m["code"] for m in detail["members"]] == persons[1:]
    entry = AccessEntry.objects.filter(action="group_members").latest("id")
    assert entry.subject_ids == persons[1:]
    unknown = client.post(f"{GROUPS}/{code}/members/add", {"persons": ["not-a-code"]})
    assert unknown.status_code == 422


def test_members_are_masked_for_roles_without_identity_rights(world, api):
    commander = api(actor_make(role=Role.COMMANDER, region=world["tree"]["district_a"]))
    member = commander.get(f"{GROUPS}/{world['group'].code}").json()["members"][0]
    assert "*" in member["id_number"]


def test_bulk_load_refuses_bad_rows_by_number_and_repeats_nothing(world, api):
    client = api(actor_make(role=Role.ADMINISTRATOR, region=world["tree"]["city"]))
    person = str(world["member"].code)
    good = {
        "source": "hr",
        "groups": [{"key": "t1", "kind": "work_team", "name": "一班", "region_code": "110105"}],
        "members": [{"group_key": "t1", "person": person}],
    }
    bad = {**good, "members": [*good["members"], {"group_key": "t2", "person": person}]}
    refused = client.post(f"{GROUPS}/bulk", bad)
    assert refused.status_code == 422
    assert refused.json()["detail"]["errors"] == [
        {
            "field": "members.group_key",
            "code": "group_not_found",
            "message": "No such group in this load.",
            "row": 2,
        }
    ]
    assert client.post(f"{GROUPS}/bulk", good).json()["members"] == 1
    assert client.post(f"{GROUPS}/bulk", good).json()["members_existing"] == 1
    assert GroupMember.objects.filter(group__source="hr").count() == 1
