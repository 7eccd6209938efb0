"""Factories of the intake tests: a registered arrival (``lab``'s arrival list)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from fangkong.lab.models import Arrival
from fangkong.people.tests.factories import person_make


def arrival_make(tree: dict[str, Any], *, key: str = "grid_a1", days_ago: int = 1) -> Arrival:
    """A person of the node ``tree[key]`` registered as arriving ``days_ago`` days ago."""
    person = person_make(region=tree[key])
    arrived_at = timezone.now() - timedelta(days=days_ago)
    return Arrival.objects.create(
        person=person,
        region=person.region,
        arrived_at=arrived_at,
        origin="上海市浦东新区",
        test_due_at=arrived_at + timedelta(hours=24),
        created_by="registrar",
    )
