"""People pages: access matrix for every page, escaping of hostile text, masking, the edit
conflict, idempotent registration, htmx partials and constant query counts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.people.models import DuplicateCandidate, Household, Person
from fangkong.people.tests.factories import household_make, id_number_make, person_make

pytestmark = pytest.mark.django_db

ID_A = "11010519491231002X"
MASKED_ID = re.compile(r"\d{4}\*{10}\d{3}[\dX]")
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def world(tree):
    household = household_make(region=tree["grid_a1"])
    person = person_make(
        household=household, name="张三", id_number=ID_A, phone="13800138000", needs=["pregnant"]
    )
    born = date(1970, 3, 3)
    person_make(region=tree["grid_a1"], name="孙八", birth_date=born, id_number=None)
    twin = person_make(region=tree["grid_a2"], name="孫八", birth_date=born, id_number=None)
    candidate = DuplicateCandidate.objects.get(person_b=twin)
    return {"household": household, "person": person, "candidate": candidate, "tree": tree}


def _pages(world):
    """(method, url, data) for every page, aimed at district A's objects."""
    person = reverse("people:person", args=[world["person"].code])
    household = reverse("people:household", args=[world["household"].code])
    grid = world["tree"]["grid_a1"].code
    review = {"candidate": str(world["candidate"].code), "status": "duplicate", "note": "same"}
    return [
        ("get", reverse("people:search"), None),
        ("get", reverse("people:create"), None),
        ("post", reverse("people:create"), {"name": "王五", "region": grid, "sex": "U"}),
        ("get", person, None),
        ("post", person, {"form": "need", "kind": "dialysis", "present": "1"}),
        ("get", reverse("people:households"), None),
        ("post", reverse("people:households"), {"region": grid, "address": "9-9-909"}),
        ("get", household, None),
        ("post", household, {"version": 1, "address": "3-2-502"}),
        ("get", reverse("people:duplicates"), None),
        ("post", reverse("people:duplicates"), review),
    ]


def _call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data)


def test_anonymous_users_are_sent_to_sign_in(world, client):
    for method, url, data in _pages(world):
        response = _call(client, method, url, data)
        assert response.status_code == 302, (method, url)
        assert response.url.startswith(reverse("accounts:login"))


def test_a_role_without_person_access_gets_403_on_every_page(world, page_client, make_actor):
    officer = page_client(make_actor(Role.SUPPLIES_OFFICER, world["tree"]["district_a"]))
    for method, url, data in _pages(world):
        assert _call(officer, method, url, data).status_code == 403, (method, url)
    assert not Person.objects.filter(name="王五").exists()


def test_read_only_roles_see_pages_without_forms_and_cannot_post(world, page_client, make_actor):
    commander = page_client(make_actor(Role.COMMANDER, world["tree"]["district_a"]))
    for method, url, data in _pages(world):
        response = _call(commander, method, url, data)
        writes = method == "post" or url == reverse("people:create")
        assert response.status_code == (403 if writes else 200), (method, url)
    page = commander.get(reverse("people:person", args=[world["person"].code])).content.decode()
    assert 'name="form" value="edit"' not in page


def test_another_jurisdiction_gets_404_and_sees_nothing_in_lists(world, page_client, make_actor):
    worker_b = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_b"]))
    for method, url, data in _pages(world):
        response = _call(worker_b, method, url, data)
        text = response.content.decode()
        if url in (reverse("people:person", args=[world["person"].code]),) or url.startswith(
            reverse("people:household", args=[world["household"].code])
        ):
            assert response.status_code == 404, (method, url)
        elif method == "post":
            assert response.status_code in (404, 422), (method, url, response.status_code)
        else:
            assert response.status_code == 200
        # (The 404 page repeats the URL typed, in the language switch; nothing else.)
        secrets = ["张三", "孙八", "幸福里", "13800138000"]
        if response.status_code != 404:
            secrets += [str(world["person"].code), str(world["household"].code)]
        for secret in secrets:
            assert secret not in text, (method, url, secret)
    for q in ("张三", "zhang san", ID_A, "13800138000"):
        page = worker_b.post(reverse("people:search"), {"q": q}).content.decode()
        assert str(world["person"].code) not in page
    assert not Person.objects.filter(name="王五").exists()
    assert not Household.objects.filter(address="9-9-909").exists()
    world["candidate"].refresh_from_db()
    assert world["candidate"].status == "open"


