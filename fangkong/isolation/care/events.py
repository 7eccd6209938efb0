"""Append-only history rows of care requests, written in the transaction of the change; they
hold codes and choice values, never the request's text."""

from __future__ import annotations

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.isolation.models import CareEvent, CareRequest


def care_event_record(
    *,
    request: CareRequest,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
) -> CareEvent:
    """One history row for ``request``, written now: who (name and role), why, from → to."""
    return CareEvent.objects.create(
        request=request,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        rule_set=rule_set,
        from_value=from_value,
        to_value=to_value,
    )
