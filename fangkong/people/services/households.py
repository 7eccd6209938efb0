"""Writes to households: register, change address or node (moving the members with it)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actor import AnyActor
from fangkong.core.addresses import parse_address
from fangkong.core.audit import audit_record
from fangkong.core.concurrency import update_versioned
from fangkong.core.errors import ValidationFailed
from fangkong.people.access import require_person_role
from fangkong.people.models import Household, Person
from fangkong.people.validation import require_in_scope, text_field
from fangkong.regions.models import Region


def _address_values(address: str, errors: list[dict[str, Any]]) -> dict[str, str]:
    text = text_field(address, field="address", max_length=255, errors=errors, required=True)
    parts = parse_address(text)
    return {
        "address": text,
        "building": parts.building[:20],
        "unit": parts.unit[:20],
        "room": parts.room[:20],
        "address_key": parts.key[:255],
    }


@transaction.atomic
def household_create(*, actor: AnyActor, region: Region, address: str) -> Household:
    """Register a household at ``region`` (in scope); building, unit, room and the address
    key are parsed from the address. Audited."""
    require_person_role(actor, write=True)
    require_in_scope(actor, region)
    errors: list[dict[str, Any]] = []
    values = _address_values(address, errors)
    if errors:
        raise ValidationFailed(_("The household cannot be registered."), errors=errors)
    household = Household.objects.create(region=region, **values)
    audit_record(
        actor=actor,
        action="household_create",
        object_type="household",
        object_id=household.code,
        fields=["region", *values],
    )
    return household


@transaction.atomic
def household_update(
    *,
    actor: AnyActor,
    household: Household,
    version: int,
    address: str | None = None,
    region: Region | None = None,
) -> Household:
    """Change a household's address or node if ``version`` is current (else ``Conflict``
    ``stale_version``). Moving it moves its members to the new node in one UPDATE."""
    require_person_role(actor, write=True)
    errors: list[dict[str, Any]] = []
    changes: dict[str, Any] = {}
    if address is not None:
        values = _address_values(address, errors)
        changes.update(
            {key: value for key, value in values.items() if getattr(household, key) != value}
        )
    if region is not None and region.pk != household.region_id:
        require_in_scope(actor, region)
        changes["region"] = region
    if errors:
        raise ValidationFailed(_("The household cannot be saved."), errors=errors)
    if not changes:
        if version != household.version:
            update_versioned(household, expected_version=version, changes={})
        return household
    update_versioned(household, expected_version=version, changes=changes)
    moved = 0
    if "region" in changes:
        moved = Person.objects.filter(household=household).update(
            region=changes["region"], version=F("version") + 1, updated_at=timezone.now()
        )
    audit_record(
        actor=actor,
        action="household_update",
        object_type="household",
        object_id=household.code,
        fields=list(changes),
        extra={"members_moved": moved, "version": household.version},
    )
    return household