def test_traditional_simplified_and_pinyin_search_find_the_same_person(
    world, page_client, make_actor
):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    link = reverse("people:person", args=[world["person"].code])
    for q in ("張三", "张三", "zhang san", "San ZHANG", ID_A.lower(), "138 0013 8000"):
        page = worker.post(reverse("people:search"), {"q": q}).content.decode()
        assert link in page, q


def test_grid_worker_sees_the_number_masked_and_sampler_sees_it_clear(
    world, page_client, make_actor
):
    url = reverse("people:person", args=[world["person"].code])
    worker_page = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"])).get(url)
    text = worker_page.content.decode()
    assert MASKED_ID.search(text)
    assert ID_A not in text
    assert "13800138000" in text  # grid workers call residents
    sampler_text = (
        page_client(make_actor(Role.SAMPLER, world["tree"]["district_a"])).get(url).content
    ).decode()
    assert ID_A in sampler_text
    duty = page_client(make_actor(Role.DUTY_OFFICER, world["tree"]["district_a"]))
    duty_text = duty.post(reverse("people:search"), {"q": "张三"}).content.decode()
    assert "1101**********002X" in duty_text
    assert "138****8000" in duty_text
    assert "13800138000" not in duty_text


def test_hostile_text_is_stored_verbatim_and_rendered_escaped(world, page_client, make_actor):
    worker_actor = make_actor(Role.GRID_WORKER, world["tree"]["district_a"])
    worker = page_client(worker_actor)
    response = worker.post(
        reverse("people:create"),
        {
            "name": SCRIPT,
            "region": world["tree"]["grid_a1"].code,
            "sex": "U",
            "doc_type": "01",
            "note": IMG + "\n{{7*7}} {% debug %}",
            "occupation": '=HYPERLINK("http://x","a")',
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(name=SCRIPT)
    assert person.note == IMG + "\n{{7*7}} {% debug %}"
    detail = worker.get(response.url).content.decode()
    search = worker.post(reverse("people:search"), {"q": "<script"}).content.decode()
    for page in (detail, search):
        assert SCRIPT not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<img src=x" not in page
    assert "{{7*7}}" in detail  # shown as text, never evaluated as a template


def test_edit_with_a_stale_version_shows_the_conflict_and_keeps_the_newer_value(
    world, page_client, make_actor
):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    url = reverse("people:person", args=[world["person"].code])
    form = {"form": "edit", "version": 1, "name": "张老三", "sex": "F", "phone": "13800138000"}
    assert worker.post(url, form).status_code == 302
    stale = worker.post(url, {**form, "name": "张小三"})
    assert stale.status_code == 409
    assert "Someone else saved this person" in stale.content.decode() or (
        "people-conflict" in stale.content.decode()
    )
    assert Person.objects.get(pk=world["person"].pk).name == "张老三"
    assert AuditEntry.objects.filter(action="person_update").count() == 1


def test_edit_and_document_errors_name_the_field(world, page_client, make_actor):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    url = reverse("people:person", args=[world["person"].code])
    bad_phone = worker.post(
        url, {"form": "edit", "version": 1, "name": "张三", "sex": "F", "phone": "1380013800"}
    )
    assert bad_phone.status_code == 422
    assert "11" in bad_phone.content.decode()
    bad_doc = worker.post(url, {"form": "document", "doc_type": "01", "number": "4.40524E+17"})
    assert bad_doc.status_code == 422
    added = worker.post(url, {"form": "document", "doc_type": "03", "number": "E12345678"})
    assert added.status_code == 302


def test_registration_double_submit_creates_one_person(world, page_client, make_actor):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    form = worker.get(reverse("people:create")).context["form"]
    key = form.initial["idempotency_key"]
    data = {
        "idempotency_key": key,
        "name": "吴十",
        "region": world["tree"]["grid_a1"].code,
        "sex": "U",
        "doc_type": "01",
        "doc_number": id_number_make(),
        "needs": ["disability"],
    }
    first = worker.post(reverse("people:create"), data)
    second = worker.post(reverse("people:create"), data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Person.objects.filter(name="吴十").count() == 1


def test_registering_a_known_number_links_to_the_holder(world, page_client, make_actor):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    data = {
        "name": "张三",
        "region": world["tree"]["grid_a2"].code,
        "sex": "U",
        "doc_type": "01",
        "doc_number": "110105491231002",
    }
    refused = worker.post(reverse("people:create"), data)
    assert refused.status_code == 409
    assert reverse("people:person", args=[world["person"].code]) in refused.content.decode()
    allowed = worker.post(
        reverse("people:create"),
        {**data, "allow_duplicate": "on", "duplicate_reason": "checked at the door"},
    )
    assert allowed.status_code == 302
    duplicates = worker.get(reverse("people:duplicates")).content.decode()
    assert "checked at the door" in duplicates


def test_duplicate_review_page(world, page_client, make_actor):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    page = worker.get(reverse("people:duplicates")).content.decode()
    assert str(world["candidate"].code) in page
    done = worker.post(
        reverse("people:duplicates"),
        {"candidate": str(world["candidate"].code), "status": "not_duplicate", "note": "twins"},
    )
    assert done.status_code == 302
    world["candidate"].refresh_from_db()
    assert world["candidate"].status == "not_duplicate"
    assert (
        str(world["candidate"].code)
        not in worker.get(reverse("people:duplicates")).content.decode()
    )


def test_household_pages(world, page_client, make_actor):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    created = worker.post(
        reverse("people:households"),
        {"region": world["tree"]["grid_a1"].code, "address": "8号楼3单元1201"},
    )
    assert created.status_code == 302
    page = worker.get(created.url).content.decode()
    assert "8-3-1201" in page
    listing = worker.get(reverse("people:households"), {"q": "3-2-501"}).content.decode()
    assert world["household"].address in listing
    detail_url = reverse("people:household", args=[world["household"].code])
    assert (
        reverse("people:person", args=[world["person"].code])
        in worker.get(detail_url).content.decode()
    )
    assert worker.post(detail_url, {"version": 1, "address": "3-2-502"}).status_code == 302
    stale = worker.post(detail_url, {"version": 1, "address": "3-2-503"})
    assert stale.status_code == 409
    world["household"].refresh_from_db()
    assert world["household"].address == "3-2-502"


def test_htmx_search_returns_only_the_results(world, page_client, make_actor):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    partial = worker.post(reverse("people:search"), {"q": "张三"}, headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert "<html" not in text
    assert reverse("people:person", args=[world["person"].code]) in text
    wrong = worker.post(reverse("people:search"), {"q": "110105194912310021"}).content.decode()
    assert "check digit" in wrong


def test_pages_log_reads_with_codes_only(world, page_client, make_actor):
    worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    AccessEntry.objects.all().delete()
    worker.post(reverse("people:search"), {"q": "张三"})
    worker.get(reverse("people:person", args=[world["person"].code]))
    rows = list(AccessEntry.objects.order_by("id"))
    assert [r.action for r in rows] == ["person_search", "person_view"]
    assert all(r.subject_ids == [str(world["person"].code)] for r in rows)


def _count(client, url, **params):
    def call():
        # a search by name, number or phone is a POST body
        return client.post(url, params) if "q" in params else client.get(url, params)

    call()
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200
    return len(queries), response


def test_list_pages_run_the_same_queries_at_page_size_5_and_50(tree, page_client, make_actor):
    household = household_make(region=tree["grid_a1"])
    for i in range(55):
        person_make(
            household=household if i % 2 else None,
            region=tree["grid_a1"],
            name=f"王{i % 3}",
            birth_date=date(1990, 1, 1),
            needs=["chronic"],
        )
        household_make(region=tree["grid_a1"], address=f"{i}号楼1单元101")
    worker = page_client(make_actor(Role.SAMPLER, tree["district_a"]))
    for name, params in (
        ("people:search", {}),
        ("people:search", {"q": "wang"}),
        ("people:households", {}),
        ("people:duplicates", {}),
    ):
        small, small_page = _count(worker, reverse(name), page_size=5, **params)
        large, large_page = _count(worker, reverse(name), page_size=50, **params)
        assert len(small_page.context["page"].items) == 5
        assert len(large_page.context["page"].items) == 50
        assert small == large, (name, params, small, large)
