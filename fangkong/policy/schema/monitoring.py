"""Health checks of persons under an order (§3.2, §3.3, R24)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from fangkong.policy.schema.base import FrozenModel


class Monitoring(FrozenModel):
    """Health checks of persons under an order (§3.2, §3.3, R24): temperature and symptoms
    at each local hour of ``check_hours`` (morning and evening); a check still missing
    ``missed_check_grace_minutes`` after its hour raises a missed-check alert; a temperature
    at or above ``fever_celsius`` is a fever."""

    check_hours: tuple[Annotated[int, Field(ge=0, le=23, strict=True)], ...]
    missed_check_grace_minutes: Annotated[int, Field(ge=1, le=720, strict=True)]
    fever_celsius: Annotated[float, Field(ge=36.0, le=40.0)]

    @model_validator(mode="after")
    def _consistent(self) -> Monitoring:
        if not self.check_hours or list(self.check_hours) != sorted(set(self.check_hours)):
            raise ValueError("check hours must be at least one and strictly increasing")
        return self
