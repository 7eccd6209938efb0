"""Append-only history rows of community work, written in the transaction of the change.
They hold codes, counts and choice values, never personal text."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.community.models import (
    GridEvent,
    RequestEvent,
    ResidentRequest,
    Responsible,
    Restriction,
    RestrictionEvent,
)
from fangkong.core.actor import AnyActor
from fangkong.regions.models import Region


def grid_event_record(
    *,
    region: Region,
    kind: str,
    actor: AnyActor,
    responsible: Responsible | None = None,
    reason: str = "",
    rule_set: str = "",
    detail: dict[str, Any] | None = None,
) -> GridEvent:
    """One history row of a grid's responsibility, written now."""
    return GridEvent.objects.create(
        region=region,
        responsible=responsible,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        rule_set=rule_set,
        detail=detail or {},
    )


def restriction_event_record(
    *,
    restriction: Restriction,
    kind: str,
    actor: AnyActor,
    reason: str,
    rule_set: str,
    detail: dict[str, Any] | None = None,
) -> RestrictionEvent:
    """One history row of a restriction, written now: who, why, under which rules."""
    return RestrictionEvent.objects.create(
        restriction=restriction,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        rule_set=rule_set,
        detail=detail or {},
    )


def request_event_new(
    *,
    request: ResidentRequest,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
) -> RequestEvent:
    """One history row of a request, not saved yet (the escalation job writes many)."""
    return RequestEvent(
        request=request,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        rule_set=rule_set or request.rule_set,
        from_value=from_value,
        to_value=to_value,
    )


def request_event_record(**fields: Any) -> RequestEvent:
    """One history row of a request (see :func:`request_event_new`), written now."""
    event = request_event_new(**fields)
    event.save(force_insert=True)
    return event
