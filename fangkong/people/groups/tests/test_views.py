"""The group pages: access for every role kind and another district (404), the list's
filters and pager, members masked by role and their read logged as the API's is, the bulk
load from CSV files refused whole with every bad row named, and the links of the people
area that lead to the pages."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangkong.accounts.choices import Role
from fangkong.core.models import AccessEntry, AuditEntry
from fangkong.core.roles import PERSON_ROLES, PERSON_WRITE_ROLES
from fangkong.people.choices import GroupKind
from fangkong.people.groups.tests.factories import group_make
from fangkong.people.models import GroupMember, PersonGroup
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db

ID_A = "11010519491231002X"
MASKED_ID = re.compile(r"\d{4}\*{10}\d{3}[\dX]")


@pytest.fixture
def world(tree):
    member = person_make(region=tree["grid_a1"], name="张三", id_number=ID_A)
    away = person_make(region=tree["grid_b1"], name="李四", id_number=None)
    team = group_make(region=tree["district_a"], members=[member, away], name="装配车间一班")
    school = group_make(
        region=tree["grid_a2"], kind=GroupKind.SCHOOL_CLASS, name="初二(1)班", members=[member]
    )
    return {"tree": tree, "member": member, "away": away, "team": team, "school": school}


def _csv(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _load(client, groups: str, members: str | None = None, source: str = "hr"):
    data = {"source": source, "groups": _csv("groups.csv", groups)}
    if members is not None:
        data["members"] = _csv("members.csv", members)
    return client.post(reverse("people:groups_load"), data)


def _pages(world):
    return [
        reverse("people:groups"),
        reverse("people:group", args=[world["team"].code]),
        reverse("people:groups_load"),
    ]


def test_anonymous_users_are_sent_to_sign_in(world, client):
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login"))


def test_each_role_gets_what_the_api_allows_it(world, page_client, make_actor):
    district = world["tree"]["district_a"]
    for role in Role:
        client = page_client(make_actor(role, district))
        for url in _pages(world):
            allowed = role in (PERSON_WRITE_ROLES if url.endswith("/load/") else PERSON_ROLES)
            assert client.get(url).status_code == (200 if allowed else 403), (role, url)
    reader = page_client(make_actor(Role.COMMANDER, district))
    answer = _load(reader, "key,kind,name,region_code\nt1,work_team,一班,110105\n")
    assert answer.status_code == 403
    assert not PersonGroup.objects.filter(source="hr").exists()


def test_another_district_gets_404_for_the_group_and_an_empty_list(world, page_client, make_actor):
    other = page_client(make_actor(Role.EPIDEMIOLOGIST, world["tree"]["district_b"]))
    response = other.get(reverse("people:group", args=[world["team"].code]))
    assert response.status_code == 404
    assert "张三" not in response.content.decode()
    listing = other.get(reverse("people:groups")).content.decode()
    assert "装配车间一班" not in listing
    assert str(world["team"].code) not in listing
    assert not AccessEntry.objects.filter(action="group_members").exists()


def test_the_list_filters_by_kind_name_and_node_and_pages(world, page_client, make_actor):
    client = page_client(make_actor(Role.EPIDEMIOLOGIST, world["tree"]["district_a"]))
    url = reverse("people:groups")
    every = client.get(url).content.decode()
    assert "装配车间一班" in every
    assert "初二(1)班" in every
    classes = client.get(url, {"kind": "school_class"}).content.decode()
    assert "初二(1)班" in classes
    assert "装配车间一班" not in classes
    named = client.get(url, {"q": "车间"}).content.decode()
    assert "装配车间一班" in named
    assert "初二(1)班" not in named
    grid = client.get(url, {"region": world["tree"]["grid_a2"].code}).content.decode()
    assert "初二(1)班" in grid
    assert "装配车间一班" not in grid
    first = client.get(url, {"page_size": 1}).content.decode()
    second = client.get(url, {"page_size": 1, "page": 2}).content.decode()
    assert "装配车间一班" in first
    assert "初二(1)班" not in first
    assert "初二(1)班" in second
    assert "page_size=1&amp;page=2" in first  # the pager keeps the filters
    assert client.get(url, {"kind": "nonsense", "page": "x"}).status_code == 200
    # listing groups shows no person, so no read is logged
    assert not AccessEntry.objects.filter(action="group_members").exists()


def test_a_group_shows_members_in_scope_masked_by_role_and_logs_the_read(
    world, page_client, make_actor
):
    url = reverse("people:group", args=[world["team"].code])
    grid_worker = page_client(make_actor(Role.GRID_WORKER, world["tree"]["district_a"]))
    text = grid_worker.get(url).content.decode()
    assert "张三" in text
    assert MASKED_ID.search(text)
    assert ID_A not in text
    assert "李四" not in text  # lives in district B, outside the worker's subtree
    assert "outside your jurisdiction" in text
    entry = AccessEntry.objects.filter(action="group_members").latest("id")
    assert entry.subject_ids == [str(world["member"].code)]
    assert entry.subject_type == "person"
    sampler = page_client(make_actor(Role.SAMPLER, world["tree"]["district_a"]))
    assert ID_A in sampler.get(url).content.decode()
    city = page_client(make_actor(Role.EPIDEMIOLOGIST, world["tree"]["city"]))
    assert "李四" in city.get(url).content.decode()
    assert AccessEntry.objects.filter(action="group_members").count() == 3


def test_the_load_stores_groups_and_members_once(world, page_client, make_actor):
    client = page_client(make_actor(Role.EPIDEMIOLOGIST, world["tree"]["district_a"]))
    groups = (
        "key,kind,name,region_code\n"
        "t1,work_team,焊接二班,110105\n"
        "c1,school_class,初三(2)班,110105\n"
    )
    members = f"group_key,person\nt1,{world['member'].code}\nc1,{world['member'].code}\n"
    first = _load(client, groups, members)
    assert first.status_code == 200
    assert "Loaded 2 new groups (0 already stored) and 2 new members" in first.content.decode()
    again = _load(client, groups, members).content.decode()
    assert "Loaded 0 new groups (2 already stored) and 0 new members (2 already" in again
    assert PersonGroup.objects.filter(source="hr").count() == 2
    assert GroupMember.objects.filter(group__source="hr").count() == 2
    assert AuditEntry.objects.filter(action="groups_bulk_load").count() == 2
    # groups alone, without a members file
    alone = _load(client, "key,kind,name,region_code\nt9,other,志愿者队,110105\n")
    assert alone.status_code == 200
    assert PersonGroup.objects.filter(source="hr", source_key="t9").exists()


def test_the_load_is_refused_whole_naming_every_bad_row_of_both_files(
    world, page_client, make_actor
):
    client = page_client(make_actor(Role.EPIDEMIOLOGIST, world["tree"]["district_a"]))
    groups = (
        "key,kind,name,region_code\n"
        "t1,work_team,焊接二班,110105\n"
        "t2,band,乐队,110105\n"  # row 3: unknown kind
        "t3,work_team,外区班组,110108\n"  # row 4: district B, outside the subtree
    )
    members = (
        "group_key,person\n"
        f"t1,{world['member'].code}\n"
        "t1,not-a-code\n"  # row 3
        f"zz,{world['member'].code}\n"  # row 4: no such group in the load
    )
    response = _load(client, groups, members)
    assert response.status_code == 422
    text = response.content.decode()
    assert "Groups file" in text
    assert "Members file" in text
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", text)
    assert ("3", "Kind", "Not a kind of group.") in rows
    assert ("4", "Jurisdiction", "No such jurisdiction.") in rows
    assert ("3", "Person", "No such person.") in rows
    assert ("4", "Group key", "No such group in this load.") in rows
    assert len(rows) == 4
    assert "Nothing was stored." in text
    assert not PersonGroup.objects.filter(source="hr").exists()
    assert not AuditEntry.objects.filter(action="groups_bulk_load").exists()


def test_a_file_that_is_not_csv_or_lacks_columns_is_refused_by_name(world, page_client, make_actor):
    client = page_client(make_actor(Role.ADMINISTRATOR, world["tree"]["city"]))
    workbook = client.post(
        reverse("people:groups_load"),
        {
            "source": "hr",
            "groups": SimpleUploadedFile("groups.csv", b"PK\x03\x04rest-of-a-workbook"),
        },
    )
    assert workbook.status_code == 422
    assert "Groups file" in workbook.content.decode()
    missing = _load(client, "key,kind,name\nt1,work_team,一班\n")
    assert missing.status_code == 422
    assert "Missing columns: region_code." in missing.content.decode()
    assert _load(client, "key,kind,name,region_code\n", source="").status_code == 422
    assert not PersonGroup.objects.filter(source="hr").exists()


def test_the_people_area_links_to_the_pages_for_the_roles_that_may_use_them(
    world, page_client, make_actor
):
    listing, loading = reverse("people:groups"), reverse("people:groups_load")
    for role in PERSON_ROLES:
        client = page_client(make_actor(role, world["tree"]["district_a"]))
        search = client.get(reverse("people:search")).content.decode()
        assert f'href="{listing}"' in search, role
        assert (f'href="{loading}"' in search) == (role in PERSON_WRITE_ROLES), role
        page = client.get(listing).content.decode()
        group = reverse("people:group", args=[world["team"].code])
        assert f'href="{group}"' in page, role
        assert client.get(group).status_code == 200, role
