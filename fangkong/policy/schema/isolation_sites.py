"""Central isolation capacity: activation stages and the reserve of rooms (§3.2, R23)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from fangkong.policy.schema.base import Count, FrozenModel, Hours


class ActivationStage(FrozenModel):
    """One stage of activating a reserve site: ``percent`` of its rooms ready within ``hours``
    of the order to activate (R23)."""

    hours: Hours
    percent: Annotated[int, Field(ge=1, le=100, strict=True)]


class IsolationSites(FrozenModel):
    """Central isolation capacity (§3.2, R23): the staged targets a site's activation is
    measured against (empty: the rules set none) and the reserve of isolation rooms per
    10,000 residents a jurisdiction keeps (``None``: no reserve target)."""

    activation_stages: tuple[ActivationStage, ...]
    reserve_rooms_per_10k_residents: Count | None

    @model_validator(mode="after")
    def _consistent(self) -> IsolationSites:
        hours = [stage.hours for stage in self.activation_stages]
        percents = [stage.percent for stage in self.activation_stages]
        if hours != sorted(set(hours)) or percents != sorted(set(percents)):
            raise ValueError("activation stages must rise in hours and in percent")
        if percents and percents[-1] != 100:
            raise ValueError("the last activation stage readies every room (100 percent)")
        return self
