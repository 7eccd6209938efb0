"""Grids, door-to-door sweeps, restricted compounds and residents' requests (§4, R26–R28)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, model_validator

from fangkong.policy.schema.base import Code, Count, FrozenModel, HourOfDay, Hours, Minutes


class RestrictionMeasures(FrozenModel):
    """What a restriction of residential places at one risk level means (§2.5, §4.1):
    ``closure`` is 封控 ("足不出户、服务上门", residents stay home), ``control`` 管控 ("人不出区",
    staggered pick-up); ``gate_log`` asks for the compound gate's entry and exit log."""

    kind: Annotated[str, Field(pattern=r"^(closure|control)$")]
    stay_home: StrictBool
    gate_log: StrictBool


class Community(FrozenModel):
    """Grids, door-to-door sweeps, restricted compounds and residents' requests (§4, R26–R28).

    ``restrictions`` maps a risk level's code to the measures a compound (building, unit)
    under that level gets; a level not listed restricts nobody's movement (a low-risk area).
    """

    #: R26: households each responsible person covers (Longchuan: 20–40).
    households_per_worker_min: Count
    households_per_worker_max: Count
    #: Hours a door-to-door sweep (排查) has from its opening to its deadline.
    sweep_hours: Hours
    #: R28: minutes from filing to an emergency medical exit (the dedicated vehicle leaving).
    emergency_exit_minutes: Minutes
    #: R28: hours for planned medical care (dialysis, chemotherapy, childbirth).
    medical_request_hours: Hours
    #: R27: daily needs filed by this local hour are delivered by ``daily_delivery_hour`` the
    #: next morning; later ones a day after.
    daily_cutoff_hour: HourOfDay
    daily_delivery_hour: HourOfDay
    #: An overdue request escalates one level more after each of these many minutes.
    escalate_every_minutes: Minutes
    restrictions: dict[Code, RestrictionMeasures]

    @model_validator(mode="after")
    def _consistent(self) -> Community:
        if self.households_per_worker_min > self.households_per_worker_max:
            raise ValueError("households per worker: the minimum is above the maximum")
        return self
