"""Testing: pool ratios, key-group cadences, result turnaround, area screening, landing
tests of arrivals and what an antigen result sets off (§1, R7, R12–R16)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, model_validator

from fangkong.policy.choices import ZONE_OTHER, PoolingGroup, TestKind
from fangkong.policy.schema.base import (
    Code,
    Count,
    FrozenModel,
    Hours,
    PoolingGroupKey,
    Ratio,
    ShortText,
    TurnaroundKey,
)


class PoolRule(FrozenModel):
    """People per tube; with ``per_household`` one tube per household holding at most
    ``ratio`` people."""

    ratio: Ratio
    per_household: StrictBool


class Pooling(FrozenModel):
    """Pool ratios by zone (risk level code or ``other``) and by population group (R7)."""

    max_ratio: Ratio
    by_zone: dict[Code, PoolRule]
    by_group: dict[PoolingGroupKey, PoolRule]

    @model_validator(mode="after")
    def _consistent(self) -> Pooling:
        if ZONE_OTHER not in self.by_zone:
            raise ValueError(f"a ratio for zone {ZONE_OTHER!r} is required")
        missing = set(PoolingGroup.values) - set(self.by_group)
        if missing:
            raise ValueError(f"ratios missing for groups: {', '.join(sorted(missing))}")
        for rule in [*self.by_zone.values(), *self.by_group.values()]:
            if rule.ratio > self.max_ratio:
                raise ValueError(f"ratio {rule.ratio} is above the maximum {self.max_ratio}")
        return self


class KeyGroupSchedule(FrozenModel):
    """How often a key group (重点人员) is tested: every N days, N times a week, or a rolling
    share of the group each day (R15). Exactly one of the three is set."""

    name_zh: ShortText
    name_en: ShortText
    interval_days: Annotated[int, Field(ge=1, le=30, strict=True)] | None
    times_per_week: Annotated[int, Field(ge=1, le=7, strict=True)] | None
    rolling_share_per_day: Annotated[float, Field(gt=0, le=1)] | None
    test_kind: TestKind

    @model_validator(mode="after")
    def _one_cadence(self) -> KeyGroupSchedule:
        cadence = (self.interval_days, self.times_per_week, self.rolling_share_per_day)
        if sum(value is not None for value in cadence) != 1:
            raise ValueError(
                "set exactly one of interval_days, times_per_week, rolling_share_per_day"
            )
        return self


class TurnaroundTarget(FrozenModel):
    target_hours: Hours


class Turnaround(FrozenModel):
    """Result turnaround targets by category (R13), the pooled-positive notification target
    and whether the police are among those told (R12: configurable; they are unless a rule set
    says otherwise)."""

    targets: dict[TurnaroundKey, TurnaroundTarget]
    pooled_positive_notify_minutes: Annotated[int, Field(ge=1, le=1440, strict=True)]
    pooled_positive_notify_police: StrictBool = True


class DeadlineTier(FrozenModel):
    """Rounds for populations up to ``population_up_to`` (``None``: any size) finish within
    ``hours``."""

    population_up_to: Count | None
    hours: Hours


class Screening(FrozenModel):
    """Area screening (§1.1): whether rounds over areas may be opened, their deadlines,
    sampling-point and sampler sizing.

    ``area_screening_enabled`` false (10th edition): no round over an area, outbreak or
    routine; targeted rounds (key groups, arrivals, voluntary testing) still open.
    ``routine_area_testing`` false (二十条 on): no routine all-resident round by
    administrative area, only outbreak screening of a designated area.
    """

    area_screening_enabled: StrictBool
    routine_area_testing: StrictBool
    round_deadline: tuple[DeadlineTier, ...] = Field(min_length=1)
    people_per_sampling_point_min: Count
    people_per_sampling_point_max: Count
    people_per_sampler: Count

    @model_validator(mode="after")
    def _consistent(self) -> Screening:
        tiers = self.round_deadline
        if tiers[-1].population_up_to is not None:
            raise ValueError("the last deadline tier must cover any population (null)")
        bounds = [tier.population_up_to for tier in tiers[:-1]]
        if None in bounds or bounds != sorted(set(bounds)):  # type: ignore[type-var]
            raise ValueError("deadline tiers must be in increasing population order")
        if self.people_per_sampling_point_min > self.people_per_sampling_point_max:
            raise ValueError("people per sampling point: min is above max")
        return self


class Arrivals(FrozenModel):
    """Landing tests (落地检, §1.9): an arrival registered while the rules have one is due a
    test within ``test_within_hours``; ``None`` when the edition has no landing test (before
    the Sep 2022 notice, and from 新十条 on: "不再开展落地检")."""

    test_within_hours: Hours | None


class Antigen(FrozenModel):
    """What an antigen result sets off (R16; antigen application plan, March 2022): a PCR task
    after a positive, and after a negative in a suspected person (symptoms, or held in place
    after a pooled positive). Antigen never confirms a case, whatever these say. Editions that
    leave the section out keep both."""

    pcr_after_positive: StrictBool = True
    pcr_after_negative_if_suspected: StrictBool = True
