"""Append-only history rows of the supplies app, written in the transaction of the change.
They hold codes, counts and choice values, never personal text."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.regions.models import Region
from fangkong.supplies.models import SupplyEvent


def supply_event_record(
    *,
    object_type: str,
    code: object,
    region: Region,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    detail: dict[str, Any] | None = None,
) -> SupplyEvent:
    """One history row for the object ``object_type``/``code`` at ``region``, written now:
    who (name and role), why, under which rule set."""
    return SupplyEvent.objects.create(
        object_type=object_type,
        object_code=str(code),
        region=region,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        rule_set=rule_set,
        detail=detail or {},
    )
