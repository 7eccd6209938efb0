"""What a writer learns of persons outside their jurisdiction (nothing but "taken"), and
identifiers kept out of URLs: two districts, every way an identity number is registered.

See docs/privacy.md for the decisions these tests hold in place.
"""

from __future__ import annotations

import json
import re
from datetime import date

import polars as pl
import pytest
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.core.errors import ValidationFailed
from fangkong.people.bulk import people_bulk_load
from fangkong.people.choices import DuplicateReason, DuplicateStatus
from fangkong.people.models import DuplicateCandidate, IdentityDocument, Person
from fangkong.people.tests.factories import id_number_make, person_make

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people"
ID_B = "110105198005170113"


@pytest.fixture
def two_districts(tree, make_actor):
    """李四 lives in district B; a grid worker writes in district A, another in district B."""
    holder = person_make(region=tree["grid_b1"], name="李四", id_number=ID_B, phone="13911112222")
    return {
        "holder": holder,
        "writer_a": make_actor(Role.GRID_WORKER, tree["district_a"]),
        "writer_b": make_actor(Role.GRID_WORKER, tree["district_b"]),
        "tree": tree,
    }


def _leaks(text: str, holder: Person) -> list[str]:
    """What of the holder a text gives away: code, name, node name or code, phone."""
    region = holder.region
    found = [
        value
        for value in (str(holder.code), holder.code.hex, holder.name, region.name, region.code)
        if value in text
    ]
    return found + (["phone"] if holder.phone and holder.phone in text else [])


def _claims() -> list[DuplicateCandidate]:
    return list(
        DuplicateCandidate.objects.filter(reason=DuplicateReason.SAME_ID_ELSEWHERE).order_by("id")
    )


def test_a_number_held_in_another_district_is_refused_without_who_or_where(two_districts, api):
    writer = api(two_districts["writer_a"])
    grid = two_districts["tree"]["grid_a1"]
    body = {
        "name": "李四",
        "region_code": grid.code,
        "documents": [{"doc_type": "01", "number": ID_B}],
    }
    refused = writer.post(PEOPLE, body)
    assert refused.status_code == 409, refused.content
    data = refused.json()
    assert data["code"] == "identity_exists_elsewhere"
    assert data["detail"] == {"field": "documents[0].number"}
    assert _leaks(refused.content.decode(), two_districts["holder"]) == []
    # Saying why does not let a writer register a number over a person they cannot see.
    again = writer.post(PEOPLE, {**body, "allow_duplicate": True, "duplicate_reason": "moved"})
    assert again.status_code == 409
    assert again.json()["code"] == "identity_exists_elsewhere"
    assert _leaks(again.content.decode(), two_districts["holder"]) == []
    assert Person.objects.filter(region=grid).count() == 0
    # One open claim for district B to review, however often A tries.
    (claim,) = _claims()
    assert claim.person_a == two_districts["holder"]
    assert claim.person_b is None
    assert claim.claimed_region == grid
    assert claim.status == DuplicateStatus.OPEN


def test_the_claim_is_reviewed_by_the_holders_district_only(two_districts, api):
    api(two_districts["writer_a"]).post(
        PEOPLE,
        {
            "name": "李四",
            "region_code": two_districts["tree"]["grid_a1"].code,
            "documents": [{"doc_type": "01", "number": ID_B}],
        },
    )
    writer_b = api(two_districts["writer_b"])
    items = writer_b.get(f"{PEOPLE}/duplicates").json()["items"]
    assert len(items) == 1
    claim = items[0]
    assert claim["reason"] == "same_id_elsewhere"
    assert claim["person_a"]["code"] == str(two_districts["holder"].code)
    assert claim["person_b"] == {
        "visible": False,
        "code": None,
        "name": "",
        "birth_date": None,
        "region_name": two_districts["tree"]["grid_a1"].name,
        "claim": True,
    }
    assert api(two_districts["writer_a"]).get(f"{PEOPLE}/duplicates").json()["items"] == []
    reviewed = writer_b.post(
        f"{PEOPLE}/duplicates/{claim['code']}/review",
        {"status": "duplicate", "note": "moved to district A; transfer arranged"},
    )
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["status"] == "duplicate"
    refused = api(two_districts["writer_a"]).post(
        f"{PEOPLE}/duplicates/{claim['code']}/review", {"status": "duplicate", "note": "x"}
    )
    assert refused.status_code == 404


def test_adding_the_document_of_another_districts_person_leaks_nothing(two_districts, api):
    mine = person_make(region=two_districts["tree"]["grid_a1"], name="王五", id_number=None)
    writer = api(two_districts["writer_a"])
    refused = writer.post(f"{PEOPLE}/{mine.code}/documents", {"doc_type": "01", "number": ID_B})
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "identity_exists_elsewhere"
    assert refused.json()["detail"] == {"field": "documents[0].number"}
    assert _leaks(refused.content.decode(), two_districts["holder"]) == []
    assert not IdentityDocument.objects.filter(person=mine).exists()
    (claim,) = _claims()
    assert claim.claimed_region == mine.region


