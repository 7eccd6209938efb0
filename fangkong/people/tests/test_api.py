"""The people and household API: access matrix for every endpoint, normalisation of the bad
inputs of security-reference.md c1/c6/c7/c8, idempotent creates, versioned updates, masking,
read-access logging and constant query counts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.choices import Role
from fangkong.core.models import AccessEntry, AuditEntry, IdempotencyRecord
from fangkong.people.models import DuplicateCandidate, Person
from fangkong.people.tests.factories import household_make, id_number_make, person_make

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bad_inputs"
RESIDENT_CASES = json.loads((CORPUS / "resident_ids.json").read_text())
INJECTION = json.loads((CORPUS / "injection.json").read_text())

PEOPLE = "/api/v1/people"
SEARCH = "/api/v1/people/search"
HOUSEHOLDS = "/api/v1/households"
ID_A = "11010519491231002X"

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree):
    """District A: a household with 张三 and a duplicate pair; district B: another person."""
    household = household_make(region=tree["grid_a1"])
    person = person_make(household=household, name="张三", id_number=ID_A, phone="13800138000")
    born = date(1970, 3, 3)
    person_make(region=tree["grid_a1"], name="孙八", birth_date=born, id_number=None)
    twin = person_make(region=tree["grid_a2"], name="孫八", birth_date=born, id_number=None)
    candidate = DuplicateCandidate.objects.get(person_b=twin)
    other = person_make(region=tree["grid_b1"], name="李四", id_number="110105198005170113")
    return {
        "household": household,
        "person": person,
        "candidate": candidate,
        "other": other,
        "tree": tree,
    }


def _endpoints(world):
    """(method, path, body) for every endpoint, aimed at district A's objects."""
    person = world["person"].code
    household = world["household"].code
    grid = world["tree"]["grid_a1"].code
    return [
        ("post", PEOPLE, {"name": "王五", "region_code": grid}),
        ("get", PEOPLE, None),
        ("get", f"{PEOPLE}/duplicates", None),
        (
            "post",
            f"{PEOPLE}/duplicates/{world['candidate'].code}/review",
            {"status": "not_duplicate", "note": "different people"},
        ),
        ("get", f"{PEOPLE}/{person}", None),
        ("post", f"{PEOPLE}/{person}/update", {"version": 1, "occupation": "teacher"}),
        ("post", f"{PEOPLE}/{person}/documents", {"doc_type": "03", "number": "E12345678"}),
        ("post", f"{PEOPLE}/{person}/needs", {"kind": "dialysis"}),
        ("post", HOUSEHOLDS, {"region_code": grid, "address": "5号楼1单元101"}),
        ("get", HOUSEHOLDS, None),
        ("get", f"{HOUSEHOLDS}/{household}", None),
        ("post", f"{HOUSEHOLDS}/{household}/update", {"version": 1, "address": "3-2-502"}),
    ]


def _call(client, method, path, body):
    return client.get(path) if method == "get" else client.post(path, body)


def test_every_endpoint_refuses_anonymous_with_401(world, api):
    for method, path, body in _endpoints(world):
        response = _call(api(None), method, path, body)
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "unauthenticated"


