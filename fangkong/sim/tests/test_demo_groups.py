"""The synthetic city's work teams and classes go into the people register through the bulk
load: one group per team, pupils' teams as classes, every member once, nothing twice."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from fangkong.core.actor import SYSTEM
from fangkong.people.choices import GroupKind
from fangkong.people.models import GroupMember, Person, PersonGroup
from fangkong.sim.city import city_generate
from fangkong.sim.demo_groups import demo_groups_load
from fangkong.sim.load import city_load
from fangkong.sim.places import places_generate

pytestmark = pytest.mark.django_db


def test_teams_and_classes_are_loaded_once_with_their_members():
    city = city_generate(residents=1_500, seed=5, as_of=date(2022, 4, 1))
    loaded = city_load(city, actor=SYSTEM)
    places = places_generate(city, seed=5)
    first = loaded.people.person_first_id
    codes = Person.objects.filter(id__gte=first).order_by("id").values_list("code", flat=True)
    person_codes = pl.Series([str(code) for code in codes])
    result = demo_groups_load(places, person_codes, actor=SYSTEM)
    persons = places.persons
    in_team = persons.filter(pl.col("team") >= 0)
    assert result.groups == in_team["team"].n_unique() == PersonGroup.objects.count()
    assert result.members == in_team.height == GroupMember.objects.count()
    # the pupils' teams are classes, and only pupils sit in them
    pupils = set(
        in_team.filter(pl.col("occupation").cast(pl.String) == "student")["person_key"].to_list()
    )
    class_members = GroupMember.objects.filter(group__kind=GroupKind.SCHOOL_CLASS)
    assert {pk - first for pk in class_members.values_list("person_id", flat=True)} == pupils
    assert PersonGroup.objects.filter(kind=GroupKind.WORK_TEAM).exists()
    # a person shares a group with exactly their team-mates of the simulation
    key = int(in_team["person_key"][0])
    team = int(in_team["team"][0])
    mates = set(in_team.filter(pl.col("team") == team)["person_key"].to_list()) - {key}
    stored = GroupMember.objects.filter(group__memberships__person_id=first + key).exclude(
        person_id=first + key
    )
    assert {pk - first for pk in stored.values_list("person_id", flat=True)} == mates
    again = demo_groups_load(places, person_codes, actor=SYSTEM)
    assert (again.groups, again.members) == (0, 0)
