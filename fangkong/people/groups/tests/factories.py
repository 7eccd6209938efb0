"""Builders for groups of people in tests."""

from __future__ import annotations

from fangkong.core.actor import SYSTEM, AnyActor
from fangkong.people.choices import GroupKind
from fangkong.people.groups.services import group_create, group_members_add
from fangkong.people.models import Person, PersonGroup
from fangkong.regions.models import Region


def group_make(
    *,
    region: Region,
    members: list[Person] = (),  # type: ignore[assignment]
    kind: str = GroupKind.WORK_TEAM,
    name: str = "装配车间一班",
    actor: AnyActor = SYSTEM,
) -> PersonGroup:
    """A group through ``group_create`` with ``members`` added through the service."""
    group = group_create(actor=actor, kind=kind, name=name, region=region)
    if members:
        group_members_add(actor=actor, group=group, persons=[m.code for m in members])
    return group
