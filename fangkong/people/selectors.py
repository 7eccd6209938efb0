"""Reads of persons and households, always inside the actor's subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from fangkong.core.actor import AnyActor
from fangkong.people.choices import SpecialNeed
from fangkong.people.models import Household, Person, PersonNeed
from fangkong.regions.selectors import in_subtree


def person_scope(actor: AnyActor) -> QuerySet[Person]:
    """Persons whose node lies in the actor's subtree (everyone for the system actor)."""
    queryset = Person.objects.all()
    if actor.region_path:
        queryset = queryset.filter(in_subtree(actor.region_path, field="region__path"))
    return queryset


def household_scope(actor: AnyActor) -> QuerySet[Household]:
    queryset = Household.objects.all()
    if actor.region_path:
        queryset = queryset.filter(in_subtree(actor.region_path, field="region__path"))
    return queryset


def people_summary(*, actor: AnyActor) -> dict[str, Any]:
    """Counts for the overview: persons, households, persons with any special need, and the
    number per need (three aggregate queries, no rows loaded)."""
    needs = PersonNeed.objects.all()
    if actor.region_path:
        needs = needs.filter(in_subtree(actor.region_path, field="person__region__path"))
    by_kind = dict(needs.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return {
        "persons": person_scope(actor).count(),
        "households": household_scope(actor).count(),
        "special_needs": needs.values("person_id").distinct().count(),
        "needs_by_kind": [
            (label, by_kind[value]) for value, label in SpecialNeed.choices if value in by_kind
        ],
    }
