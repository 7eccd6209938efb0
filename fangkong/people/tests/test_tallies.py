"""Overview counts from the per-node tallies equal a direct count, subtree by subtree."""

from __future__ import annotations

import pytest

from fangkong.accounts.choices import Role
from fangkong.accounts.tests.factories import actor_make
from fangkong.core.actor import SYSTEM
from fangkong.people.choices import SpecialNeed
from fangkong.people.models import Household, PeopleTally, Person, PersonNeed
from fangkong.people.selectors import people_summary
from fangkong.people.tallies import people_tally_refresh


def _populate(tree):
    for index, grid in enumerate(["grid_a1", "grid_a1", "grid_a2", "grid_b1"]):
        household = Household.objects.create(region=tree[grid], address=f"{index}号")
        for member in range(index + 1):
            person = Person.objects.create(
                region=tree[grid],
                household=household,
                name=f"人{index}{member}",
                name_key=f"人{index}{member}",
            )
            if member == 0:
                PersonNeed.objects.create(person=person, kind=SpecialNeed.CHRONIC)
            if member == 1:
                PersonNeed.objects.create(person=person, kind=SpecialNeed.DISABILITY)
                PersonNeed.objects.create(person=person, kind=SpecialNeed.PREGNANT)


@pytest.mark.django_db
def test_tallied_overview_equals_the_live_count_for_every_subtree(tree):
    _populate(tree)
    commander = actor_make(role=Role.COMMANDER, region=tree["city"])
    district_a = actor_make(role=Role.COMMANDER, region=tree["district_a"])
    grid_b = actor_make(role=Role.GRID_WORKER, region=tree["grid_b1"])
    live = {actor: people_summary(actor=actor) for actor in (commander, district_a, grid_b)}
    assert live[commander]["as_of"] is None  # before the first tally: counted live
    assert live[commander]["persons"] == Person.objects.count() == 10
    assert live[district_a]["persons"] == 6
    assert live[grid_b]["households"] == 1

    assert people_tally_refresh() == 3
    for actor, expected in live.items():
        tallied = people_summary(actor=actor)
        assert tallied["as_of"] is not None
        assert {k: v for k, v in tallied.items() if k != "as_of"} == {
            k: v for k, v in expected.items() if k != "as_of"
        }
    assert people_tally_refresh() == 3  # idempotent
    assert PeopleTally.objects.count() == 3


@pytest.mark.django_db
def test_the_overview_reads_a_constant_number_of_queries(tree, django_assert_num_queries):
    _populate(tree)
    people_tally_refresh()
    with django_assert_num_queries(2):
        people_summary(actor=SYSTEM)
