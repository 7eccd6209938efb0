"""Release of positives from treatment or home isolation (§3.4, R25)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from fangkong.policy.schema.base import DayNumber, FrozenModel, Hours


class Positives(FrozenModel):
    """Release of positives treated in a Fangcang shelter hospital or a designated hospital, or
    isolated at home (domain reference §3.4, R25): the day count from the start of their
    isolation, the Ct threshold both genes must reach in each of the last tests (a negative
    result counts as reaching it), how many such consecutive tests and how far apart, and the
    days of home health monitoring after discharge (``None``: none)."""

    #: Discharge no earlier than isolation day 0 + this many days (tests on the last days).
    release_after_days: DayNumber
    #: Ct value of the N gene each release test must reach (≥).
    release_ct_min_n: Annotated[float, Field(ge=20, le=45)]
    #: Ct value of the ORF1ab gene each release test must reach (≥).
    release_ct_min_orf1ab: Annotated[float, Field(ge=20, le=45)]
    #: How many consecutive tests (the latest ones) must reach the thresholds.
    release_tests: Annotated[int, Field(ge=1, le=5, strict=True)]
    #: Hours at least between the sampling of consecutive release tests.
    release_tests_min_hours_apart: Hours
    #: Days of home health monitoring after discharge (an order of that kind); ``None``: none.
    home_monitoring_days: DayNumber | None
