"""Append-only history rows of tubes, written in the transaction of the change."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from fangkong.core.actor import AnyActor
from fangkong.lab.models import Tube, TubeEvent


class TubeEventKind:
    BOUND = "bound"
    PACKAGED = "packaged"
    HANDED_OVER = "handed_over"
    RECEIVED = "received"
    RESULTED = "resulted"


def tube_event_record(
    *,
    tube: Tube,
    kind: str,
    actor: AnyActor,
    reason: str = "",
    rule_set: str = "",
    detail: dict[str, Any] | None = None,
) -> TubeEvent:
    """One history row for one tube."""
    return TubeEvent.objects.create(
        tube=tube,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        reason=reason,
        rule_set=rule_set,
        detail=detail or {},
    )


def tube_events_record(
    *, tube_ids: Iterable[int], kind: str, actor: AnyActor, detail: dict[str, Any] | None = None
) -> int:
    """The same history row for many tubes (a package sealed, a batch received)."""
    now = timezone.now()
    rows = [
        TubeEvent(tube_id=tube_id, kind=kind, at=now, actor=actor.username, detail=detail or {})
        for tube_id in tube_ids
    ]
    TubeEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
