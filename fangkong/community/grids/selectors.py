"""Reads of grids: responsible persons with their workload against the rule set, the
households each covers (and those nobody covers), special-needs residents with care plans."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fangkong.community.models import CarePlan, Coverage, Responsible
from fangkong.community.scope import households_of
from fangkong.core.actor import AnyActor
from fangkong.people.models import Household, Person, PersonNeed
from fangkong.people.selectors import person_scope
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region
from fangkong.regions.subtree import in_subtree


def responsible_scope(actor: AnyActor) -> QuerySet[Responsible]:
    """Responsible persons working at nodes in the actor's subtree."""
    return Responsible.objects.select_related("region").filter(
        in_subtree(actor.region_path, field="region__path")
    )


@dataclass(frozen=True)
class Workload:
    """A responsible person, the households they cover and the rule set's band."""

    responsible: Responsible
    households: int
    minimum: int
    maximum: int

    @property
    def under(self) -> bool:
        return self.responsible.on_duty and self.households < self.minimum


def workload_list(*, actor: AnyActor, region: Region) -> list[Workload]:
    """Everyone under ``region`` (in scope) with their count of households, against
    ``community.households_per_worker_min``/``max`` of the rules in force there (one query)."""
    community = rules_for(region, timezone.localdate()).parameters.community
    rows = (
        responsible_scope(actor)
        .filter(in_subtree(region.path, field="region__path"))
        .annotate(covered=Count("coverage"))
        .order_by("region__path", "name", "id")
    )
    return [
        Workload(
            responsible=row,
            households=row.covered,
            minimum=community.households_per_worker_min,
            maximum=community.households_per_worker_max,
        )
        for row in rows
    ]


def coverage_list(*, actor: AnyActor, responsible: Responsible | None = None) -> QuerySet[Coverage]:
    """Households with the person answering for them (a grid worker: their own), by address."""
    rows = Coverage.objects.select_related("household", "responsible").filter(
        household__in=households_of(actor)
    )
    if responsible is not None:
        rows = rows.filter(responsible=responsible)
    return rows.order_by("household__address_key", "household_id")


def uncovered_households(*, actor: AnyActor, region: Region) -> QuerySet[Household]:
    """Households under ``region`` that nobody answers for (R26 says none should be)."""
    return (
        households_of(actor)
        .filter(in_subtree(region.path, field="region__path"))
        .exclude(Exists(Coverage.objects.filter(household=OuterRef("pk"))))
        .order_by("address_key", "id")
    )


def special_needs_list(*, actor: AnyActor, region: Region) -> QuerySet[Person]:
    """Residents under ``region`` with a special need (§4.3), with their needs and care plan
    prefetched; a grid worker sees those of their households. Shown through
    ``community.presentation`` (which logs the read)."""
    persons = person_scope(actor).filter(
        Exists(PersonNeed.objects.filter(person=OuterRef("pk"))),
        in_subtree(region.path, field="region__path"),
    )
    persons = persons.filter(Q(household__in=households_of(actor)))
    return (
        persons.select_related("household")
        .prefetch_related("needs")
        .annotate(has_plan=Exists(CarePlan.objects.filter(person=OuterRef("pk"))))
        .order_by("household__address_key", "id")
    )


def care_plans_of(persons: list[Person]) -> dict[int, CarePlan]:
    """The care plans of ``persons`` by person id (one query)."""
    return {plan.person_id: plan for plan in CarePlan.objects.filter(person__in=persons)}
