"""Reads about rounds beyond their scope rules (those are in ``lab.scope``): the exemptions in
force for a person."""

from __future__ import annotations

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.lab.models import (
    Exemption,
)
from fangkong.lab.scope import exemption_scope
from fangkong.people.models import Person


def exemptions_in_force(actor: AnyActor, *, person: Person) -> list[Exemption]:
    """The person's exemptions not revoked and not yet expired, newest first (a person has
    a handful at most: one per round or one for every round)."""
    return list(
        exemption_scope(actor).filter(
            person=person, revoked_at__isnull=True, valid_until__gt=timezone.now()
        )[:50]
    )
