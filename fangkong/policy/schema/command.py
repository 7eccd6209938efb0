"""Duty rules of the command system: duty checks, daily reports, rosters (§6.1, R31, R32)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fangkong.policy.schema.base import FrozenModel


class CommandDuty(FrozenModel):
    """Duty rules of the command system (§6.1, R31): a duty check (值班抽查) is answered by
    the locality's officer on duty within ``duty_check_answer_minutes``; a unit's daily or
    zero report for a day is due at ``daily_report_due_hour`` (local time) the next day."""

    duty_check_answer_minutes: Annotated[int, Field(ge=1, le=1440, strict=True)]
    daily_report_due_hour: Annotated[int, Field(ge=0, le=23, strict=True)]
    #: Duty rosters (R32): at most this many shifts in a row for one person ...
    roster_max_consecutive_shifts: Annotated[int, Field(ge=1, le=10, strict=True)]
    #: ... and this many hours in a row ...
    roster_max_consecutive_hours: Annotated[int, Field(ge=1, le=72, strict=True)]
    #: ... then at least this many hours of rest.
    roster_min_rest_hours: Annotated[int, Field(ge=0, le=48, strict=True)]
