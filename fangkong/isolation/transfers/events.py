"""Append-only history rows of transfer tasks, written in the transaction of the change. They
hold codes and choice values, never an address or a name."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.isolation.events import history_row
from fangkong.isolation.models import TransferEvent, TransferTask


def transfer_event_new(
    *,
    task: TransferTask,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    from_value: str = "",
    to_value: str = "",
    detail: dict[str, Any] | None = None,
) -> TransferEvent:
    """One history row for ``task``, not saved yet (bulk creation writes many at once)."""
    return TransferEvent(
        task=task,
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


def transfer_event_record(**fields: Any) -> TransferEvent:
    """One history row for a task (see :func:`transfer_event_new`), written now."""
    event = transfer_event_new(**fields)
    event.save(force_insert=True)
    return event


def transfer_event_row(*, task: TransferTask, **fields: Any) -> dict[str, Any]:
    """One history row for ``task`` as plain column values (``isolation.events.history_row``'s
    fields), for ``core.bulk.rows_insert``: the tasks of a whole allocation are written
    without building model instances. The same columns as :func:`transfer_event_new`."""
    return {"task_id": task.pk, **history_row(**fields)}
