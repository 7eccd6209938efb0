"""Groups of people: create, add and remove members, scope and audit; the bulk load."""

from __future__ import annotations

import uuid

import polars as pl
import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.errors import NotFound, PermissionDenied, ValidationFailed
from fangkong.core.models import AuditEntry
from fangkong.people.choices import GroupKind
from fangkong.people.groups.bulk import groups_bulk_load
from fangkong.people.groups.selectors import group_list, group_mates, group_members
from fangkong.people.groups.services import (
    group_create,
    group_members_add,
    group_members_remove,
)
from fangkong.people.groups.tests.factories import group_make
from fangkong.people.models import GroupMember, PersonGroup
from fangkong.people.tests.factories import person_make

pytestmark = pytest.mark.django_db


def test_members_are_added_once_and_removed_with_audit(tree):
    actor = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    a, b = (person_make(region=tree["grid_a1"], name=n, id_number=None) for n in ("甲", "乙"))
    group = group_create(
        actor=actor, kind=GroupKind.SCHOOL_CLASS, name="三年级二班", region=tree["district_a"]
    )
    first = group_members_add(actor=actor, group=group, persons=[a.code, b.code])
    again = group_members_add(actor=actor, group=group, persons=[str(a.code)])
    assert (first.changed, first.unchanged, again.changed, again.unchanged) == (2, 0, 0, 1)
    removed = group_members_remove(actor=actor, group=group, persons=[a.code])
    assert (removed.changed, removed.unchanged) == (1, 0)
    assert list(GroupMember.objects.filter(group=group).values_list("person_id", flat=True)) == [
        b.pk
    ]
    actions = list(
        AuditEntry.objects.filter(object_type="person_group")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "group_create",
        "group_members_add",
        "group_members_add",
        "group_members_remove",
    ]


def test_a_person_outside_the_actors_district_is_refused_as_unknown_naming_the_row(tree):
    actor = actor_make(role=Role.GRID_WORKER, region=tree["district_a"])
    inside = person_make(region=tree["grid_a1"], id_number=None)
    outside = person_make(region=tree["grid_b1"], id_number=None)
    group = group_make(region=tree["district_a"], actor=actor)
    with pytest.raises(ValidationFailed) as caught:
        group_members_add(
            actor=actor, group=group, persons=[inside.code, outside.code, uuid.uuid4()]
        )
    assert [(e["field"], e["code"], e["row"]) for e in caught.value.errors] == [
        ("persons", "person_not_found", 2),
        ("persons", "person_not_found", 3),
    ]
    assert not GroupMember.objects.filter(group=group).exists()


def test_create_refuses_a_node_outside_scope_a_bad_kind_and_an_empty_name(tree):
    actor = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    with pytest.raises(NotFound):
        group_create(actor=actor, kind=GroupKind.WORK_TEAM, name="x", region=tree["district_b"])
    with pytest.raises(ValidationFailed) as caught:
        group_create(actor=actor, kind="band", name=" ", region=tree["district_a"])
    assert {e["field"] for e in caught.value.errors} == {"kind", "name"}
    reader = actor_make(role=Role.COMMANDER, region=tree["district_a"])
    with pytest.raises(PermissionDenied):
        group_create(actor=reader, kind=GroupKind.WORK_TEAM, name="x", region=tree["district_a"])


def test_lists_and_members_stay_inside_the_actors_subtree(tree):
    home_a = person_make(region=tree["grid_a1"], id_number=None)
    home_b = person_make(region=tree["grid_b1"], id_number=None)
    group = group_make(region=tree["district_a"], members=[home_a, home_b])
    group_make(region=tree["district_b"], name="另一区班组")
    actor_a = actor_make(role=Role.EPIDEMIOLOGIST, region=tree["district_a"])
    page = group_list(actor=actor_a)
    assert [g.code for g in page.items] == [group.code]
    assert getattr(page.items[0], "member_count", None) == 2
    shown = group_members(actor=actor_a, group=group, purpose="investigation")
    assert [p.pk for p in shown.members] == [home_a.pk]
    assert shown.outside_scope == 1
    assert group_mates(person=home_a) == [(home_b.pk, GroupKind.WORK_TEAM)]


def _frames(tree, persons):
    groups = pl.DataFrame(
        {
            "key": ["t1", "c1"],
            "kind": ["work_team", "school_class"],
            "name": ["一车间一班", "初一(3)班"],
            "region_code": [tree["district_a"].code, tree["district_a"].code],
        }
    )
    members = pl.DataFrame(
        {
            "group_key": ["t1", "t1", "c1"],
            "person": [str(p.code) for p in persons],
        }
    )
    return groups, members


def test_bulk_load_stores_groups_once_when_sent_again(tree):
    actor = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    persons = [person_make(region=tree["grid_a1"], id_number=None) for _ in range(3)]
    groups, members = _frames(tree, persons)
    first = groups_bulk_load(actor=actor, source="registry", groups=groups, members=members)
    again = groups_bulk_load(actor=actor, source="registry", groups=groups, members=members)
    assert (first.groups, first.members) == (2, 3)
    assert (again.groups, again.groups_existing, again.members, again.members_existing) == (
        0,
        2,
        0,
        3,
    )
    assert PersonGroup.objects.count() == 2
    assert GroupMember.objects.count() == 3
    klass = PersonGroup.objects.get(source_key="c1")
    assert (klass.kind, klass.name, klass.region_id) == (
        "school_class",
        "初一(3)班",
        tree["district_a"].pk,
    )
    assert AuditEntry.objects.filter(action="groups_bulk_load").count() == 2


def test_bulk_load_names_every_bad_row_and_stores_nothing(tree):
    actor = actor_make(role=Role.ADMINISTRATOR, region=tree["district_a"])
    persons = [person_make(region=tree["grid_a1"], id_number=None) for _ in range(2)]
    persons.append(person_make(region=tree["grid_b1"], id_number=None))
    groups, members = _frames(tree, persons)
    groups = groups.with_columns(
        kind=pl.Series(["work_team", "choir"]), region_code=pl.Series(["110105", "110108"])
    )
    members = pl.concat(
        [
            members,
            pl.DataFrame({"group_key": ["t9", "t1"], "person": ["nonsense", str(persons[0].code)]}),
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        groups_bulk_load(actor=actor, source="registry", groups=groups, members=members)
    problems = {(e["field"], e["code"], e["row"]) for e in caught.value.errors}
    assert problems == {
        ("groups.kind", "invalid_choice", 2),
        ("groups.region_code", "region_not_found", 2),
        ("members.person", "person_not_found", 3),
        ("members.group_key", "group_not_found", 4),
        ("members.person", "person_not_found", 4),
        ("members.person", "duplicate_member", 1),
        ("members.person", "duplicate_member", 5),
    }
    assert not PersonGroup.objects.exists()


def test_bulk_load_of_no_groups_stores_nothing(tree):
    """An empty file is no error (Polars' ``replace_strict`` with an empty mapping gave back
    the text keys, and the anti-join refused them: a 500 under the schema fuzzing)."""
    actor = actor_make(role=Role.ADMINISTRATOR, region=tree["city"])
    groups = pl.DataFrame(
        schema={"key": pl.String, "kind": pl.String, "name": pl.String, "region_code": pl.String}
    )
    members = pl.DataFrame(schema={"group_key": pl.String, "person": pl.String})
    done = groups_bulk_load(actor=actor, source="registry", groups=groups, members=members)
    assert (done.groups, done.members) == (0, 0)
    assert not PersonGroup.objects.exists()
