"""Reads about rounds beyond their scope rules (those are in ``lab.scope``): the exemptions in
force for a person."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.lab.coverage.selectors import (
    area_population,
)
from fangkong.lab.models import (
    Exemption,
)
from fangkong.lab.scope import exemption_scope
from fangkong.people.models import Person
from fangkong.policy.rules import samplers_needed, sampling_points_needed
from fangkong.policy.selectors import rules_for
from fangkong.regions.models import Region


def exemptions_in_force(actor: AnyActor, *, person: Person) -> list[Exemption]:
    """The person's exemptions not revoked and not yet expired, newest first (a person has
    a handful at most: one per round or one for every round)."""
    return list(
        exemption_scope(actor).filter(
            person=person, revoked_at__isnull=True, valid_until__gt=timezone.now()
        )[:50]
    )


def round_suggestion(regions: list[Region], population: int | None = None) -> dict[str, Any]:
    """Population, sampling points and samplers suggested by the rules in force."""
    if not regions:
        return {}
    if population is None:
        population = area_population(regions)
    rules = rules_for(regions[0], timezone.localdate())
    fewest, most = sampling_points_needed(rules, population)
    return {
        "population": population,
        "points_min": fewest,
        "points_max": most,
        "samplers": samplers_needed(rules, population),
        "rule_set": rules.label,
    }
