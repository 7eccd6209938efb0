"""The append-only history of risk areas, written in the transaction of each change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fangkong.core.actor import AnyActor
from fangkong.risk_areas.models import RiskArea, RiskAreaEvent


def risk_area_event_record(
    *,
    area: RiskArea,
    kind: str,
    actor: AnyActor,
    reason: str,
    rule_set_version: str,
    at: datetime,
    level_before: str = "",
    level_after: str = "",
    detail: dict[str, Any] | None = None,
) -> RiskAreaEvent:
    """Append one history row: who (name and role), why, under which rule set version, the
    level before and after. Never updated or deleted."""
    return RiskAreaEvent.objects.create(
        area=area,
        kind=kind,
        at=at,
        level_before=level_before,
        level_after=level_after,
        actor=actor.username,
        actor_role=actor.role,
        reason=reason,
        rule_set_version=rule_set_version,
        detail=detail or {},
    )
