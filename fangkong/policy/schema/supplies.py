"""Unified allocation of key supplies and orderly power use (§4.2)."""

from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from fangkong.policy.schema.base import DayNumber, FrozenModel, Minutes

PowerTierCode = Literal[
    "hospital",
    "isolation_site",
    "lab",
    "utility",
    "closed_compound",
    "agriculture",
    "industry",
]
RestoreMinutes = Annotated[int, Field(ge=1, le=10_080, strict=True)]
POWER_TIER_CODES: tuple[str, ...] = typing.get_args(PowerTierCode)


class IncidentDeadline(FrozenModel):
    """Minutes to restore a service at a priority user of ``tier``."""

    tier: PowerTierCode
    minutes: RestoreMinutes


class Supplies(FrozenModel):
    """Unified allocation of key supplies and orderly power use (§4.2, issue 21 §5–6).

    ``vulnerable_weight``: a vulnerable resident counts this many residents when stock is
    shared (``engine.supply_allocation``); ``facility_first``: requests of epidemic
    facilities are served before the rest. Days of cover are stock ÷ the mean daily issue of
    the last ``cover_window_days``; below ``shortage_cover_days`` an item shows as short.
    ``power_tiers`` is the order in which users keep power (first: the last to be cut);
    ``incident_deadlines`` the minutes to restore a service per tier, and a power outage
    at a ``critical_power_tiers`` site is most urgent, due in ``critical_power_minutes``."""

    vulnerable_weight: Annotated[float, Field(ge=1, le=10)] = 2.0
    facility_first: StrictBool = True
    cover_window_days: DayNumber = 7
    shortage_cover_days: DayNumber = 3
    power_tiers: tuple[PowerTierCode, ...] = POWER_TIER_CODES  # type: ignore[assignment]
    incident_deadlines: tuple[IncidentDeadline, ...] = tuple(
        IncidentDeadline(tier=tier, minutes=minutes)  # type: ignore[arg-type]
        for tier, minutes in zip(POWER_TIER_CODES, (30, 30, 60, 60, 120, 240, 480), strict=True)
    )
    critical_power_tiers: tuple[PowerTierCode, ...] = ("hospital", "isolation_site")
    critical_power_minutes: Minutes = 15

    @model_validator(mode="after")
    def _consistent(self) -> Supplies:
        if sorted(self.power_tiers) != sorted(POWER_TIER_CODES):
            raise ValueError("power tiers list every tier once")
        tiers = [deadline.tier for deadline in self.incident_deadlines]
        if sorted(tiers) != sorted(POWER_TIER_CODES):
            raise ValueError("one incident deadline for every tier")
        return self
