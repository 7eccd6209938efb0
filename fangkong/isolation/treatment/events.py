"""Append-only history rows of admissions, written in the transaction of the change. They
hold codes and choice values, never personal text."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.isolation.models import Admission, TreatmentEvent


def treatment_event_record(
    *,
    admission: Admission,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
    detail: dict[str, Any] | None = None,
) -> TreatmentEvent:
    """One history row for ``admission``, written now: who (name and role), why, under which
    rule set, from → to."""
    return TreatmentEvent.objects.create(
        admission=admission,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        rule_set=rule_set,
        from_value=from_value,
        to_value=to_value,
        detail=detail or {},
    )