def test_a_holder_in_the_writers_own_district_is_still_named(two_districts, api):
    mine = person_make(region=two_districts["tree"]["grid_a1"], name="赵六", id_number=None)
    number = id_number_make(born=date(1975, 1, 1))
    held = person_make(region=two_districts["tree"]["grid_a2"], name="钱七", id_number=number)
    refused = api(two_districts["writer_a"]).post(
        f"{PEOPLE}/{mine.code}/documents", {"doc_type": "01", "number": number}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "identity_exists"
    assert refused.json()["detail"]["person_code"] == str(held.code)
    assert _claims() == []


def test_a_city_writer_sees_both_districts_and_gets_the_holder_code(two_districts, api, tree):
    from fangkong.accounts.tests.factories import actor_make

    city = api(actor_make(role=Role.EPIDEMIOLOGIST, region=tree["city"]))
    refused = city.post(
        PEOPLE,
        {
            "name": "李四",
            "region_code": tree["grid_a1"].code,
            "documents": [{"doc_type": "01", "number": ID_B}],
        },
    )
    assert refused.status_code == 409
    assert refused.json()["detail"]["person_code"] == str(two_districts["holder"].code)


def test_the_register_page_refuses_without_a_link_and_records_the_claim(two_districts, page_client):
    client = page_client(two_districts["writer_a"])
    response = client.post(
        reverse("people:create"),
        {
            "name": "李四",
            "region": two_districts["tree"]["grid_a1"].code,
            "sex": "U",
            "doc_type": "01",
            "doc_number": ID_B,
        },
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "outside your jurisdiction" in text
    assert _leaks(text, two_districts["holder"]) == ["李四"]  # the name typed into the form
    assert str(two_districts["holder"].code) not in text
    assert len(_claims()) == 1


def test_the_person_page_refuses_another_districts_document_and_records_the_claim(
    two_districts, page_client
):
    mine = person_make(region=two_districts["tree"]["grid_a1"], name="王五", id_number=None)
    client = page_client(two_districts["writer_a"])
    response = client.post(
        reverse("people:person", args=[mine.code]),
        {"form": "document", "doc_type": "01", "number": ID_B},
    )
    assert response.status_code == 409
    assert _leaks(response.content.decode(), two_districts["holder"]) == []
    assert len(_claims()) == 1


def test_the_duplicates_page_hides_the_other_side_and_its_region(two_districts, page_client):
    tree = two_districts["tree"]
    born = two_districts["holder"].birth_date
    person_make(region=tree["grid_a1"], name="李四", birth_date=born, id_number=None)
    page = page_client(two_districts["writer_a"]).get(reverse("people:duplicates")).content
    text = page.decode()
    assert "A person in another jurisdiction" in text
    assert tree["grid_b1"].name not in text
    assert str(two_districts["holder"].code) not in text


def test_a_bulk_load_names_the_row_never_the_holder(two_districts):
    frames = {
        "households": pl.DataFrame(
            {
                "household_key": [1],
                "region_code": [two_districts["tree"]["grid_a1"].code],
                "address": ["幸福里1号楼1单元101"],
            }
        ),
        "persons": pl.DataFrame(
            {
                "person_key": [1],
                "household_key": [1],
                "name": ["李四"],
                "sex": ["M"],
                "birth_date": [two_districts["holder"].birth_date],
                "phone": [""],
                "occupation": [""],
            }
        ),
        "documents": pl.DataFrame({"person_key": [1], "doc_type": ["01"], "number": [ID_B]}),
        "needs": pl.DataFrame(
            {"person_key": [], "kind": []}, schema={"person_key": pl.Int64, "kind": pl.String}
        ),
    }
    with pytest.raises(ValidationFailed) as refused:
        people_bulk_load(
            frames["households"],
            frames["persons"],
            frames["documents"],
            frames["needs"],
            actor=two_districts["writer_a"],
        )
    dumped = json.dumps(refused.value.errors, ensure_ascii=False) + refused.value.message
    assert [e["code"] for e in refused.value.errors] == ["identity_exists"]
    assert refused.value.errors[0]["row"] == 1
    assert _leaks(dumped, two_districts["holder"]) == []


# --------------------------------------------------------------------------- item 3


def test_the_api_searches_by_post_and_refuses_an_identifier_in_the_url(two_districts, api):
    writer = api(two_districts["writer_b"])
    found = writer.post(f"{PEOPLE}/search", {"q": ID_B})
    assert found.status_code == 200
    assert [i["code"] for i in found.json()["items"]] == [str(two_districts["holder"].code)]
    refused = writer.get(PEOPLE, q=ID_B)
    assert refused.status_code == 422
    assert refused.json()["detail"]["errors"][0] == {
        "field": "q",
        "code": "search_by_post",
        "message": refused.json()["message"],
    }


def test_the_search_page_posts_the_query_and_ignores_one_in_the_address(two_districts, page_client):
    client = page_client(two_districts["writer_b"])
    page = client.get(reverse("people:search")).content.decode()
    form = re.search(r'<form[^>]*id="people-search"[^>]*>', page)
    assert form is not None
    assert 'method="post"' in form.group(0)
    posted = client.post(reverse("people:search"), {"q": ID_B})
    assert posted.context["searched"]
    assert str(two_districts["holder"].code) in posted.content.decode()
    typed = client.get(reverse("people:search"), {"q": ID_B})
    assert not typed.context["searched"]
    assert f'value="{ID_B}"' not in typed.content.decode()  # not echoed into the box


def test_search_results_page_by_posting_the_form_again(tree, page_client, make_actor):
    for i in range(3):
        person_make(region=tree["grid_a1"], name="王五", id_number=None, phone=f"1380013800{i}")
    client = page_client(make_actor(Role.GRID_WORKER, tree["district_a"]))
    first = client.post(reverse("people:search"), {"q": "王五", "page_size": 2}).content.decode()
    assert 'form="people-search" name="page" value="2"' in first
    assert "?page=" not in first
    assert "q=" not in first
    second = client.post(reverse("people:search"), {"q": "王五", "page_size": 2, "page": 2})
    assert len(second.context["rows"]) == 1
