"""Append-only history rows of directives, written in the transaction of the change."""

from __future__ import annotations

from django.utils import timezone

from fangkong.command_center.models import DirectiveAssignment, DirectiveEvent
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
