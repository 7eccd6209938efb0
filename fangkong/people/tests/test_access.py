"""Access rules for persons, households and duplicate pairs, at the access/selector layer:
who may read or write, what other jurisdictions see (404, absent), what is masked, and the
read-access log (codes only, never values)."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest

from fangkong.accounts.choices import IDENTITY_ROLES, PERSON_ROLES, Role
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.models import AccessEntry
from fangkong.people.access import access_duplicate, access_household, access_person
from fangkong.people.presentation import (
    duplicate_card,
    person_card,
    person_row,
    phone_for,
    shows_phone,
)
from fangkong.people.selectors import (
    PersonFilters,
    duplicate_candidate_list,
    household_list,
    person_search,
)
from fangkong.people.tests.factories import household_make, person_make

pytestmark = pytest.mark.django_db

ID_A = "11010519491231002X"


@pytest.fixture
def world(tree):
    household = household_make(region=tree["grid_a1"])
    person = person_make(
        household=household, name="张三", id_number=ID_A, phone="13800138000", note="透析"
    )
    person_make(region=tree["grid_b1"], name="张三", id_number="110105198005170113")
    return {"household": household, "person": person}


MALFORMED = [
    "",
    "0",
    "-1",
    str(2**63),
    "1e3",
    "1 ",
    "１",
    "1;",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    "{" + "a" * 36 + "}",
    "a" * 35,
    "a" * 37,
    "x" * 1000,
]


@pytest.mark.parametrize("code", MALFORMED)
def test_malformed_and_guessed_codes_answer_404(tree, make_actor, world, code):
    actor = make_actor(Role.GRID_WORKER, tree["grid_a1"])
    with pytest.raises(NotFound):
        access_person(actor, code)
    with pytest.raises(NotFound):
        access_household(actor, code)
    with pytest.raises(NotFound):
        access_duplicate(actor, code)


def test_uuid_spellings_of_the_same_code_reach_the_same_person(tree, make_actor, world):
    actor = make_actor(Role.GRID_WORKER, tree["grid_a1"])
    code = world["person"].code
    for spelling in (str(code).upper(), "{" + str(code) + "}", code.hex):
        assert access_person(actor, spelling).pk == world["person"].pk


@pytest.mark.parametrize("role", sorted(PERSON_ROLES))
def test_every_person_role_reads_in_scope_and_gets_404_outside(tree, make_actor, world, role):
    inside = make_actor(role, tree["district_a"])
    outside = make_actor(role, tree["district_b"])
    assert access_person(inside, world["person"].code).pk == world["person"].pk
    assert access_household(inside, world["household"].code).pk == world["household"].pk
    with pytest.raises(NotFound) as missing:
        access_person(outside, uuid.uuid4())
    with pytest.raises(NotFound) as foreign:
        access_person(outside, world["person"].code)
    assert missing.value.code == foreign.value.code == "person_not_found"
    with pytest.raises(NotFound):
        access_household(outside, world["household"].code)


@pytest.mark.parametrize("role", sorted(set(Role.values) - PERSON_ROLES))
def test_roles_without_person_access_get_403(tree, make_actor, world, role):
    actor = make_actor(role, tree["district_a"])
    with pytest.raises(PermissionDenied):
        access_person(actor, world["person"].code)
    with pytest.raises(PermissionDenied):
        access_household(actor, world["household"].code)


def test_read_only_roles_cannot_open_for_writing(tree, make_actor, world):
    commander = make_actor(Role.COMMANDER, tree["district_a"])
    access_person(commander, world["person"].code)
    with pytest.raises(PermissionDenied):
        access_person(commander, world["person"].code, write=True)


def test_search_and_list_never_show_another_jurisdiction(tree, make_actor, world):
    actor_b = make_actor(Role.GRID_WORKER, tree["district_b"])
    for q in ("张三", "zhang san", ID_A, "13800138000", ""):
        codes = {p.code for p in person_search(actor=actor_b, q=q, purpose="care").page.items}
        assert world["person"].code not in codes, q
    households = household_list(actor=actor_b, purpose="care").items
    assert world["household"].code not in {h.code for h in households}
    filtered = person_search(
        actor=actor_b, filters=PersonFilters(region=tree["grid_a1"].code), purpose="care"
    )
    assert filtered.page.items == []


def test_identity_numbers_are_clear_only_for_identity_roles(tree, make_actor, world):
    for role in sorted(PERSON_ROLES):
        actor = make_actor(role, tree["district_a"])
        person = access_person(actor, world["person"].code)
        card = person_card(actor, person)
        row = person_row(actor, person)
        if role in IDENTITY_ROLES:
            assert card.documents[0].number == row.id_number == ID_A
            assert not card.documents[0].masked
        else:
            assert card.documents[0].number == row.id_number == "1101**********002X"
            assert card.documents[0].masked


def test_phones_are_masked_outside_identity_grid_and_isolation_roles(tree, make_actor):
    for role in sorted(PERSON_ROLES):
        actor = make_actor(role, tree["district_a"])
        expected = (
            "13800138000"
            if role in IDENTITY_ROLES | {Role.GRID_WORKER, Role.ISOLATION_MANAGER}
            else "138****8000"
        )
        assert shows_phone(actor) == (expected == "13800138000")
        assert phone_for(actor, "13800138000") == expected


def test_access_rows_on_detail_and_search_carry_codes_but_no_values(tree, make_actor, world):
    actor = make_actor(Role.SAMPLER, tree["district_a"])
    access_person(actor, world["person"].code)
    person_search(actor=actor, q="张三", purpose="screening")
    person_search(actor=actor, q=ID_A, purpose="screening")
    person_search(actor=actor, q="13800138000", purpose="screening")
    rows = list(AccessEntry.objects.order_by("id"))
    assert [r.action for r in rows] == ["person_view"] + ["person_search"] * 3
    assert all(r.subject_ids == [str(world["person"].code)] for r in rows)
    assert rows[0].purpose == "screening"
    dumped = json.dumps([{f.name: str(getattr(r, f.name)) for f in r._meta.fields} for r in rows])
    dumped += json.dumps([r.subject_ids for r in rows], ensure_ascii=False)
    for value in ("张三", "zhang", ID_A, "11010519491231002", "13800138000", "透析"):
        assert value not in dumped


def test_an_empty_result_writes_no_access_row(tree, make_actor, world):
    actor = make_actor(Role.GRID_WORKER, tree["district_a"])
    person_search(actor=actor, q="nobody-here", purpose="care")
    assert AccessEntry.objects.count() == 0


def test_duplicate_pairs_hide_the_other_jurisdiction_side_region_included(tree, make_actor):
    born = date(1960, 6, 6)
    person_make(region=tree["grid_a1"], name="钱七", birth_date=born, id_number=None)
    person_make(region=tree["grid_b1"], name="錢七", birth_date=born, id_number=None)
    actor_a = make_actor(Role.GRID_WORKER, tree["district_a"])
    actor_b = make_actor(Role.GRID_WORKER, tree["district_b"])
    page_a = duplicate_candidate_list(actor=actor_a, purpose="duplicate_review")
    page_b = duplicate_candidate_list(actor=actor_b, purpose="duplicate_review")
    assert len(page_a.items) == len(page_b.items) == 1
    card = duplicate_card(actor_a, page_a.items[0])
    assert card.person_a.visible
    assert card.person_a.name == "钱七"
    assert not card.person_b.visible
    assert card.person_b.name == ""
    assert card.person_b.region_name == ""  # neither who nor where
    assert card.person_b.code is None
    assert card.person_b.birth_date is None
    entry = AccessEntry.objects.filter(action="duplicate_list").first()
    assert entry is not None
    assert len(entry.subject_ids) == 1  # only the person actor A may see
    actor_c = make_actor(Role.GRID_WORKER, tree["grid_a2"])
    assert duplicate_candidate_list(actor=actor_c, purpose="care").items == []
    with pytest.raises(NotFound):
        access_duplicate(actor_c, page_a.items[0].code)


def test_a_single_character_query_matches_whole_names_only(tree, make_actor):
    actor = make_actor(Role.GRID_WORKER, tree["district_a"])
    only_surname = person_make(region=tree["grid_a1"], name="王", id_number=None)
    person_make(region=tree["grid_a1"], name="王五", id_number=None)
    found = person_search(actor=actor, q="王", purpose="care").page.items
    assert [p.pk for p in found] == [only_surname.pk]
    assert len(person_search(actor=actor, q="王五", purpose="care").page.items) == 1
    assert len(person_search(actor=actor, q="wang", purpose="care").page.items) == 2


def test_passport_spellings_of_lv_find_the_person_as_candidates(tree, make_actor):
    actor = make_actor(Role.GRID_WORKER, tree["district_a"])
    lv = person_make(region=tree["grid_a1"], name="吕布", id_number=None)
    passport = person_make(region=tree["grid_a1"], name="LYU Bu", id_number=None)
    for q in ("Lyu Bu", "LU Bu", "Bu LYU", "lv bu", "Lü Bu", "呂布", "吕布"):
        found = {p.pk for p in person_search(actor=actor, q=q, purpose="care").page.items}
        assert {lv.pk, passport.pk} <= found, q
