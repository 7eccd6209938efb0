"""Answer deadlines of care requests of persons under an order (人文关怀)."""

from __future__ import annotations

from pydantic import model_validator

from fangkong.policy.choices import CareCategory
from fangkong.policy.schema.base import CareCategoryKey, FrozenModel, Hours


class CareDeadline(FrozenModel):
    """How long one category of care request has for an answer."""

    hours: Hours


class CareRequests(FrozenModel):
    """Requests of persons under an order or their families (人文关怀, issue 20 §7): the hours
    each category of request has to be answered in; past it the request is overdue."""

    deadlines: dict[CareCategoryKey, CareDeadline]

    @model_validator(mode="after")
    def _complete(self) -> CareRequests:
        missing = set(CareCategory.values) - set(self.deadlines)
        if missing:
            raise ValueError(f"care categories without a deadline: {', '.join(sorted(missing))}")
        return self
