"""The whole of a rule set's parameters, a shipped edition file, and the helpers that merge,
flatten and validate parameter dicts."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import Field, ValidationError, model_validator

from fangkong.core.errors import ValidationFailed, field_error
from fangkong.policy.choices import ZONE_OTHER, QuarantineGroup
from fangkong.policy.schema.base import Code, FrozenModel, GroupKey, RuleSetKey
from fangkong.policy.schema.care import CareRequests
from fangkong.policy.schema.command import CommandDuty
from fangkong.policy.schema.community import Community
from fangkong.policy.schema.contacts import ContactRules, QuarantinePlan
from fangkong.policy.schema.investigation import Investigation
from fangkong.policy.schema.isolation_sites import IsolationSites
from fangkong.policy.schema.monitoring import Monitoring
from fangkong.policy.schema.positives import Positives
from fangkong.policy.schema.risk_areas import RiskAreas
from fangkong.policy.schema.supplies import Supplies
from fangkong.policy.schema.testing import (
    Antigen,
    Arrivals,
    KeyGroupSchedule,
    Pooling,
    Screening,
    Turnaround,
)
from fangkong.policy.schema.tracing import Companions, LeadLists, TracingRetention
from fangkong.policy.schema.transfers import Transfers


class RuleParameters(FrozenModel):
    """Everything a rule set decides. Every quarantine group is listed (``null`` when the
    edition has no plan for it)."""

    contacts: ContactRules
    quarantine: dict[GroupKey, QuarantinePlan | None]
    risk_areas: RiskAreas
    pooling: Pooling
    key_groups: dict[Code, KeyGroupSchedule]
    turnaround: Turnaround
    screening: Screening
    arrivals: Arrivals
    investigation: Investigation
    antigen: Antigen = Antigen()
    tracing: TracingRetention
    #: ``null`` where the rules search no companions (the 10th edition).
    companions: Companions | None
    leads: LeadLists
    isolation_sites: IsolationSites
    monitoring: Monitoring
    transfers: Transfers
    community: Community
    supplies: Supplies = Supplies()
    #: ``null`` where positives are not isolated (the 10th edition: 乙类乙管).
    positives: Positives | None
    care: CareRequests
    command: CommandDuty

    @model_validator(mode="after")
    def _consistent(self) -> RuleParameters:
        missing = set(QuarantineGroup.values) - set(self.quarantine)
        if missing:
            raise ValueError(f"quarantine groups missing (use null): {', '.join(sorted(missing))}")
        if not self.contacts.close_contact_identification and self.plan(
            QuarantineGroup.CLOSE_CONTACT
        ):
            raise ValueError("a close-contact plan needs close-contact identification")
        if not self.contacts.secondary_contacts_enabled and self.plan(
            QuarantineGroup.SECONDARY_CONTACT
        ):
            raise ValueError("a secondary-contact plan needs secondary contacts enabled")
        levels = {level.code for level in self.risk_areas.levels}
        unknown = set(self.pooling.by_zone) - levels - {ZONE_OTHER}
        if unknown:
            raise ValueError(
                f"pooling zones that are not risk levels: {', '.join(sorted(unknown))}"
            )
        without = levels - set(self.pooling.by_zone)
        if without:
            raise ValueError(f"risk levels without a pooling ratio: {', '.join(sorted(without))}")
        return self

    def plan(self, group: str) -> QuarantinePlan | None:
        """The quarantine plan for ``group`` (``None`` when the edition has none)."""
        return self.quarantine.get(group)


class SourceNote(FrozenModel):
    """Where a value came from: a parameter area, the page it was read from, and remarks
    (local practice, carried over from the previous edition, ...)."""

    topic: Annotated[str, Field(min_length=1, max_length=120)]
    source: Annotated[str, Field(min_length=1, max_length=400)]
    note: Annotated[str, Field(max_length=1000)]


class EditionFile(FrozenModel):
    """One shipped edition (``fangkong/policy/editions/*.json``)."""

    key: RuleSetKey
    name_zh: Annotated[str, Field(min_length=1, max_length=200)]
    name_en: Annotated[str, Field(min_length=1, max_length=200)]
    effective_from: date
    source_notes: tuple[SourceNote, ...] = Field(min_length=1)
    parameters: RuleParameters


# --- dict helpers ---------------------------------------------------------------------------


def parameters_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``patch`` laid over it: nested objects merge key by key; lists, scalars
    and ``null`` in the patch replace the base value. Neither input is modified."""
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in patch.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = parameters_merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parameters_flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by dotted path. Lists of objects with a ``code`` are keyed by it
    (``risk_areas.levels[high].lift.to_level``); other lists are leaves."""
    flat: dict[str, Any] = {}
    if isinstance(value, Mapping):
        if not value and prefix:
            flat[prefix] = {}
        for key in sorted(value):
            flat.update(parameters_flatten(value[key], f"{prefix}.{key}" if prefix else key))
    elif (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(item, Mapping) and "code" in item for item in value)
    ):
        for item in value:
            flat.update(parameters_flatten(item, f"{prefix}[{item['code']}]"))
    else:
        flat[prefix] = list(value) if isinstance(value, tuple) else value
    return flat


def parameters_validate(data: Any, *, field: str = "parameters") -> RuleParameters:
    """Parse ``data`` into :class:`RuleParameters`; raises ``ValidationFailed`` naming each bad
    field as ``parameters.<path>``."""
    try:
        return RuleParameters.model_validate(data)
    except ValidationError as exc:
        errors = []
        for error in exc.errors()[:100]:
            path = ".".join(str(part) for part in error["loc"])
            errors.append(
                field_error(f"{field}.{path}" if path else field, error["type"], error["msg"])
            )
        raise ValidationFailed(_("The rule parameters are not valid."), errors=errors) from None


def parameters_dump(parameters: RuleParameters) -> dict[str, Any]:
    """JSON-ready dict of typed parameters (enums as strings, tuples as lists)."""
    return parameters.model_dump(mode="json")
