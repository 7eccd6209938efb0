"""Jurisdiction pages: the browser, node administration and the import page — access for
anonymous, wrong-role and other-jurisdiction users, what they show, query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fangkong.regions.models import Region

pytestmark = pytest.mark.django_db

CSV = "code,name,parent_code\n110105002,朝阳第二街道,110105\n"


def test_url_names():
    assert reverse("regions:browse") == "/regions/"
    assert reverse("regions:import") == "/regions/import/"
    assert reverse("regions:node", args=["110105"]) == "/regions/110105/"


@pytest.mark.parametrize("path", ["/regions/", "/regions/110105/", "/regions/import/"])
def test_anonymous_users_are_sent_to_sign_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_browser_starts_at_the_actors_node_with_breadcrumbs_and_children(
    tree, make_actor, page_client
):
    client = page_client(make_actor("grid_worker", tree["street_a"]))
    page = client.get("/regions/")
    assert page.status_code == 200
    assert page.context["node"] == tree["street_a"]
    assert page.context["breadcrumbs"] == []  # nothing above the actor's own node
    children = page.context["page"].items
    assert [(c.code, c.child_count) for c in children] == [("110105001001", 2)]
    deeper = client.get("/regions/110105001001001/")
    assert [c.code for c in deeper.context["breadcrumbs"]] == ["110105001", "110105001001"]
    assert deeper.context["descendants"] == 0


def test_breadcrumbs_from_the_top(tree, make_actor, page_client):
    client = page_client(make_actor("commander", tree["province"]))
    page = client.get("/regions/110105001/")
    assert [c.code for c in page.context["breadcrumbs"]] == ["110000", "110100", "110105"]
    assert page.context["descendants"] == 3
    assert "朝阳区" in page.content.decode()


def test_other_jurisdiction_is_404(tree, make_actor, page_client):
    client = page_client(make_actor("grid_worker", tree["district_a"]))
    assert client.get("/regions/110108/").status_code == 404
    assert client.get("/regions/110000/").status_code == 404
    assert client.get("/regions/999999/").status_code == 404


def test_search_by_name_and_code(tree, make_actor, page_client):
    client = page_client(make_actor("duty_officer", tree["province"]))
    by_name = client.get("/regions/?q=海淀")
    assert {c.code for c in by_name.context["page"].items} >= {"110108", "110108001"}
    by_code = client.get("/regions/?q=110105001001")
    assert [c.code for c in by_code.context["page"].items][:1] == ["110105001001"]
    scoped = page_client(make_actor("duty_officer", tree["district_a"])).get("/regions/?q=海淀")
    assert scoped.context["page"].items == []


def test_browser_query_count_is_constant(
    tree, make_actor, page_client, django_assert_max_num_queries
):
    client = page_client(make_actor("duty_officer", tree["province"]))
    client.get("/regions/")
    with django_assert_max_num_queries(20) as small:
        assert len(client.get("/regions/?q=1101&page_size=2").context["page"].items) == 2
    with django_assert_max_num_queries(20) as large:
        assert len(client.get("/regions/?q=1101&page_size=50").context["page"].items) == 11
    assert len(small.captured_queries) == len(large.captured_queries)


def test_administrator_renames_and_adds_children(tree, make_actor, page_client):
    client = page_client(make_actor("administrator", tree["district_a"]))
    page = client.get("/regions/110105/")
    assert "rename_form" in page.context
    response = client.post(
        "/regions/110105001/edit/",
        {"action": "rename", "version": 1, "name": "新街道", "reason": "合并"},
    )
    assert response.status_code == 302
    assert Region.objects.get(code="110105001").name == "新街道"
    client.post(
        "/regions/110105/edit/", {"action": "child", "code": "110105002", "name": "第二街道"}
    )
    assert Region.objects.get(code="110105002").level == 4
    client.post("/regions/110105/edit/", {"action": "child", "code": "110106002", "name": "错"})
    assert not Region.objects.filter(code="110106002").exists()


def test_editing_refuses_other_roles_and_jurisdictions(tree, make_actor, page_client):
    worker = page_client(make_actor("commander", tree["district_a"]))
    data = {"action": "rename", "version": 1, "name": "x"}
    assert worker.post("/regions/110105001/edit/", data).status_code == 403
    assert "rename_form" not in worker.get("/regions/110105/").context
    admin = page_client(make_actor("administrator", tree["district_a"]))
    assert admin.post("/regions/110108001/edit/", data).status_code == 404
    assert Region.objects.get(code="110108001").name == "海淀区第一街道"


def test_import_page_is_for_administrators(tree, make_actor, page_client):
    for role in ["commander", "grid_worker", "epidemiologist"]:
        client = page_client(make_actor(role, tree["province"]))
        assert client.get("/regions/import/").status_code == 403
        upload = SimpleUploadedFile("t.csv", CSV.encode())
        assert client.post("/regions/import/", {"file": upload}).status_code == 403
    assert not Region.objects.filter(code="110105002").exists()


def test_import_page_reports_success_and_every_rejected_row(tree, make_actor, page_client):
    client = page_client(make_actor("administrator", tree["district_a"]))
    assert client.get("/regions/import/").status_code == 200
    ok = client.post("/regions/import/", {"file": SimpleUploadedFile("t.csv", CSV.encode())})
    assert ok.status_code == 200
    assert ok.context["report"].created == 1
    assert 'data-outcome="ok"' in ok.content.decode()
    again = client.post("/regions/import/", {"file": SimpleUploadedFile("t.csv", CSV.encode())})
    assert again.context["report"].nothing_to_do
    bad = "code,name,parent_code\n110105003,,110105\n110108002,海淀,110108\n"
    rejected = client.post(
        "/regions/import/", {"file": SimpleUploadedFile("t.csv", bad.encode("gb18030"))}
    )
    assert rejected.status_code == 422
    html = rejected.content.decode()
    assert "name_required" in html
    assert "parent_out_of_scope" in html
    assert [e.row for e in rejected.context["errors"]] == [2, 3]


def test_import_page_refuses_binary_files(tree, make_actor, page_client):
    client = page_client(make_actor("administrator", tree["district_a"]))
    response = client.post(
        "/regions/import/", {"file": SimpleUploadedFile("t.csv", b"\x89PNG\x00\x00\x01")}
    )
    assert response.status_code == 422
    assert "file_binary" in response.content.decode()
