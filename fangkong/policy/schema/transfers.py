"""Closed-loop transfers (§3.5)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fangkong.policy.schema.base import FrozenModel


class Transfers(FrozenModel):
    """Closed-loop transfer (§3.5, issue 20 §4): the pickup window a generated transfer task
    gets (to the site after allocation, home at release), and the shorter one of a transfer
    to hospital after an abnormal check (R24)."""

    pickup_window_minutes: Annotated[int, Field(ge=10, le=2880, strict=True)]
    urgent_pickup_window_minutes: Annotated[int, Field(ge=10, le=2880, strict=True)]
