"""Append-only history rows of directives, written in the transaction of the change."""

from __future__ import annotations

from django.utils import timezone

from fangkong.command_center.models import (
    DirectiveAssignment,
    DirectiveEvent,
    Finding,
    FindingEvent,
)
from fangkong.core.actor import AnyActor


def directive_event_record(
    *, assignment: DirectiveAssignment, kind: str, actor: AnyActor, note: str = ""
) -> DirectiveEvent:
    """One history row for a unit's directive, written now: who (name and role), what."""
    return DirectiveEvent.objects.create(
        assignment=assignment,
        kind=kind,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        note=note,
    )


def finding_event_record(
    *, finding: Finding, actor: AnyActor, from_value: str = "", to_value: str = "", note: str = ""
) -> FindingEvent:
    """One history row for a finding, written now: who (name and role), from → to, why."""
    return FindingEvent.objects.create(
        finding=finding,
        at=timezone.now(),
        actor=actor.username,
        actor_role=actor.role,
        from_value=from_value,
        to_value=to_value,
        note=note,
    )
