"""Append-only history rows of cases, written in the transaction of the change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from fangkong.cases.models import Case, CaseEvent
from fangkong.core.actor import AnyActor


def case_event_new(
    *,
    case: Case,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    """One history row for ``case``, not saved yet (for :func:`case_events_record`): who
    (name and role), why, under which rule set (key and revision, ``nhc-9@r1``), from → to.
    Holds codes and choice values, never personal text."""
    return CaseEvent(
        case=case,
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


def case_event_record(
    *,
    case: Case,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    """One history row for ``case`` (see :func:`case_event_new`), written now."""
    event = case_event_new(
        case=case,
        kind=kind,
        actor=actor,
        reason=reason,
        rule_set=rule_set,
        from_value=from_value,
        to_value=to_value,
        detail=detail,
    )
    event.save(force_insert=True)
    return event


def case_events_record(events: Sequence[CaseEvent]) -> None:
    """Write many history rows (made by :func:`case_event_new`) in one statement."""
    CaseEvent.objects.bulk_create(events, batch_size=1000)
