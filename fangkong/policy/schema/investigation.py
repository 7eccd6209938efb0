"""Investigation timers of a new case (R18)."""

from __future__ import annotations

from pydantic import model_validator

from fangkong.policy.schema.base import FrozenModel, Hours


class Investigation(FrozenModel):
    """Investigation timers of a new case (R18, "2+4+24"): from the moment the case is opened,
    the network report is due within ``report_hours``, the core facts within
    ``core_facts_hours`` and the full investigation within ``full_hours``. ``None`` when the
    edition investigates no case one by one (10th edition): no timer for that step."""

    report_hours: Hours | None
    core_facts_hours: Hours | None
    full_hours: Hours | None

    @model_validator(mode="after")
    def _ordered(self) -> Investigation:
        hours = [h for h in (self.report_hours, self.core_facts_hours, self.full_hours) if h]
        if hours != sorted(hours):
            raise ValueError("investigation steps are due in order: report, core facts, full")
        return self
