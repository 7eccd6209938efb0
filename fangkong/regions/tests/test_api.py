"""``/api/v1/regions``: list and get for every role inside their subtree; create, rename and
import for administrators; anonymous, wrong-role and other-jurisdiction access."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.core.models import AuditEntry
from fangkong.regions import api as regions_api
from fangkong.regions.models import Region

pytestmark = pytest.mark.django_db

BASE = "/api/v1/regions"
CSV = "code,name,parent_code\n110105002,朝阳第二街道,110105\n110105002001,新社区,110105002\n"


def upload(client, data: bytes, *, name: str = "table.csv", **fields):
    return client.client.post(
        f"{BASE}/import",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields},
        headers=client.headers,
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", BASE),
        ("get", f"{BASE}/110000"),
        ("post", BASE),
        ("post", f"{BASE}/import"),
        ("post", f"{BASE}/110105/rename"),
    ],
)
def test_anonymous_gets_401(api, method, path):
    response = getattr(api(None), method)(path)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_list_children_with_counts_inside_the_subtree(api, tree, make_actor):
    client = api(make_actor("grid_worker", tree["district_a"]))
    own = client.get(BASE).json()["items"]
    assert [(r["code"], r["child_count"]) for r in own] == [("110105", 1)]
    children = client.get(BASE, parent="110105001").json()["items"]
    assert [(r["code"], r["child_count"]) for r in children] == [("110105001001", 2)]
    assert client.get(BASE, parent="110108").json()["items"] == []
    found = client.get(BASE, search="网格").json()["items"]
    assert {r["code"] for r in found} == {"110105001001001", "110105001001002"}
    assert client.get(BASE, search="\x00").json()["detail"]["errors"][0]["code"] == "text_nul"
    assert client.get(BASE, parent="abc").status_code == 422


def test_list_query_count_is_constant(api, tree, make_actor, django_assert_max_num_queries):
    client = api(make_actor("grid_worker", tree["province"]))
    client.get(BASE)
    with django_assert_max_num_queries(6) as small:
        assert len(client.get(BASE, search="1101", page_size=2).json()["items"]) == 2
    with django_assert_max_num_queries(6) as large:
        assert len(client.get(BASE, search="1101", page_size=50).json()["items"]) == 11
    assert len(small.captured_queries) == len(large.captured_queries)


def test_get_is_404_outside_the_subtree(api, tree, make_actor):
    client = api(make_actor("grid_worker", tree["district_a"]))
    assert client.get(f"{BASE}/110105001").json()["parent_code"] == "110105"
    for code in ["110108", "110000", "999999", "abc", "1" * 40]:
        response = client.get(f"{BASE}/{code}")
        assert response.status_code == 404, code
        assert response.json()["code"] == "region_not_found"


def test_administrator_creates_a_node(api, tree, make_actor):
    client = api(make_actor("administrator", tree["district_a"]))
    payload = {"parent_code": "110105", "code": "110105002", "name": "朝阳第二街道"}
    response = client.post(BASE, payload, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.json()
    assert response.json()["level"] == 4
    again = client.post(BASE, payload, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201
    assert Region.objects.filter(code="110105002").count() == 1
    bad = client.post(BASE, {**payload, "code": "110106003"})
    assert bad.status_code == 422
    assert bad.json()["detail"]["errors"][0] == {
        "field": "code",
        "code": "code_parent_mismatch",
        "message": bad.json()["detail"]["errors"][0]["message"],
    }


def test_create_refuses_other_roles_and_other_jurisdictions(api, tree, make_actor):
    payload = {"parent_code": "110108", "code": "110108002", "name": "海淀第二街道"}
    commander = api(make_actor("commander", tree["province"]))
    assert commander.post(BASE, payload).status_code == 403
    admin_a = api(make_actor("administrator", tree["district_a"]))
    response = admin_a.post(BASE, payload)
    assert response.status_code == 404
    assert not Region.objects.filter(code="110108002").exists()


def test_rename_with_version(api, tree, make_actor):
    client = api(make_actor("administrator", tree["district_a"]))
    response = client.post(f"{BASE}/110105001/rename", {"name": "新街道", "version": 1})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["version"]) == ("新街道", 2)
    stale = client.post(f"{BASE}/110105001/rename", {"name": "再改", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version"
    assert client.post(f"{BASE}/110108001/rename", {"name": "x", "version": 1}).status_code == 404
    worker = api(make_actor("grid_worker", tree["district_a"]))
    assert worker.post(f"{BASE}/110105001/rename", {"name": "x", "version": 2}).status_code == 403


def test_import_upload(api, tree, make_actor):
    client = api(make_actor("administrator", tree["district_a"]))
    checked = upload(client, CSV.encode(), dry_run="true")
    assert checked.status_code == 200
    assert (checked.json()["new"], checked.json()["created"]) == (2, 0)
    response = upload(client, CSV.encode())
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["rows_read"], body["created"], body["unchanged"], body["rejected"]) == (2, 2, 0, 0)
    again = upload(client, CSV.encode()).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert AuditEntry.objects.filter(action="region_import_csv").count() == 1


def test_import_rejections_list_every_row(api, tree, make_actor):
    client = api(make_actor("administrator", tree["district_a"]))
    data = "code,name,parent_code\n110105002,,110105\n110108002,海淀,110108\n".encode("gb18030")
    response = upload(client, data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_rejected"
    assert [(e["row"], e["field"], e["code"]) for e in body["detail"]["errors"]] == [
        (2, "name", "name_required"),
        (3, "parent_code", "parent_out_of_scope"),
    ]
    assert body["detail"]["rows_read"] == 2
    assert upload(client, b"\x00\x01\x02binary").json()["code"] == "file_binary"
    assert upload(client, b"").status_code == 422


def test_import_refuses_other_roles_and_big_files(api, tree, make_actor, monkeypatch):
    commander = api(make_actor("commander", tree["province"]))
    assert upload(commander, CSV.encode()).status_code == 403
    admin = api(make_actor("administrator", tree["district_a"]))
    monkeypatch.setattr(regions_api, "MAX_IMPORT_BYTES", 10)
    response = upload(admin, CSV.encode())
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not Region.objects.filter(code="110105002").exists()
