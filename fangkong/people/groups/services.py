"""Writes to groups of people: create a group, add or remove members in bulk.

Each service checks the role (``PERSON_WRITE_ROLES``), runs in one transaction and leaves one
audit row with the group's code and counts (never a person's name). Members are named by
person code; a code that is unknown *or outside the actor's subtree* is refused the same way
(``person_not_found``, naming the row), and then nothing changes. Adding a member already in
the group, or removing one who is not, changes nothing: a retried request never duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.audit import audit_record
from fangkong.core.errors import ValidationFailed, field_error
from fangkong.people.access import parse_code, require_person_role
from fangkong.people.choices import GroupKind
from fangkong.people.models import GroupMember, PersonGroup
from fangkong.people.selectors import person_scope
from fangkong.people.validation import require_in_scope, text_field
from fangkong.regions.models import Region

#: At most this many persons are added or removed in one call.
MAX_MEMBERS_AT_ONCE = 1_000
MAX_NAME = 100


@dataclass(frozen=True)
class MembersChanged:
    """What a member change did: persons added (or removed) and persons left as they were."""

    changed: int
    unchanged: int


@transaction.atomic
def group_create(*, actor: AnyActor, kind: str, name: str, region: Region) -> PersonGroup:
    """Create a group of ``kind`` named ``name`` at ``region`` (in the actor's subtree, else
    ``region_not_found``). ``ValidationFailed`` names ``kind`` or ``name``. Audited
    (``group_create``)."""
    require_person_role(actor, write=True)
    require_in_scope(actor, region)
    errors: list[dict[str, Any]] = []
    if kind not in GroupKind.values:
        errors.append(field_error("kind", "invalid_choice", _("Not a kind of group.")))
    text = text_field(name, field="name", max_length=MAX_NAME, errors=errors, required=True)
    if errors:
        raise ValidationFailed(_("The group cannot be created."), errors=errors)
    group = PersonGroup.objects.create(kind=kind, name=text, region=region)
    audit_record(
        actor=actor,
        action="group_create",
        object_type="person_group",
        object_id=group.code,
        fields=["kind", "name", "region"],
    )
    return group


def _person_ids(actor: AnyActor, codes: Sequence[object]) -> list[int]:
    """The ids of the persons ``codes`` names, in order, each in the actor's subtree; else
    ``ValidationFailed`` naming every bad row of ``persons`` (1-based)."""
    if not codes:
        message = _("Name at least one person.")
        raise ValidationFailed(message, errors=[field_error("persons", "required", message)])
    if len(codes) > MAX_MEMBERS_AT_ONCE:
        message = _("At most %(count)d persons at once.") % {"count": MAX_MEMBERS_AT_ONCE}
        raise ValidationFailed(message, errors=[field_error("persons", "too_many", message)])
    parsed = [parse_code(code) for code in codes]
    known = dict(
        person_scope(actor)
        .filter(code__in={code for code in parsed if code is not None})
        .values_list("code", "pk")
    )
    errors = [
        field_error("persons", "person_not_found", _("No such person."), row=row)
        for row, code in enumerate(parsed, start=1)
        if code is None or code not in known
    ]
    if errors:
        raise ValidationFailed(_("Some persons are unknown."), errors=errors)
    return [known[code] for code in parsed if code is not None]


@transaction.atomic
def group_members_add(
    *, actor: AnyActor, group: PersonGroup, persons: Sequence[object]
) -> MembersChanged:
    """Add the persons with codes ``persons`` (at most ``MAX_MEMBERS_AT_ONCE``) to ``group``
    (already accessed for writing). Members already in it stay as they are. One audit row
    ``group_members_add`` with the counts."""
    require_person_role(actor, write=True)
    wanted = set(_person_ids(actor, persons))
    present = set(
        GroupMember.objects.filter(group=group, person_id__in=wanted).values_list(
            "person_id", flat=True
        )
    )
    now = timezone.now()
    new = sorted(wanted - present)
    GroupMember.objects.bulk_create(
        [GroupMember(group=group, person_id=pk, added_at=now) for pk in new],
        ignore_conflicts=True,  # a concurrent add of the same person: one row stays
    )
    audit_record(
        actor=actor,
        action="group_members_add",
        object_type="person_group",
        object_id=group.code,
        extra={"added": len(new), "already_members": len(present)},
    )
    return MembersChanged(changed=len(new), unchanged=len(present))


@transaction.atomic
def group_members_remove(
    *, actor: AnyActor, group: PersonGroup, persons: Sequence[object]
) -> MembersChanged:
    """Remove the persons with codes ``persons`` from ``group`` (already accessed for
    writing); persons not in it are counted as unchanged. One audit row
    ``group_members_remove`` with the counts."""
    require_person_role(actor, write=True)
    wanted = set(_person_ids(actor, persons))
    removed, _detail = GroupMember.objects.filter(group=group, person_id__in=wanted).delete()
    audit_record(
        actor=actor,
        action="group_members_remove",
        object_type="person_group",
        object_id=group.code,
        extra={"removed": removed, "not_members": len(wanted) - removed},
    )
    return MembersChanged(changed=removed, unchanged=len(wanted) - removed)
