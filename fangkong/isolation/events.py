"""Append-only history rows of facilities and orders, written in the transaction of the
change. They hold codes and choice values, never personal text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.isolation.models import Facility, FacilityEvent, IsolationOrder, OrderEvent


def facility_event_record(
    *,
    facility: Facility,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    from_value: str = "",
    to_value: str = "",
    detail: dict[str, Any] | None = None,
) -> FacilityEvent:
    """One history row for ``facility``, written now: who (name and role), why, from → to."""
    return FacilityEvent.objects.create(
        facility=facility,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        from_value=from_value,
        to_value=to_value,
        detail=detail or {},
    )


def order_event_new(
    *,
    order: IsolationOrder,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
    detail: dict[str, Any] | None = None,
) -> OrderEvent:
    """One history row for ``order``, not saved yet (bulk issue writes many at once): who,
    why, under which rule set (``nhc-9@r1``), from → to."""
    return OrderEvent(
        order=order,
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


def order_event_record(**fields: Any) -> OrderEvent:
    """One history row for an order (see :func:`order_event_new`), written now."""
    event = order_event_new(**fields)
    event.save(force_insert=True)
    return event


def history_row(
    *,
    kind: str,
    actor: AnyActor,
    at: datetime,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns every history row of this app shares (who, when, why, under which rule
    set, from → to), as plain values for ``core.bulk.rows_insert``; the caller adds the key
    of what the row is about."""
    return {
        "kind": kind,
        "at": at,
        "actor": actor.username,
        "actor_role": actor.role,
        "reason": reason,
        "rule_set": rule_set,
        "from_value": from_value,
        "to_value": to_value,
        "detail": detail or {},
    }


def order_event_row(*, order: IsolationOrder, **fields: Any) -> dict[str, Any]:
    """One history row for ``order`` as plain column values (:func:`history_row`'s fields),
    for ``core.bulk.rows_insert``: a batch of thousands (bulk issue, allocation) is written
    without building model instances. The same columns as :func:`order_event_new`."""
    return {"order_id": order.pk, **history_row(**fields)}