def test_every_endpoint_refuses_a_role_without_person_access_with_403(world, api, make_actor):
    officer = api(make_actor(Role.SUPPLIES_OFFICER, world["tree"]["district_a"]))
    for method, path, body in _endpoints(world):
        response = _call(officer, method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["code"] == "role_not_allowed"
    assert Person.objects.count() == 4


def test_read_only_roles_may_read_but_not_write(world, api, make_actor):
    commander = api(make_actor(Role.DUTY_OFFICER, world["tree"]["district_a"]))
    for method, path, body in _endpoints(world):
        response = _call(commander, method, path, body)
        expected = 200 if method == "get" else 403
        assert response.status_code == expected, (method, path, response.content)


def test_another_jurisdiction_gets_404_on_objects_and_never_sees_them_in_lists(
    world, api, make_actor
):
    worker_b = api(make_actor(Role.GRID_WORKER, world["tree"]["district_b"]))
    for method, path, body in _endpoints(world):
        response = _call(worker_b, method, path, body)
        if method == "get" and path in (PEOPLE, HOUSEHOLDS, f"{PEOPLE}/duplicates"):
            assert response.status_code == 200
            text = response.content.decode()
            assert str(world["person"].code) not in text
            assert str(world["household"].code) not in text
            assert str(world["candidate"].code) not in text
        else:
            assert response.status_code == 404, (method, path, response.content)
    for q in ("张三", "zhang san", ID_A, "13800138000", "110105491231002"):
        items = worker_b.post(SEARCH, {"q": q}).json()["items"]
        assert str(world["person"].code) not in {i["code"] for i in items}, q
    assert Person.objects.filter(name="王五").count() == 0


def test_writers_in_scope_can_use_every_endpoint(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    for method, path, body in _endpoints(world):
        response = _call(worker, method, path, body)
        assert response.status_code in (200, 201), (method, path, response.content)


def test_create_normalises_and_masks_per_role(tree, api, make_actor):
    sampler = make_actor(Role.SAMPLER, tree["district_a"])
    body = {
        "name": "  張\u3000三 ",
        "region_code": tree["grid_a1"].code,
        "phone": "+86 138 0013 8000",
        "documents": [{"doc_type": "01", "number": "１１０１０５１９４９１２３１００２ｘ"}],
        "needs": ["elderly_alone"],
    }
    response = api(sampler).post(PEOPLE, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["name"] == "張 三"
    assert data["phone"] == "13800138000"
    assert data["birth_date"] == "1949-12-31"
    assert data["documents"][0]["number"] == ID_A
    assert data["documents"][0]["masked"] is False
    assert data["needs"][0]["kind"] == "elderly_alone"
    commander = api(make_actor(Role.COMMANDER, tree["district_a"]))
    seen = commander.get(f"{PEOPLE}/{data['code']}").json()
    assert seen["documents"][0]["number"] == "1101**********002X"
    assert seen["documents"][0]["masked"] is True
    assert seen["phone"] == "138****8000"
    listed = commander.post(SEARCH, {"q": "张三"}).json()["items"][0]
    assert listed["id_number"] == "1101**********002X"
    assert listed["phone"] == "138****8000"


@pytest.mark.parametrize(
    "case",
    [c for c in RESIDENT_CASES if c["expect"] == "reject" and "earliest" not in c],
    ids=lambda c: f"{c['row']}:{c['input'][:20]!r}",
)
def test_bad_resident_ids_are_refused_naming_the_field(tree, api, make_actor, case):
    worker = api(make_actor(Role.GRID_WORKER, tree["district_a"]))
    response = worker.post(
        PEOPLE,
        {
            "name": "测试",
            "region_code": tree["grid_a1"].code,
            "documents": [{"doc_type": "01", "number": case["input"][:64]}],
        },
    )
    assert response.status_code == 422, response.content
    errors = response.json()["detail"]["errors"]
    assert errors[0]["field"] == "documents[0].number"
    if len(case["input"]) <= 64:
        assert errors[0]["code"] == case["code"]


def test_schema_limits_name_the_field(tree, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, tree["district_a"]))
    response = worker.post(PEOPLE, {"name": "王" * 10_000, "region_code": tree["grid_a1"].code})
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["field"] == "name"
    response = worker.post(
        PEOPLE, {"name": "王五", "region_code": tree["grid_a1"].code, "phone": "1380013800"}
    )
    assert response.status_code == 422
    assert response.json()["detail"]["errors"] == [
        {
            "field": "phone",
            "code": "phone_length",
            "message": response.json()["detail"]["errors"][0]["message"],
        }
    ]


def test_injection_strings_come_back_verbatim(tree, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, tree["district_a"]))
    for text in INJECTION:
        response = worker.post(
            PEOPLE,
            {"name": text.strip() or "张三", "region_code": tree["grid_a1"].code, "note": text},
        )
        assert response.status_code == 201, (text, response.content)
        assert response.json()["note"] == text.strip()
    response = worker.post(SEARCH, {"q": "%' --"})
    assert response.status_code == 200
    assert [i["name"] for i in response.json()["items"]] == ["%' --"]


def test_identity_exists_is_409_with_the_holder_code_unless_a_reason_is_given(
    world, api, make_actor
):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    body = {
        "name": "张三",
        "region_code": world["tree"]["grid_a2"].code,
        "documents": [{"doc_type": "01", "number": "110105491231002"}],
    }
    refused = worker.post(PEOPLE, body)
    assert refused.status_code == 409
    assert refused.json()["code"] == "identity_exists"
    assert refused.json()["detail"]["person_code"] == str(world["person"].code)
    allowed = worker.post(
        PEOPLE, {**body, "allow_duplicate": True, "duplicate_reason": "one card, two people"}
    )
    assert allowed.status_code == 201
    assert len(allowed.json()["duplicates"]) >= 1
    pairs = worker.get(f"{PEOPLE}/duplicates").json()["items"]
    assert "same_id" in {pair["reason"] for pair in pairs}


def test_the_same_create_twice_with_one_idempotency_key_makes_one_row(tree, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, tree["district_a"]))
    body = {
        "name": "周九",
        "region_code": tree["grid_a1"].code,
        "documents": [{"doc_type": "01", "number": id_number_make()}],
    }
    headers = {"Idempotency-Key": "create-zhou-jiu-1"}
    first = worker.post(PEOPLE, body, headers=headers)
    second = worker.post(PEOPLE, body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] == second.json()["code"]
    assert Person.objects.filter(name="周九").count() == 1
    assert AuditEntry.objects.filter(action="person_create").count() == 1
    record = IdempotencyRecord.objects.get(key="create-zhou-jiu-1")
    assert body["documents"][0]["number"] not in json.dumps(record.response)
    reused = worker.post(PEOPLE, {**body, "name": "周十"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    household = {"region_code": tree["grid_a1"].code, "address": "7号楼1单元101"}
    h1 = worker.post(HOUSEHOLDS, household, headers={"Idempotency-Key": "hh-1"})
    h2 = worker.post(HOUSEHOLDS, household, headers={"Idempotency-Key": "hh-1"})
    assert h1.status_code == h2.status_code == 201
    assert h1.json()["code"] == h2.json()["code"]
    assert h1.json()["address_key"] == "7-1-101"


def test_a_stale_update_gets_409_and_the_newer_value_stays(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    path = f"{PEOPLE}/{world['person'].code}"
    version = worker.get(path).json()["version"]
    first = worker.post(f"{path}/update", {"version": version, "name": "张老三"})
    assert first.status_code == 200
    assert first.json()["version"] == version + 1
    stale = worker.post(f"{path}/update", {"version": version, "name": "张小三"})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    person = Person.objects.get(pk=world["person"].pk)
    assert (person.name, person.version) == ("张老三", version + 1)
    cleared = worker.post(f"{path}/update", {"version": version + 1, "phone": ""})
    assert cleared.json()["phone"] == ""
    moved = worker.post(f"{path}/update", {"version": version + 2, "household_code": ""})
    assert moved.json()["household_code"] is None


def test_traditional_simplified_and_pinyin_find_the_same_person(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    code = str(world["person"].code)
    for q in ("張三", "张三", "zhang san", "ZHANG San", "San ZHANG", "Zhang-San", "zhāng sān"):
        response = worker.post(SEARCH, {"q": q})
        assert response.status_code == 200
        assert code in [item["code"] for item in response.json()["items"]], q
        assert response.json()["kind"] == "name"


def test_identity_and_phone_queries_are_recognised(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    code = str(world["person"].code)
    for q, kind in (
        (ID_A, "id_number"),
        ("11010519491231002x", "id_number"),
        ("110105491231002", "id_number"),
        ("+86 138 0013 8000", "phone"),
        ("1380013", "number"),
    ):
        data = worker.post(SEARCH, {"q": q}).json()
        assert data["kind"] == kind, q
        assert [item["code"] for item in data["items"]] == [code], q
    wrong = worker.post(SEARCH, {"q": "110105194912310021"}).json()
    assert (wrong["items"], wrong["problem"]) == ([], "id_check_digit")


def test_filters_by_region_need_household_and_duplicates(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    person = world["person"]
    worker.post(f"{PEOPLE}/{person.code}/needs", {"kind": "dialysis", "note": "周三"})
    only = worker.get(PEOPLE, need="dialysis").json()["items"]
    assert [i["code"] for i in only] == [str(person.code)]
    in_grid = worker.get(PEOPLE, region=world["tree"]["grid_a2"].code).json()["items"]
    assert {i["name"] for i in in_grid} == {"孫八"}
    in_house = worker.get(PEOPLE, household=str(world["household"].code)).json()["items"]
    assert [i["code"] for i in in_house] == [str(person.code)]
    dupes = worker.get(PEOPLE, has_duplicates=True).json()["items"]
    assert {i["name"] for i in dupes} == {"孙八", "孫八"}
    cleared = worker.post(f"{PEOPLE}/{person.code}/needs", {"kind": "dialysis", "present": False})
    assert cleared.json()["needs"] == []


def test_household_detail_lists_members_and_updates_with_version(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    path = f"{HOUSEHOLDS}/{world['household'].code}"
    detail = worker.get(path).json()
    assert [m["code"] for m in detail["members"]] == [str(world["person"].code)]
    assert detail["address_key"] == "3-2-501"
    assert worker.post(f"{path}/update", {"version": 1, "address": "3-2-502"}).status_code == 200
    stale = worker.post(f"{path}/update", {"version": 1, "address": "3-2-503"})
    assert stale.status_code == 409
    assert worker.get(path).json()["address"] == "3-2-502"


def test_duplicate_review_through_the_api(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    path = f"{PEOPLE}/duplicates/{world['candidate'].code}/review"
    done = worker.post(path, {"status": "duplicate", "note": "same person, typed twice"})
    assert done.status_code == 200
    assert done.json()["status"] == "duplicate"
    again = worker.post(path, {"status": "not_duplicate", "note": "changed my mind"})
    assert again.status_code == 409
    assert worker.get(f"{PEOPLE}/duplicates").json()["items"] == []


def test_search_and_detail_write_access_rows_without_values(world, api, make_actor):
    sampler = make_actor(Role.SAMPLER, world["tree"]["district_a"])
    client = api(sampler)
    AccessEntry.objects.all().delete()
    client.post(SEARCH, {"q": ID_A})
    client.get(f"{PEOPLE}/{world['person'].code}")
    client.get(f"{HOUSEHOLDS}/{world['household'].code}")
    actions = list(AccessEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["person_search", "person_view", "household_view", "household_members"]
    dump = json.dumps(list(AccessEntry.objects.values()), default=str, ensure_ascii=False)
    for value in (ID_A, "张三", "13800138000", "幸福里"):
        assert value not in dump
    assert str(world["person"].code) in dump


def _count(client, path, **params):
    def call():
        if "q" in params:  # a search is a POST body
            return client.post(SEARCH, params)
        return client.get(path, **params)

    call()  # warm up: token bookkeeping happens on the first call
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200
    return len(queries), response.json()


def test_list_endpoints_run_the_same_queries_at_page_size_5_and_50(tree, api, make_actor):
    household = household_make(region=tree["grid_a1"])
    for i in range(55):
        person_make(
            household=household if i % 2 else None,
            region=tree["grid_a1"],
            name=f"王{i % 3}",
            birth_date=date(1990, 1, 1),
            needs=["chronic"],
            phone="13800138000",
        )
        household_make(region=tree["grid_a1"], address=f"{i}号楼1单元101")
    client = api(make_actor(Role.SAMPLER, tree["district_a"]))
    for path, params in (
        (PEOPLE, {}),
        (PEOPLE, {"q": "wang"}),
        (PEOPLE, {"need": "chronic"}),
        (HOUSEHOLDS, {}),
        (f"{PEOPLE}/duplicates", {}),
    ):
        small, small_data = _count(client, path, page_size=5, **params)
        large, large_data = _count(client, path, page_size=50, **params)
        assert len(small_data["items"]) == 5, path
        assert len(large_data["items"]) == 50, path
        assert small == large, (path, params, small, large)


def test_hostile_parameters_never_reach_the_database_as_errors(world, api, make_actor):
    worker = api(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    for params in (
        {"region": "11\x00"},
        {"household": "\x00"},
        {"page": 10**9},
    ):
        response = worker.get(PEOPLE, **params)
        assert response.status_code in (200, 422), (params, response.status_code)
    for q in ("张\x00三", "%' --"):
        response = worker.post(SEARCH, {"q": q})
        assert response.status_code in (200, 422), (q, response.status_code)
    nul_search = worker.get(HOUSEHOLDS, q="\x00", region="1")
    assert nul_search.status_code == 422
    assert nul_search.json()["detail"]["errors"][0]["field"] == "q"
    nul = worker.post(PEOPLE, {"name": "张三", "region_code": "11\x00"})
    assert nul.status_code == 422
    assert nul.json()["detail"]["errors"][0]["field"] == "region_code"
    for field in ("note", "occupation"):
        response = worker.post(
            PEOPLE,
            {"name": "张三", "region_code": world["tree"]["grid_a1"].code, field: "a\x00b"},
        )
        assert response.status_code == 422
        assert response.json()["detail"]["errors"][0] == {
            "field": field,
            "code": "text_nul",
            "message": response.json()["detail"]["errors"][0]["message"],
        }
    surrogate = worker.post(
        f"{PEOPLE}/{world['person'].code}/update", {"version": 1, "note": "\ud800"}
    )
    assert surrogate.status_code == 422
